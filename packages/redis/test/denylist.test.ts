// createRedisDenylist against the real Redis: the denylist contract shared with core's memory store (what
// is revoked, for how long), in replica and in direct mode; then what is Redis's own: the keys and their TTLs,
// the replica's synchronous answers, snapshots and heartbeats, listeners, options and connections.
import { Redis } from 'ioredis';
import {
  createRedisDenylist,
  type RedisDenylist,
  type RedisDenylistEvent,
  type RedisDenylistOptions,
} from '../src/index.js';
import { describeDenylist } from '../../../test/contracts/denylist.js';
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

describe.each(['replica', 'direct'] as const)('contract, %s mode', (mode) => {
  describeDenylist({ open: (options) => make({ mode, ...options }) });
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

  it('a token without jti is hashed (core revocationId, as in the memory store), synchronously on Node', async () => {
    const denylist = await make();
    const noJti = authResult({ sub: 'hashed' });
    await denylist.revokeToken(noJti);
    expect(denylist.isRevoked(noJti)).toBe(true);
    expect(denylist.isRevoked(authResult({ sub: 'other' }))).toBe(false);
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

  it('a listener that throws during the snapshot sync changes nothing: ready() resolves, the replica is synced', async () => {
    const events: RedisDenylistEvent[] = [];
    const denylist = await make({
      onEvent: (event) => {
        events.push(event);
        throw new Error('listener failure');
      },
    });
    expect(events).toContainEqual(expect.objectContaining({ type: 'denylist.synced' }));
    expect(denylist.status()).toMatchObject({ synced: true });
    await denylist.revoke({ iss: ISS, jti: 'after-sync', exp: nowSeconds() + 60 });
    expect(denylist.isRevoked(authResult({ jti: 'after-sync' }))).toBe(true);
  });

  it('a listener that throws (or rejects) in the heartbeat timer changes nothing: no uncaught exception, the stale replica resyncs', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => void uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    process.on('unhandledRejection', onUncaught);
    try {
      let now = Date.now();
      const events: RedisDenylistEvent[] = [];
      const denylist = await make({
        maxStaleness: '200ms',
        heartbeatInterval: '20ms',
        clock: () => now,
        onEvent: (event) => {
          events.push(event);
          if (event.type === 'denylist.stale') throw new Error('listener failure');
          if (event.type === 'denylist.synced') return Promise.reject(new Error('async listener failure'));
        },
      });
      now += 600_000; // no message for 10 minutes by this clock: the heartbeat timer reports the replica stale
      await until(() => events.some((event) => event.type === 'denylist.stale'), 'the stale event');
      await until(
        () => events.filter((event) => event.type === 'denylist.synced').length >= 2,
        'the resync the heartbeat starts after reporting',
      );
      await until(() => denylist.status().stalenessMs < 200, 'a fresh replica');
      await denylist.revoke({ iss: ISS, jti: 'still-working', exp: Math.floor(now / 1000) + 60 });
      expect(denylist.isRevoked(authResult({ jti: 'still-working', exp: Math.floor(now / 1000) + 60 }))).toBe(
        true,
      );
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      process.off('unhandledRejection', onUncaught);
    }
  });

  it('refuses a heartbeatInterval that is not below maxStaleness', () => {
    expect(() =>
      createRedisDenylist({ redis: REDIS_URL, maxStaleness: '1s', heartbeatInterval: '1s' }),
    ).toThrow(/heartbeatInterval/);
    expect(() => createRedisDenylist({ redis: REDIS_URL, mode: 'fast' as 'direct' })).toThrow(/mode/);
  });
});

describe('options', () => {
  it('an unknown option name is refused at construction, with the closest known name', () => {
    const options = { redis: REDIS_URL, maxStalenes: '1s' } as RedisDenylistOptions;
    expect(() => createRedisDenylist(options)).toThrow(
      'createRedisDenylist(): unknown option "maxStalenes"; did you mean "maxStaleness"?',
    );
    expect(() => createRedisDenylist({ onEvent: 'log' } as unknown as RedisDenylistOptions)).toThrow(
      /onEvent must be a function/,
    );
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
