// createRedisRefreshTokenStore against the real Redis: the refresh-token store contract shared with the
// issuer's memory store (rotation, reuse detection, lifetimes on an injected clock, grace period,
// revocation), then what is Redis's own: the concurrent-refresh race across separate connections, hash-only
// storage and TTLs on every key, and the options.
import { createIssuer, type IssuerOptions } from '@jwtguard/issuer';
import { Redis } from 'ioredis';
import {
  AUD,
  DAY,
  describeRefreshTokenStore,
  issuerFixture,
  login,
} from '../../../test/contracts/refresh-token-store.js';
import {
  createRedisRefreshTokenStore,
  type RedisRefreshTokenStore,
  type RedisRefreshTokenStoreOptions,
} from '../src/issuer-stores.js';
import { REDIS_URL, ScratchRedis, redisScratch } from './support.js';

const scratch = redisScratch();
const { newPrefix, closeLater } = scratch;

function store(prefix: string): RedisRefreshTokenStore {
  const made = createRedisRefreshTokenStore({ redis: REDIS_URL, prefix });
  closeLater(() => made.close());
  return made;
}

/** An issuer on an injected clock with a Redis store under a fresh prefix. */
function fixture(extra: Partial<IssuerOptions> = {}) {
  const prefix = newPrefix();
  return { prefix, ...issuerFixture(() => store(prefix), extra) };
}

/** Every key under the prefix with its type, TTL and contents as text. */
async function dump(prefix: string): Promise<Array<{ key: string; ttl: number; text: string }>> {
  const [, keys] = await scratch.admin.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 10_000);
  return Promise.all(
    keys.map(async (key) => {
      const type = await scratch.admin.type(key);
      const value =
        type === 'hash'
          ? await scratch.admin.hgetall(key)
          : type === 'zset'
            ? await scratch.admin.zrange(key, '0', '-1', 'WITHSCORES')
            : await scratch.admin.get(key);
      return { key, ttl: await scratch.admin.pttl(key), text: `${key} ${JSON.stringify(value)}` };
    }),
  );
}

describeRefreshTokenStore(() => store(newPrefix()));

describe('Redis specifics', () => {
  test('only hashes are stored, and every key has a TTL within the absolute lifetime', async () => {
    const { prefix, issuer } = fixture({ refreshTokenAbsoluteLifetime: '30d' });
    const first = await login(issuer);
    const second = await issuer.refresh(first.refreshToken!, { clientId: 'web' });
    const keys = await dump(prefix);
    expect(keys.map(({ key }) => key.slice(prefix.length)).sort()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^refresh:\{[^}]+\}:family$/),
        expect.stringMatching(/^refresh:\{[^}]+\}:tokens$/),
        expect.stringMatching(/^refresh:\{[^}]+\}:access$/),
        'refresh:subject:alice',
      ]),
    );
    for (const { key, ttl, text } of keys) {
      expect(text).not.toContain(first.refreshToken);
      expect(text).not.toContain(second.refreshToken);
      // Expiry follows the absolute lifetime (relative to the store's clock), so nothing stays for good.
      expect([key, ttl > 0 && ttl <= 30 * DAY]).toEqual([key, true]);
    }
  });

  test('20 concurrent refreshes with one token through 4 connections: exactly one succeeds', async () => {
    const { prefix, issuer, options } = fixture({ reuseGracePeriod: '1m' });
    // Four issuer instances sharing the store (separate connections), as behind a load balancer.
    const instances = [
      issuer,
      ...Array.from({ length: 3 }, () => createIssuer({ ...options, refreshTokenStore: store(prefix) })),
    ];
    for (let round = 0; round < 5; round++) {
      const { refreshToken } = await login(issuer);
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => instances[i % 4]!.refresh(refreshToken!)),
      );
      const winners = results.filter((result) => result.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      // The losers were refused as retries (grace period), so the winner's family stays usable.
      const next = (winners[0] as PromiseFulfilledResult<{ refreshToken?: string }>).value.refreshToken!;
      await expect(issuer.refresh(next)).resolves.toMatchObject({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
      });
    }
  });

  test('the same race at the store level: 20 parallel rotate calls, one "rotated"', async () => {
    const prefix = newPrefix();
    const stores = [store(prefix), store(prefix), store(prefix), store(prefix)];
    const now = Date.now();
    await stores[0]!.create(
      {
        id: 'fam-race',
        sub: 'bob',
        clientId: 'web',
        scope: '',
        audience: [AUD],
        claims: {},
        createdAt: now,
        expiresAt: now + DAY,
        revokedAt: null,
        accessTokens: [],
      },
      { hash: 'h0', familyId: 'fam-race', issuedAt: now, expiresAt: now + DAY, usedAt: null },
    );
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        stores[i % 4]!.rotate({
          hash: 'h0',
          nextHash: `h${i + 1}`,
          now,
          idleLifetime: DAY,
          reuseGracePeriod: 0,
          accessToken: { jti: `j${i}`, exp: Math.floor(now / 1000) + 600 },
        }),
      ),
    );
    const statuses = results.map((result) => result.status);
    expect(statuses.filter((status) => status === 'rotated')).toHaveLength(1);
    // The first loser detects the reuse and revokes the family; the rest find it revoked.
    expect(statuses.filter((status) => status === 'reused')).toHaveLength(1);
    expect(
      results.filter((result) => result.status === 'invalid' && result.reason === 'revoked'),
    ).toHaveLength(18);
    // Exactly one successor exists; the index keys of the losers' successors were removed.
    const rotated = results.find((result) => result.status === 'rotated');
    const winner = rotated?.status === 'rotated' ? rotated.token.hash : '';
    for (let i = 1; i <= 20; i++) {
      const found = await stores[0]!.find(`h${i}`);
      expect(found === undefined).toBe(`h${i}` !== winner);
    }
  });
});

describe('options', () => {
  test('an unknown option name is refused at construction, with the closest known name', () => {
    const options = { redis: REDIS_URL, timout: '1s' } as RedisRefreshTokenStoreOptions;
    expect(() => createRedisRefreshTokenStore(options)).toThrow(
      'createRedisRefreshTokenStore(): unknown option "timout"; did you mean "timeout"?',
    );
  });

  test('prefix: every key starts with it', async () => {
    const { prefix, issuer } = fixture();
    await login(issuer);
    const keys = await dump(prefix);
    expect(keys.length).toBeGreaterThanOrEqual(4);
    const [, elsewhere] = await scratch.admin.scan('0', 'MATCH', `*${prefix.slice(-13)}*`, 'COUNT', 10_000);
    expect(elsewhere.every((key) => key.startsWith(prefix))).toBe(true);
  });

  test('redis: a client passed in is used and left open by close()', async () => {
    const client = new Redis(REDIS_URL);
    const prefix = newPrefix();
    const own = createRedisRefreshTokenStore({ redis: client, prefix });
    expect(await own.find('x')).toBeUndefined();
    await own.close();
    expect(client.status).toBe('ready');
    await client.quit();
  });

  test('timeout: a stalled Redis fails the call after the bound instead of hanging', async () => {
    const server = await ScratchRedis.start();
    closeLater(() => server.stop());
    const slow = createRedisRefreshTokenStore({ redis: server.url, timeout: '100ms' });
    closeLater(() => slow.close());
    expect(await slow.find('warm-up')).toBeUndefined();
    const sleeper = new Redis(server.url);
    closeLater(() => sleeper.quit());
    const sleeping = sleeper.call('DEBUG', 'SLEEP', '1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(slow.find('x')).rejects.toThrow(/within 100 ms/);
    await sleeping;
  });
});
