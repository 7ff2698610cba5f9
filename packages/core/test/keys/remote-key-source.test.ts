import { UnavailableError } from '../../src/errors.js';
import type { KeySource } from '../../src/keys/key-source.js';
import { createRefetchBudget, type RefetchBudget } from '../../src/keys/refetch-budget.js';
import { createRemoteKeySource } from '../../src/keys/remote-key-source.js';
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
  now = START;
  events = [];
  server.reset([es.publicJwk, rs.publicJwk]);
});

function source(
  cache: JwksCacheOptions = {},
  budget: RefetchBudget = createRefetchBudget(60, clock),
): KeySource {
  return createRemoteKeySource({
    issuer: server.issuer,
    jwksUri: server.jwksUri,
    fetch,
    clock,
    cache,
    budget,
    onEvent: (event) => events.push(event),
  });
}

const kids = (keys: readonly { kid: string | undefined }[]): (string | undefined)[] =>
  keys.map((key) => key.kid);

describe('candidates', () => {
  it('selects by kid and by what the key supports', async () => {
    const keys = source();
    expect(kids(await keys.getKeys({ alg: 'ES256', kid: 'es' }))).toEqual(['es']);
    expect(await keys.getKeys({ alg: 'RS256', kid: 'es' })).toEqual([]);
    expect(await keys.getKeys({ alg: 'HS256', kid: 'rs' })).toEqual([]);
  });

  it('offers every key that supports alg when the token names no kid', async () => {
    const other = await createSigningKey('ES256', 'es-2');
    server.keys.push(other.publicJwk);
    expect(kids(await source().getKeys({ alg: 'ES256' }))).toEqual(['es', 'es-2']);
  });

  it('answers without a promise once a fresh set holds the kid; waits only for a cold cache or an unknown kid', async () => {
    const keys = source();
    const cold = keys.getKeys({ alg: 'ES256', kid: 'es' });
    expect(cold).toBeInstanceOf(Promise);
    await cold;
    const warm = keys.getKeys({ alg: 'ES256', kid: 'es' });
    expect(Array.isArray(warm) && kids(warm)).toEqual(['es']);
    expect(keys.getKeys({ alg: 'ES256', kid: 'unknown' })).toBeInstanceOf(Promise);
    // Past the set's lifetime the answer waits for the refetch again.
    now += 11 * 60_000;
    const expired = keys.getKeys({ alg: 'ES256', kid: 'es' });
    expect(expired).toBeInstanceOf(Promise);
    expect(kids(await expired)).toEqual(['es']);
    expect(server.jwksFetches()).toBe(2);
  });

  it('finds nothing for a kid of "__proto__"', async () => {
    expect(await source({ cooldown: 0 }).getKeys({ alg: 'ES256', kid: '__proto__' })).toEqual([]);
  });
});

describe('unknown kid', () => {
  it('picks up a newly published key with exactly one refetch once the cooldown has passed', async () => {
    const keys = source();
    await keys.getKeys({ alg: 'ES256', kid: 'es' });
    const next = await createSigningKey('ES256', 'next');
    server.keys = [es.publicJwk, next.publicJwk];
    now += 5_000;
    expect(kids(await keys.getKeys({ alg: 'ES256', kid: 'next' }))).toEqual(['next']);
    expect(server.jwksFetches()).toBe(2);
    expect(kids(await keys.getKeys({ alg: 'ES256', kid: 'es' }))).toEqual(['es']);
    expect(server.jwksFetches()).toBe(2);
  });

  it('does not refetch within the cooldown (default 5 s since the last fetch)', async () => {
    const keys = source();
    await keys.getKeys({ alg: 'ES256', kid: 'es' });
    now += 4_999;
    expect(await keys.getKeys({ alg: 'ES256', kid: 'unknown' })).toEqual([]);
    expect(server.jwksFetches()).toBe(1);
    now += 1;
    await keys.getKeys({ alg: 'ES256', kid: 'unknown' });
    expect(server.jwksFetches()).toBe(2);
    // The refetch itself starts a new cooldown.
    now += 1_000;
    await keys.getKeys({ alg: 'ES256', kid: 'unknown' });
    expect(server.jwksFetches()).toBe(2);
  });

  it('honours the cooldown option', async () => {
    const keys = source({ cooldown: '30s' });
    await keys.getKeys({ alg: 'ES256', kid: 'es' });
    now += 29_000;
    await keys.getKeys({ alg: 'ES256', kid: 'unknown' });
    expect(server.jwksFetches()).toBe(1);
    now += 1_000;
    await keys.getKeys({ alg: 'ES256', kid: 'unknown' });
    expect(server.jwksFetches()).toBe(2);
  });

  it('asks the global budget after the cooldown, and refetches nothing when it is spent', async () => {
    let asked = 0;
    const keys = source({}, { tryTake: () => (asked++, false) });
    await keys.getKeys({ alg: 'ES256', kid: 'es' });
    now += 60_000;
    expect(await keys.getKeys({ alg: 'ES256', kid: 'unknown' })).toEqual([]);
    expect(asked).toBe(1);
    expect(server.jwksFetches()).toBe(1);
  });

  it('shares one budget across issuers', async () => {
    const budget = createRefetchBudget(1, clock);
    const a = source({}, budget);
    const b = source({}, budget);
    await Promise.all([a.getKeys({ alg: 'ES256', kid: 'es' }), b.getKeys({ alg: 'ES256', kid: 'es' })]);
    now += 10_000;
    await a.getKeys({ alg: 'ES256', kid: 'unknown' });
    await b.getKeys({ alg: 'ES256', kid: 'unknown' });
    expect(server.jwksFetches()).toBe(3);
  });

  it('joins a background refresh already in flight instead of waiting out the cooldown', async () => {
    server.cacheControl = 'max-age=100';
    const keys = source({ refreshAhead: 0.2 });
    await keys.getKeys({ alg: 'ES256', kid: 'es' });
    const next = await createSigningKey('ES256', 'next');
    server.keys = [es.publicJwk, next.publicJwk];
    now += 81_000;
    const [known, rotated] = await Promise.all([
      keys.getKeys({ alg: 'ES256', kid: 'es' }), // starts the background refresh
      keys.getKeys({ alg: 'ES256', kid: 'next' }),
    ]);
    expect(kids(known)).toEqual(['es']);
    expect(kids(rotated)).toEqual(['next']);
    expect(server.jwksFetches()).toBe(2);
  });

  it('costs at most one fetch for 1,000 concurrent unknown kids', async () => {
    const keys = source();
    await keys.getKeys({ alg: 'ES256', kid: 'es' });
    now += 10_000;
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => keys.getKeys({ alg: 'ES256', kid: `forged-${i}` })),
    );
    expect(answers.every((answer) => answer.length === 0)).toBe(true);
    expect(server.jwksFetches()).toBe(2);
  });

  it('answers from the cached set when the refetch fails', async () => {
    const keys = source();
    await keys.getKeys({ alg: 'ES256', kid: 'es' });
    server.mode = 'error';
    now += 10_000;
    expect(await keys.getKeys({ alg: 'ES256', kid: 'unknown' })).toEqual([]);
    expect(kids(await keys.getKeys({ alg: 'ES256', kid: 'es' }))).toEqual(['es']);
    expect(events.map((event) => event.type)).toEqual(['jwks.fetched', 'jwks.failed']);
  });
});

describe('availability', () => {
  it('rejects with UnavailableError (503, Retry-After) when nothing is cached and the endpoint is down', async () => {
    const error = await server.whileDown(() =>
      Promise.resolve(source({ cooldown: 5 }).getKeys({ alg: 'ES256', kid: 'es' })).catch(
        (caught: unknown) => caught,
      ),
    );
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ status: 503, headers: { 'Retry-After': '5' } });
  });

  it('rejects within the fetch timeout when the endpoint hangs', async () => {
    server.mode = 'hang';
    await expect(source({ timeout: '250ms' }).getKeys({ alg: 'ES256', kid: 'es' })).rejects.toBeInstanceOf(
      UnavailableError,
    );
    expect(events).toEqual([{ type: 'jwks.failed', uri: server.jwksUri, reason: 'timed out after 250 ms' }]);
  });

  it('warmUp fetches eagerly, and rejects when the keys cannot be had', async () => {
    const keys = source();
    await keys.warmUp();
    expect(server.jwksFetches()).toBe(1);
    await keys.getKeys({ alg: 'ES256', kid: 'es' });
    expect(server.jwksFetches()).toBe(1);
    server.mode = 'error';
    await expect(source().warmUp()).rejects.toBeInstanceOf(UnavailableError);
  });
});
