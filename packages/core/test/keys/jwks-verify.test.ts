// End to end through createVerifier with keys from a real JWKS endpoint: the algorithm matrix, rotation,
// outages with a warm and a cold cache, and a storm of forged kids.
import { createVerifier } from '../../src/verifier.js';
import { UnavailableError } from '../../src/errors.js';
import type { JwtGuardEvent, Verifier, VerifierOptions } from '../../src/types.js';
import {
  createSigningKey,
  startJwksServer,
  type JwksServer,
  type SigningKey,
} from '../support/jwks-server.js';

const AUDIENCE = 'https://api.jwks.test';
const START = 1_800_000_000_000;
let now = START;
const clock = (): number => now;
let server: JwksServer;
let events: JwtGuardEvent[];

beforeAll(async () => {
  server = await startJwksServer();
});
afterAll(() => server.close());
beforeEach(() => {
  now = START;
  events = [];
  server.reset();
});

function verifier(options: Partial<VerifierOptions> = {}): Verifier {
  return createVerifier({
    issuer: server.issuer,
    audience: AUDIENCE,
    jwksUri: server.jwksUri,
    clock,
    onEvent: (event) => events.push(event),
    ...options,
  });
}

function sign(key: SigningKey, header: Record<string, unknown> = {}): Promise<string> {
  const iat = Math.floor(now / 1000);
  return key.sign({ iss: server.issuer, aud: AUDIENCE, sub: 'user-1', iat, exp: iat + 600 }, header);
}

describe('algorithm matrix over a JWKS', () => {
  const algs = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA'] as const;
  let keys: SigningKey[];
  beforeAll(async () => {
    keys = await Promise.all(algs.map((alg) => createSigningKey(alg, `matrix-${alg}`)));
  });

  it.each(algs)('verifies %s with one JWKS fetch shared by all algorithms', async (alg) => {
    server.keys = keys.map((key) => key.publicJwk);
    const guard = verifier();
    const key = keys.find((candidate) => candidate.alg === alg) as SigningKey;
    for (const other of keys) await guard.verify(await sign(other));
    await expect(guard.verify(await sign(key))).resolves.toMatchObject({ header: { alg, kid: key.kid } });
    expect(server.jwksFetches()).toBe(1);
  });

  it.each(algs)('refuses %s signed by a foreign key that reuses a published kid', async (alg) => {
    server.keys = keys.map((key) => key.publicJwk);
    const foreign = await createSigningKey(alg, `matrix-${alg}`);
    await expect(verifier().verify(await sign(foreign))).rejects.toMatchObject({
      status: 401,
      code: 'ERR_JWS_SIGNATURE_INVALID',
    });
    expect(server.jwksFetches()).toBe(1);
  });
});

describe('rotation', () => {
  let old: SigningKey;
  let next: SigningKey;
  beforeAll(async () => {
    [old, next] = await Promise.all([createSigningKey('ES256', 'old'), createSigningKey('RS256', 'next')]);
  });

  it('verifies a token from a newly published key with exactly one refetch, and old keys keep working', async () => {
    server.keys = [old.publicJwk];
    const guard = verifier();
    await guard.verify(await sign(old));
    server.keys = [next.publicJwk, old.publicJwk];
    now += 5_000;
    await expect(guard.verify(await sign(next))).resolves.toMatchObject({ header: { kid: 'next' } });
    expect(server.jwksFetches()).toBe(2);
    await expect(guard.verify(await sign(old))).resolves.toMatchObject({ header: { kid: 'old' } });
    await expect(guard.verify(await sign(next))).resolves.toBeDefined();
    expect(server.jwksFetches()).toBe(2);
  });

  it('stops accepting a key once it is withdrawn and the cache has refreshed', async () => {
    server.keys = [next.publicJwk, old.publicJwk];
    const guard = verifier({ cache: { jwks: { cacheMaxAge: 60, refreshAhead: 0 } } });
    await guard.verify(await sign(old));
    server.keys = [next.publicJwk];
    now += 61_000;
    await expect(guard.verify(await sign(old))).rejects.toMatchObject({
      status: 401,
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
  });

  it('does not refetch for a new kid within the cooldown', async () => {
    server.keys = [old.publicJwk];
    const guard = verifier();
    await guard.verify(await sign(old));
    server.keys = [next.publicJwk, old.publicJwk];
    now += 4_000;
    await expect(guard.verify(await sign(next))).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    expect(server.jwksFetches()).toBe(1);
  });
});

describe('outages', () => {
  let key: SigningKey;
  beforeAll(async () => {
    key = await createSigningKey('ES256', 'outage');
  });

  it('keeps verifying from a warm cache while the endpoint is down, and says so', async () => {
    server.keys = [key.publicJwk];
    const guard = verifier({ cache: { jwks: { cacheMaxAge: 60, refreshAhead: 0 } } });
    await guard.verify(await sign(key));
    await server.whileDown(async () => {
      now += 3_600_000;
      await expect(guard.verify(await sign(key))).resolves.toBeDefined();
      await expect(guard.verify(await sign(key))).resolves.toBeDefined();
    });
    expect(events.map((event) => event.type).filter((type) => type.startsWith('jwks.'))).toEqual([
      'jwks.fetched',
      'jwks.failed',
      'jwks.stale',
    ]);
  });

  it('answers 503 with Retry-After on a cold cache when the endpoint is down', async () => {
    server.keys = [key.publicJwk];
    const token = await sign(key);
    const error = await server.whileDown(() =>
      verifier()
        .verify(token)
        .catch((caught: unknown) => caught),
    );
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ status: 503, headers: { 'Retry-After': '5' } });
  });

  it('answers 503 within the fetch timeout when the endpoint hangs', async () => {
    server.mode = 'hang';
    const guard = verifier({ cache: { jwks: { timeout: '300ms' } } });
    await expect(guard.verify(await sign(key))).rejects.toMatchObject({ status: 503 });
    expect(events).toContainEqual({
      type: 'jwks.failed',
      uri: server.jwksUri,
      reason: 'timed out after 300 ms',
    });
  });

  it('answers 503 on a cold cache when discovery fails', async () => {
    server.mode = 'error';
    const guard = verifier({ jwksUri: undefined });
    await expect(guard.verify(await sign(key))).rejects.toMatchObject({ status: 503 });
  });
});

describe('forged kid storm', () => {
  it('1,000 concurrent verifications of unknown kids cost at most one fetch', async () => {
    const published = await createSigningKey('ES256', 'published');
    server.keys = [published.publicJwk];
    const guard = verifier();
    await guard.verify(await sign(published));
    now += 60_000;
    const forger = await createSigningKey('ES256', 'forger');
    const tokens = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => sign(forger, { kid: `forged-${i}` })),
    );
    const results = await Promise.allSettled(tokens.map((token) => guard.verify(token)));
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
    expect(new Set(results.map((result) => (result as PromiseRejectedResult).reason.code as string))).toEqual(
      new Set(['ERR_JWKS_NO_MATCHING_KEY']),
    );
    expect(server.jwksFetches()).toBe(2);
  });
});

describe('discovery and warm-up', () => {
  it('finds the JWKS from the issuer alone and warms up before the first request', async () => {
    const key = await createSigningKey('ES256', 'discovered');
    server.keys = [key.publicJwk];
    const guard = verifier({ jwksUri: undefined });
    await guard.warmUp();
    expect(server.hits.get('/.well-known/openid-configuration')).toBe(1);
    expect(server.jwksFetches()).toBe(1);
    await expect(guard.verify(await sign(key))).resolves.toMatchObject({ issuer: server.issuer });
    expect(server.jwksFetches()).toBe(1);
  });
});

describe('jwksUri and fetch options', () => {
  it('jwksUri: the configured URL is fetched and the metadata never asked for', async () => {
    const key = await createSigningKey('ES256', 'configured');
    server.keys = [key.publicJwk];
    const guard = verifier();
    await expect(guard.verify(await sign(key))).resolves.toBeDefined();
    expect([...server.hits.keys()]).toEqual(['/jwks']);
  });

  it('algorithms: narrows what a JWKS key may verify', async () => {
    const [es, rs] = await Promise.all([
      createSigningKey('ES256', 'narrow-es'),
      createSigningKey('RS256', 'narrow-rs'),
    ]);
    server.keys = [es.publicJwk, rs.publicJwk];
    const guard = verifier({ algorithms: ['ES256'] });
    await expect(guard.verify(await sign(es))).resolves.toBeDefined();
    await expect(guard.verify(await sign(rs))).rejects.toMatchObject({ code: 'ERR_JOSE_ALG_NOT_ALLOWED' });
  });

  it('cache.jwks.refetchBudgetPerMinute: 0 stops unknown kids from causing any refetch', async () => {
    const [known, rotated] = await Promise.all([
      createSigningKey('ES256', 'budget-known'),
      createSigningKey('ES256', 'budget-new'),
    ]);
    server.keys = [known.publicJwk];
    const guard = verifier({ cache: { jwks: { refetchBudgetPerMinute: 0 } } });
    await guard.verify(await sign(known));
    server.keys = [known.publicJwk, rotated.publicJwk];
    now += 60_000;
    await expect(guard.verify(await sign(rotated))).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
    expect(server.jwksFetches()).toBe(1);
  });

  it('fetch: every request for keys goes through the injected fetch', async () => {
    const key = await createSigningKey('ES256', 'injected');
    server.keys = [key.publicJwk];
    const seen: string[] = [];
    // A pass-through (as a proxy-aware fetch would be): the real endpoint still answers.
    const injected: typeof fetch = (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    const guard = verifier({ jwksUri: undefined, fetch: injected });
    await expect(guard.verify(await sign(key))).resolves.toBeDefined();
    expect(seen).toEqual([`${server.issuer}/.well-known/openid-configuration`, server.jwksUri]);
  });
});

describe('several issuers, each with its own JWKS', () => {
  let tenantB: JwksServer;
  let a: SigningKey;
  let b: SigningKey;
  beforeAll(async () => {
    tenantB = await startJwksServer({ issuerPath: '/tenant-b' });
    [a, b] = await Promise.all([
      createSigningKey('ES256', 'shared-kid'),
      createSigningKey('ES256', 'shared-kid'),
    ]);
  });
  afterAll(() => tenantB.close());

  function multi(): Verifier {
    // A by its jwksUri, B through discovery: one verifier, keys looked up by (issuer, kid).
    return createVerifier({
      issuer: [{ issuer: server.issuer, jwksUri: server.jwksUri }, { issuer: tenantB.issuer }],
      audience: AUDIENCE,
      clock,
    });
  }

  const fetchesOf = (target: JwksServer): number =>
    [...target.hits.values()].reduce((sum, count) => sum + count, 0);

  it('matches iss against the allow-list before any network call, then asks only that issuer', async () => {
    server.keys = [a.publicJwk];
    tenantB.keys = [b.publicJwk];
    tenantB.hits.clear();
    const guard = multi();
    const iat = Math.floor(now / 1000);
    const forB = (iss: string) => b.sign({ iss, aud: AUDIENCE, sub: 'user-b', iat, exp: iat + 600 });

    // An issuer that is not configured: refused, and neither endpoint sees a request.
    await expect(guard.verify(await forB('https://tenant-c.test/'))).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_INVALID',
      claim: 'iss',
    });
    expect(fetchesOf(server) + fetchesOf(tenantB)).toBe(0);

    // Tenant B's token: B's metadata and JWKS are fetched, A's endpoint is not touched.
    await expect(guard.verify(await forB(tenantB.issuer))).resolves.toMatchObject({ issuer: tenantB.issuer });
    expect(fetchesOf(server)).toBe(0);
    expect(tenantB.jwksFetches()).toBe(1);

    // Same kid in both tenants: B's key cannot vouch for a token claiming A.
    await expect(guard.verify(await forB(server.issuer))).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_INVALID',
    });
    expect(server.jwksFetches()).toBe(1);
    await expect(guard.verify(await sign(a))).resolves.toMatchObject({ issuer: server.issuer });
    expect(tenantB.jwksFetches()).toBe(1);
  });
});
