// Behaviour of createRedisDenylist against the real Redis: what is revoked, for how long, under which keys.
import { Redis } from 'ioredis';
import {
  createRedisDenylist,
  type RedisDenylist,
  type RedisDenylistEvent,
  type RedisDenylistOptions,
} from '../src/index.js';
import { ISS, REDIS_URL, authResult, dropPrefix, nowSeconds, randomPrefix, until } from './support.js';

let admin: Redis;
const prefixes: string[] = [];
const open: RedisDenylist[] = [];

beforeAll(() => {
  admin = new Redis(REDIS_URL);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((denylist) => denylist.close()));
});
afterAll(async () => {
  for (const prefix of prefixes) await dropPrefix(admin, prefix);
  await admin.quit();
});

async function make(options: RedisDenylistOptions = {}): Promise<RedisDenylist> {
  const prefix = options.prefix ?? randomPrefix();
  prefixes.push(prefix);
  const denylist = createRedisDenylist({ redis: REDIS_URL, ...options, prefix });
  open.push(denylist);
  await denylist.ready();
  return denylist;
}

describe.each(['replica', 'direct'] as const)('%s mode', (mode) => {
  it('revokes by jti for its issuer only', async () => {
    const denylist = await make({ mode });
    await denylist.revoke({ iss: ISS, jti: 'a', exp: nowSeconds() + 60 });
    expect(await denylist.isRevoked(authResult({ jti: 'a' }))).toBe(true);
    expect(await denylist.isRevoked(authResult({ jti: 'b' }))).toBe(false);
    expect(await denylist.isRevoked(authResult({ jti: 'a', iss: 'https://other.test/' }))).toBe(false);
  });

  it('revokes a jti for every issuer when revoke() has no iss', async () => {
    const denylist = await make({ mode });
    await denylist.revoke({ jti: 'everywhere', exp: nowSeconds() + 60 });
    expect(await denylist.isRevoked(authResult({ jti: 'everywhere' }))).toBe(true);
    expect(await denylist.isRevoked(authResult({ jti: 'everywhere', iss: 'https://other.test/' }))).toBe(
      true,
    );
  });

  it('revokeToken: by jti, by signing-input hash without jti, from a string or an AuthResult', async () => {
    const denylist = await make({ mode });
    const withJti = authResult({ jti: 'j1' });
    await denylist.revokeToken(withJti.token);
    expect(await denylist.isRevoked(authResult({ jti: 'j1' }, 'b3RoZXI'))).toBe(true); // same jti, any signature

    const noJti = authResult({ sub: 'alice' });
    await denylist.revokeToken(noJti);
    expect(await denylist.isRevoked(noJti)).toBe(true);
    // The hash covers header.payload: the same claims re-signed are still refused, other claims are not.
    expect(
      await denylist.isRevoked({
        ...noJti,
        token: `${noJti.token.slice(0, noJti.token.lastIndexOf('.'))}.eHl6`,
      }),
    ).toBe(true);
    expect(await denylist.isRevoked(authResult({ sub: 'alice', exp: nowSeconds() + 601 }))).toBe(false);
    await expect(denylist.revokeToken('not-a-jwt')).rejects.toThrow(TypeError);
  });

  it('revokeSubject refuses tokens issued strictly before the cutoff, not at or after it', async () => {
    const denylist = await make({ mode });
    const before = nowSeconds() - 10;
    await denylist.revokeSubject({ iss: ISS, sub: 'alice', before });
    expect(await denylist.isRevoked(authResult({ sub: 'alice', iat: before - 1 }))).toBe(true);
    expect(await denylist.isRevoked(authResult({ sub: 'alice', iat: before }))).toBe(false);
    expect(await denylist.isRevoked(authResult({ sub: 'alice', iat: before + 1 }))).toBe(false);
    expect(await denylist.isRevoked(authResult({ sub: 'alice', iat: undefined }))).toBe(true); // no iat: cannot prove newer
    expect(await denylist.isRevoked(authResult({ sub: 'bob', iat: before - 1 }))).toBe(false);
    expect(
      await denylist.isRevoked(authResult({ sub: 'alice', iat: before - 1, iss: 'https://other.test/' })),
    ).toBe(false);
  });

  it('a later revokeSubject with an earlier cutoff never weakens the stored one', async () => {
    const denylist = await make({ mode });
    const before = nowSeconds();
    await denylist.revokeSubject({ iss: ISS, sub: 'alice', before });
    await denylist.revokeSubject({ iss: ISS, sub: 'alice', before: before - 100 });
    expect(await denylist.isRevoked(authResult({ sub: 'alice', iat: before - 50 }))).toBe(true);
  });

  it('revokeSubject defaults the cutoff to now (fractional): a token of this same second is refused', async () => {
    const at = Date.now() + 500; // mid-second
    const denylist = await make({ mode, clock: () => at });
    await denylist.revokeSubject({ iss: ISS, sub: 'carol' });
    expect(await denylist.isRevoked(authResult({ sub: 'carol', iat: Math.floor(at / 1000) }))).toBe(true);
    expect(await denylist.isRevoked(authResult({ sub: 'carol', iat: Math.ceil(at / 1000) }))).toBe(false);
  });
});

/** Key expiry is set relative to "now" (PEXPIRE), so it lands within the test's own run time of the target. */
function expectExpiry(actualMs: number, expectedMs: number): void {
  expect(actualMs).toBeGreaterThan(expectedMs - 5000);
  expect(actualMs).toBeLessThan(expectedMs + 5000);
}

describe('storage', () => {
  it('keeps every key under the prefix, per issuer with a shared hash tag, and expires entries at exp + clockTolerance', async () => {
    const prefix = randomPrefix();
    const denylist = await make({ prefix, clockTolerance: 30 });
    const exp = nowSeconds() + 60;
    await denylist.revoke({ iss: 'https://a{b}/', jti: 'x', exp });
    const key = `${prefix}{${encodeURIComponent('https://a{b}/')}}:t`;
    expect(await admin.zscore(key, 'jti:x')).toBe(String(exp * 1000 + 30_000));
    expectExpiry(await admin.pexpiretime(key), exp * 1000 + 30_000);
    const [, found] = await admin.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 1000);
    expect(found.sort()).toEqual([`${prefix}issuers`, key].sort());
  });

  it('keeps a subject cutoff for maxTokenLifetime (+ tolerance) after the cutoff', async () => {
    const prefix = randomPrefix();
    const denylist = await make({ prefix, maxTokenLifetime: '1h', clockTolerance: 0 });
    const before = nowSeconds();
    await denylist.revokeSubject({ iss: ISS, sub: 'alice', before });
    expectExpiry(
      await admin.pexpiretime(`${prefix}{${encodeURIComponent(ISS)}}:s`),
      before * 1000 + 3_600_000,
    );
    // ...and the replica stops applying it at the same instant.
    const late = await make({
      prefix,
      maxTokenLifetime: '1h',
      clockTolerance: 0,
      clock: () => before * 1000 + 3_600_001,
    });
    expect(await late.isRevoked(authResult({ sub: 'alice', iat: before - 1 }))).toBe(false);
  });

  it("sets TTLs relative to this instance's clock: one behind the Redis server keeps its entries", async () => {
    const prefix = randomPrefix();
    const behind = () => Date.now() - 3_600_000; // this instance's clock is an hour behind Redis's
    const denylist = await make({ prefix, mode: 'direct', clockTolerance: 0, clock: behind });
    const exp = Math.floor(behind() / 1000) + 60; // valid for another minute by this instance's clock
    await denylist.revoke({ iss: ISS, jti: 'skewed', exp });
    await denylist.revokeSubject({ iss: ISS, sub: 'skewed', before: behind() / 1000 });
    for (const suffix of [':t', ':s']) {
      const ttl = await admin.pttl(`${prefix}{${encodeURIComponent(ISS)}}${suffix}`);
      expect(ttl).toBeGreaterThan(50_000); // with an absolute PEXPIREAT the key would already be gone
    }
    expect(await admin.pttl(`${prefix}issuers`)).toBeGreaterThan(50_000);
    expect(await denylist.isRevoked(authResult({ jti: 'skewed' }))).toBe(true);
  });

  it('does not store a revocation whose token has already expired', async () => {
    const prefix = randomPrefix();
    const denylist = await make({ prefix, clockTolerance: 0 });
    await denylist.revoke({ iss: ISS, jti: 'old', exp: nowSeconds() - 1 });
    expect(await admin.exists(`${prefix}{${encodeURIComponent(ISS)}}:t`)).toBe(0);
  });

  it('entries vanish from Redis when the token expires (real TTL)', async () => {
    const prefix = randomPrefix();
    const denylist = await make({ prefix, clockTolerance: 0, mode: 'direct' });
    const exp = (Date.now() + 600) / 1000;
    await denylist.revoke({ iss: ISS, jti: 'short', exp });
    const key = `${prefix}{${encodeURIComponent(ISS)}}:t`;
    expect(await denylist.isRevoked(authResult({ jti: 'short' }))).toBe(true);
    await until(async () => (await admin.exists(key)) === 0, 'the key to expire', 1500);
    expect(await denylist.isRevoked(authResult({ jti: 'short' }))).toBe(false);
  });

  it('the replica applies expiry with the injected clock, without waiting', async () => {
    let now = Date.now();
    const denylist = await make({ clockTolerance: 5, clock: () => now });
    const exp = Math.floor(now / 1000) + 60;
    await denylist.revoke({ iss: ISS, jti: 'soon', exp });
    expect(denylist.isRevoked(authResult({ jti: 'soon' }))).toBe(true);
    now = exp * 1000 + 4_999;
    expect(denylist.isRevoked(authResult({ jti: 'soon' }))).toBe(true);
    now = exp * 1000 + 5_000;
    expect(await denylist.isRevoked(authResult({ jti: 'soon' }))).toBe(false);
  });
});

describe('replica mode', () => {
  it('answers synchronously (a boolean, not a Promise) once synced', async () => {
    const denylist = await make();
    await denylist.revoke({ iss: ISS, jti: 'sync', exp: nowSeconds() + 60 });
    expect(denylist.isRevoked(authResult({ jti: 'sync' }))).toBe(true);
    expect(denylist.isRevoked(authResult({ jti: 'other' }))).toBe(false);
    expect(denylist.status()).toMatchObject({ mode: 'replica', synced: true });
  });

  it('loads revocations made before it started (snapshot) and reports it through onEvent', async () => {
    const prefix = randomPrefix();
    const writer = await make({ prefix, mode: 'direct' });
    await writer.revoke({ iss: ISS, jti: 'early', exp: nowSeconds() + 60 });
    await writer.revokeSubject({ iss: ISS, sub: 'dave', before: nowSeconds() });
    const events: RedisDenylistEvent[] = [];
    const reader = await make({ prefix, onEvent: (event) => events.push(event) });
    expect(reader.isRevoked(authResult({ jti: 'early' }))).toBe(true);
    expect(reader.isRevoked(authResult({ sub: 'dave', iat: nowSeconds() - 5 }))).toBe(true);
    expect(events).toContainEqual(expect.objectContaining({ type: 'denylist.synced', loaded: 2 }));
  });

  it('loads a snapshot larger than one page (ZSCAN pages), every entry included', async () => {
    const prefix = randomPrefix();
    prefixes.push(prefix);
    const count = 12_000; // more than two pages
    const expiresAt = Date.now() + 600_000;
    const key = `${prefix}{${encodeURIComponent(ISS)}}:t`;
    const members = Array.from({ length: count }, (_, i) => `jti:bulk-${i}`);
    await admin.zadd(key, ...members.flatMap((member) => [expiresAt, member]));
    await admin.zadd(`${prefix}issuers`, expiresAt, ISS);
    await admin.pexpire(key, 600_000);
    await admin.pexpire(`${prefix}issuers`, 600_000);
    const events: RedisDenylistEvent[] = [];
    const reader = await make({ prefix, onEvent: (event) => events.push(event) });
    expect(events).toContainEqual(expect.objectContaining({ type: 'denylist.synced', loaded: count }));
    expect(reader.status().entries).toBe(count);
    for (const i of [0, 4999, 5000, 11_999])
      expect(reader.isRevoked(authResult({ jti: `bulk-${i}` }))).toBe(true);
  });

  it('publishes a heartbeat every heartbeatInterval, which keeps replicas fresh', async () => {
    const prefix = randomPrefix();
    const listener = new Redis(REDIS_URL);
    let heartbeats = 0;
    listener.on('message', (_channel: string, message: string) => {
      if (message === '{"k":"h"}') heartbeats++;
    });
    await listener.subscribe(`${prefix}revocations`);
    const denylist = await make({ prefix, maxStaleness: '2s', heartbeatInterval: '50ms' });
    await until(() => heartbeats >= 4, 'four heartbeats', 1000);
    expect(denylist.status().stalenessMs).toBeLessThan(2000);
    await listener.quit();
  });

  it('past maxStaleness without a message, it asks Redis (a Promise) instead of trusting the replica', async () => {
    let now = Date.now();
    // heartbeats so rare they never arrive during the test: only the injected clock makes it stale
    const denylist = await make({ maxStaleness: '1h', heartbeatInterval: '30m', clock: () => now });
    expect(denylist.isRevoked(authResult({ jti: 'n' }))).toBe(false);
    now += 3_600_001;
    const answer = denylist.isRevoked(authResult({ jti: 'n', exp: Math.floor(now / 1000) + 60 }));
    expect(answer).toBeInstanceOf(Promise);
    expect(await answer).toBe(false);
  });

  it('refuses a heartbeatInterval that is not below maxStaleness', () => {
    expect(() =>
      createRedisDenylist({ redis: REDIS_URL, maxStaleness: '1s', heartbeatInterval: '1s' }),
    ).toThrow(/heartbeatInterval/);
    expect(() => createRedisDenylist({ redis: REDIS_URL, mode: 'fast' as 'direct' })).toThrow(/mode/);
  });
});

describe('connections', () => {
  it('uses a client passed in and leaves it open on close()', async () => {
    const client = new Redis(REDIS_URL);
    const prefix = randomPrefix();
    prefixes.push(prefix);
    const denylist = createRedisDenylist({ redis: client, prefix });
    await denylist.ready();
    await denylist.revoke({ iss: ISS, jti: 'mine', exp: nowSeconds() + 60 });
    await denylist.close();
    expect(client.status).toBe('ready');
    expect(await client.zscore(`${prefix}{${encodeURIComponent(ISS)}}:t`, 'jti:mine')).not.toBeNull();
    await client.quit();
  });

  it('accepts ioredis options', async () => {
    const denylist = await make({ redis: { host: '127.0.0.1', port: 6379 }, mode: 'direct' });
    await denylist.revoke({ iss: ISS, jti: 'opts', exp: nowSeconds() + 60 });
    expect(await denylist.isRevoked(authResult({ jti: 'opts' }))).toBe(true);
  });
});
