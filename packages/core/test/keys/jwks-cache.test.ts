import { generateKeyPairSync } from 'node:crypto';
import type { JWK } from 'jose';
import { ConfigurationError, UnavailableError } from '../../src/errors.js';
import { createJwksCache, resolveJwksCacheOptions, type JwksCache } from '../../src/keys/jwks-cache.js';
import { freshnessLifetime } from '../../src/keys/json-fetch.js';
import type { JwksCacheOptions, JwtGuardEvent } from '../../src/types.js';
import {
  createSigningKey,
  startJwksServer,
  type JwksServer,
  type SigningKey,
} from '../support/jwks-server.js';

const START = 1_800_000_000_000;
let now = START;
const clock = (): number => now;
const advance = (seconds: number): void => {
  now += seconds * 1000;
};

let server: JwksServer;
let es: SigningKey;
let rs: SigningKey;
let events: JwtGuardEvent[];

beforeAll(async () => {
  server = await startJwksServer();
  [es, rs] = await Promise.all([createSigningKey('ES256', 'es'), createSigningKey('RS256', 'rs')]);
});
afterAll(() => server.close());
beforeEach(() => {
  server.reset([es.publicJwk, rs.publicJwk]);
  now = START;
  events = [];
});

function cache(options: JwksCacheOptions = {}, uri = server.jwksUri): JwksCache {
  return createJwksCache({
    uri,
    label: uri,
    options: resolveJwksCacheOptions(options),
    fetch,
    clock,
    onEvent: (event) => events.push(event),
  });
}

async function eventually(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !predicate(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(predicate()).toBe(true);
}

const types = (): string[] => events.map((event) => event.type);

describe('fetching and single-flight', () => {
  it('fetches once for many concurrent requests on a cold cache and reports jwks.fetched', async () => {
    const jwks = cache();
    const sets = await Promise.all(Array.from({ length: 200 }, () => jwks.get()));
    expect(server.jwksFetches()).toBe(1);
    expect(new Set(sets).size).toBe(1);
    expect(sets[0]?.keys.map((key) => key.kid)).toEqual(['es', 'rs']);
    expect(events).toEqual([
      { type: 'jwks.fetched', uri: server.jwksUri, keys: 2, ignored: 0, durationMs: expect.any(Number) },
    ]);
    expect(jwks.lastFetchAt).toBe(START);
  });

  it('serves the cached set without fetching while it is fresh', async () => {
    const jwks = cache();
    await jwks.get();
    advance(60);
    await jwks.get();
    expect(server.jwksFetches()).toBe(1);
  });
});

describe('TTL', () => {
  it('keeps a set for cacheMaxAge (default 10 minutes) when there is no Cache-Control', async () => {
    const jwks = cache({ refreshAhead: 0 });
    await jwks.get();
    advance(599);
    await jwks.get();
    expect(server.jwksFetches()).toBe(1);
    advance(2);
    await jwks.get();
    expect(server.jwksFetches()).toBe(2);
  });

  it('honours the cacheMaxAge option', async () => {
    const jwks = cache({ refreshAhead: 0, cacheMaxAge: '1m' });
    await jwks.get();
    advance(59);
    await jwks.get();
    expect(server.jwksFetches()).toBe(1);
    advance(2);
    await jwks.get();
    expect(server.jwksFetches()).toBe(2);
  });

  it('honours Cache-Control max-age within the bounds', async () => {
    server.cacheControl = 'public, max-age=120, must-revalidate';
    const jwks = cache({ refreshAhead: 0 });
    await jwks.get();
    advance(119);
    await jwks.get();
    expect(server.jwksFetches()).toBe(1);
    advance(2);
    await jwks.get();
    expect(server.jwksFetches()).toBe(2);
  });

  it('raises a tiny max-age to minCacheAge (default 30 s) so a hostile header cannot force a fetch per request', async () => {
    server.cacheControl = 'max-age=1';
    const jwks = cache({ refreshAhead: 0 });
    await jwks.get();
    advance(29);
    await jwks.get();
    expect(server.jwksFetches()).toBe(1);
    advance(2);
    await jwks.get();
    expect(server.jwksFetches()).toBe(2);
  });

  it('honours the minCacheAge option, and treats no-store as the minimum', async () => {
    server.cacheControl = 'no-store';
    const jwks = cache({ refreshAhead: 0, minCacheAge: 2 });
    await jwks.get();
    advance(1);
    await jwks.get();
    expect(server.jwksFetches()).toBe(1);
    advance(2);
    await jwks.get();
    expect(server.jwksFetches()).toBe(2);
  });

  it('caps a huge max-age at maxCacheAge', async () => {
    server.cacheControl = 'max-age=31536000';
    const jwks = cache({ refreshAhead: 0, maxCacheAge: '1h' });
    await jwks.get();
    advance(3599);
    await jwks.get();
    expect(server.jwksFetches()).toBe(1);
    advance(2);
    await jwks.get();
    expect(server.jwksFetches()).toBe(2);
  });
});

describe('refresh ahead of expiry', () => {
  it('refreshes in the background once refreshAhead of the TTL is left, answering at once from the cache', async () => {
    server.cacheControl = 'max-age=100';
    const jwks = cache({ refreshAhead: 0.2 });
    const first = await jwks.get();
    advance(79);
    await jwks.get();
    expect(server.jwksFetches()).toBe(1);
    advance(2);
    expect(await jwks.get()).toBe(first);
    await eventually(() => types().filter((type) => type === 'jwks.fetched').length === 2);
    expect(server.jwksFetches()).toBe(2);
    expect(await jwks.get()).not.toBe(first);
  });

  it('does not refresh early with refreshAhead 0', async () => {
    server.cacheControl = 'max-age=100';
    const jwks = cache({ refreshAhead: 0 });
    await jwks.get();
    advance(99);
    await jwks.get();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.jwksFetches()).toBe(1);
  });
});

describe('failures', () => {
  it('serves the last good set past expiry while the endpoint fails, with jwks.failed and jwks.stale', async () => {
    const jwks = cache({ refreshAhead: 0 });
    const good = await jwks.get();
    server.mode = 'error';
    advance(601);
    expect(await jwks.get()).toBe(good);
    expect(types()).toEqual(['jwks.fetched', 'jwks.failed', 'jwks.stale']);
    expect(events[1]).toEqual({ type: 'jwks.failed', uri: server.jwksUri, reason: 'HTTP 500' });
    expect(events[2]).toEqual({ type: 'jwks.stale', uri: server.jwksUri, ageMs: 601_000 });
  });

  it('stops serving the stale set after staleIfError', async () => {
    const jwks = cache({ refreshAhead: 0, cacheMaxAge: 60, staleIfError: '2m' });
    await jwks.get();
    server.mode = 'error';
    advance(61 + 119);
    await expect(jwks.get()).resolves.toBeDefined();
    advance(10);
    const error = await jwks.get().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnavailableError);
  });

  it('waits cooldown after a failure before asking the endpoint again', async () => {
    const jwks = cache({ refreshAhead: 0, cacheMaxAge: 60, cooldown: 20 });
    await jwks.get();
    server.mode = 'error';
    advance(61);
    await jwks.get();
    expect(server.jwksFetches()).toBe(2);
    advance(19);
    await jwks.get();
    expect(server.jwksFetches()).toBe(2);
    server.mode = 'ok';
    advance(2);
    await jwks.get(); // stale answered at once, refreshed behind it
    await eventually(() => server.jwksFetches() === 3 && types().at(-1) === 'jwks.fetched');
  });

  it('rejects a cold cache with 503 and Retry-After when the endpoint is down, without hammering it', async () => {
    server.mode = 'error';
    const jwks = cache({ cooldown: 7 });
    const errors = await Promise.all(Array.from({ length: 20 }, () => jwks.get().catch((e: unknown) => e)));
    expect(server.jwksFetches()).toBe(1);
    for (const error of errors) {
      expect(error).toBeInstanceOf(UnavailableError);
      expect((error as UnavailableError).status).toBe(503);
      expect((error as UnavailableError).code).toBe('ERR_JWKS_UNAVAILABLE');
      expect((error as UnavailableError).headers['Retry-After']).toBe('7');
    }
    advance(3);
    const again = await jwks.get().catch((e: unknown) => e);
    expect((again as UnavailableError).headers['Retry-After']).toBe('4');
    expect(server.jwksFetches()).toBe(1);
  });

  it('gives up on a hanging endpoint at the timeout', async () => {
    server.mode = 'hang';
    const jwks = cache({ timeout: '300ms' });
    await expect(jwks.get()).rejects.toBeInstanceOf(UnavailableError);
    expect(events).toEqual([{ type: 'jwks.failed', uri: server.jwksUri, reason: 'timed out after 300 ms' }]);
  });

  it('cuts off a 10 MB body at maxBytes while streaming', async () => {
    server.mode = 'huge';
    await expect(cache().get()).rejects.toBeInstanceOf(UnavailableError);
    expect(events[0]).toMatchObject({ type: 'jwks.failed', reason: 'body exceeds the 524288 byte limit' });
  });

  it('honours the maxBytes option', async () => {
    await expect(cache({ maxBytes: 100 }).get()).rejects.toBeInstanceOf(UnavailableError);
    expect(events[0]).toMatchObject({ type: 'jwks.failed', reason: expect.stringMatching(/100 byte limit/) });
  });

  it.each([
    ['garbage', 'body is not a JSON object'],
    ['not-json-object', 'body is not a JSON object'],
    ['html', 'unexpected content-type "text/html"'],
  ] as const)('refuses %s', async (mode, reason) => {
    server.mode = mode;
    await expect(cache().get()).rejects.toBeInstanceOf(UnavailableError);
    expect(events).toEqual([{ type: 'jwks.failed', uri: server.jwksUri, reason }]);
  });

  it('refuses a document without a keys array', async () => {
    server.keys = undefined as unknown as JWK[];
    await expect(cache().get()).rejects.toBeInstanceOf(UnavailableError);
    expect(events[0]).toMatchObject({ reason: 'not a JWK Set (no "keys" array)' });
  });

  it('follows a redirect to loopback, but refuses one that leaves https/loopback', async () => {
    server.redirectTo = server.jwksUri;
    await expect(cache({}, `${server.origin}/redirect`).get()).resolves.toMatchObject({ ignored: 0 });
    // The same server through an IPv4-mapped IPv6 address: reachable, but not on the loopback allow-list.
    server.redirectTo = `http://[::ffff:127.0.0.1]:${new URL(server.origin).port}/jwks`;
    events = [];
    await expect(cache({}, `${server.origin}/redirect`).get()).rejects.toBeInstanceOf(UnavailableError);
    expect(events[0]).toMatchObject({ type: 'jwks.failed', reason: expect.stringMatching(/^redirected/) });
    expect(server.jwksFetches()).toBe(2); // reached, then refused for where it was served from
  });

  it('reports a refused connection', async () => {
    await expect(cache({}, 'http://127.0.0.1:1/jwks').get()).rejects.toBeInstanceOf(UnavailableError);
    expect(events[0]).toMatchObject({ type: 'jwks.failed', reason: expect.stringMatching(/^network error/) });
  });
});

describe('key policy', () => {
  it('ignores unusable keys without discarding the set', async () => {
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    const p384 = await createSigningKey('ES384', 'p384');
    server.keys = [
      { ...es.publicJwk, kid: 'enc', use: 'enc' },
      { ...es.publicJwk, kid: 'private', d: 'AAAA' },
      { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA', kid: 'oct' },
      { ...(weak as JWK), kid: 'weak' },
      { ...p384.publicJwk, kid: 'wrong-curve', alg: 'ES256' },
      'not a key' as unknown as JWK,
      { ...es.publicJwk, kid: 42 as unknown as string },
      es.publicJwk,
    ];
    const set = await cache().get();
    expect(set.keys.map((key) => key.kid)).toEqual(['es']);
    expect(set.ignored).toBe(7);
    expect(events[0]).toMatchObject({ type: 'jwks.fetched', keys: 1, ignored: 7 });
  });

  it('counts RSA modulus bits exactly: a 2047-bit key is ignored, a 2048-bit one kept', async () => {
    const bits = (modulusLength: number, kid: string): JWK => ({
      ...(generateKeyPairSync('rsa', { modulusLength }).publicKey.export({ format: 'jwk' }) as JWK),
      kid,
    });
    // 2047 bits still take 256 bytes, so counting whole bytes would have kept it.
    server.keys = [bits(2047, 'short'), bits(2048, 'full')];
    const set = await cache().get();
    expect(set.keys.map((key) => key.kid)).toEqual(['full']);
    expect(events[0]).toMatchObject({ type: 'jwks.fetched', keys: 1, ignored: 1 });
  });

  it('keeps every key that shares a kid as a candidate', async () => {
    const other = await createSigningKey('ES256', 'es');
    server.keys = [es.publicJwk, other.publicJwk, rs.publicJwk];
    const set = await cache().get();
    expect(set.byKid.get('es')?.map((key) => key.jwk?.x)).toEqual([es.publicJwk.x, other.publicJwk.x]);
  });

  it('refuses a set with more than maxKeys keys (default 100)', async () => {
    server.keys = Array.from({ length: 101 }, (_, i) => ({ ...es.publicJwk, kid: `k${i}` }));
    await expect(cache().get()).rejects.toBeInstanceOf(UnavailableError);
    server.keys = server.keys.slice(0, 3);
    events = [];
    await expect(cache({ maxKeys: 2 }).get()).rejects.toBeInstanceOf(UnavailableError);
    expect(events[0]).toMatchObject({ reason: 'JWK Set has 3 keys, limit 2' });
    await expect(cache({ maxKeys: 3 }).get()).resolves.toMatchObject({ keys: expect.any(Array) });
  });
});

describe('resolveJwksCacheOptions', () => {
  it('applies the documented defaults', () => {
    expect(resolveJwksCacheOptions()).toEqual({
      cacheMaxAgeMs: 600_000,
      minCacheAgeMs: 30_000,
      maxCacheAgeMs: 86_400_000,
      cooldownMs: 5_000,
      timeoutMs: 5_000,
      staleIfErrorMs: 86_400_000,
      refreshAhead: 0.1,
      maxBytes: 524_288,
      maxKeys: 100,
    });
  });

  it.each([
    [{ cacheMaxAge: 'soon' }, /cache\.jwks\.cacheMaxAge/],
    [{ minCacheAge: '2h', maxCacheAge: '1h' }, /minCacheAge/],
    [{ timeout: 0 }, /timeout/],
    [{ refreshAhead: 1 }, /refreshAhead/],
    [{ maxBytes: 0 }, /maxBytes/],
    [{ maxKeys: 1.5 }, /maxKeys/],
  ] as [JwksCacheOptions, RegExp][])('refuses %j', (options, message) => {
    expect(() => resolveJwksCacheOptions(options)).toThrow(ConfigurationError);
    expect(() => resolveJwksCacheOptions(options)).toThrow(message);
  });
});

describe('freshnessLifetime', () => {
  it.each([
    [{ 'cache-control': 'public, max-age=100' }, 100_000],
    [{ 'cache-control': 'max-age=100', age: '30' }, 70_000],
    [{ 'cache-control': 'max-age=100', age: '300' }, 0],
    [{ 'cache-control': 'max-age="60"' }, 60_000],
    [{ 'cache-control': 'MAX-AGE=5, no-cache' }, 0],
    [{ 'cache-control': 'no-store' }, 0],
    [{ 'cache-control': 'max-age=soon' }, undefined],
    [{ 'cache-control': 'max-age=-5' }, undefined],
    [{}, undefined],
  ] as [Record<string, string>, number | undefined][])('%j → %s ms', (headers, expected) => {
    expect(freshnessLifetime(new Headers(headers))).toBe(expected);
  });
});
