// createRedisRefreshTokenStore against the real Redis: the issuer's refresh semantics (rotation, reuse
// detection, lifetimes on an injected clock, grace period, revocation), the concurrent-refresh race across
// separate connections, hash-only storage, and TTLs on every key.
import { createMemoryDenylist, createVerifier, isJwtGuardError } from '@jwtguard/core';
import { createIssuer, hashRefreshToken, type IssuerEvent, type IssuerOptions } from '@jwtguard/issuer';
import { Redis } from 'ioredis';
import { createRedisRefreshTokenStore, type RedisRefreshTokenStore } from '../src/index.js';
import { REDIS_URL, ScratchRedis, dropPrefix, randomPrefix } from './support.js';

const ISS = 'https://auth.example.test';
const AUD = 'https://api.example.test';
const DAY = 86_400_000;

let admin: Redis;
const prefixes: string[] = [];
const closers: (() => Promise<unknown>)[] = [];

beforeAll(() => {
  admin = new Redis(REDIS_URL);
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  for (const prefix of prefixes) await dropPrefix(admin, prefix);
  await admin.quit();
});

function store(prefix: string): RedisRefreshTokenStore {
  const made = createRedisRefreshTokenStore({ redis: REDIS_URL, prefix });
  closers.push(() => made.close());
  return made;
}

function fixture(extra: Partial<IssuerOptions> = {}) {
  const prefix = randomPrefix();
  prefixes.push(prefix);
  let now = Date.UTC(2026, 0, 1);
  const clock = () => now;
  const denylist = createMemoryDenylist({ clock });
  const events: IssuerEvent[] = [];
  const refreshTokenStore = store(prefix);
  const options: IssuerOptions = {
    issuer: ISS,
    audience: AUD,
    clock,
    denylist,
    refreshTokenStore,
    onEvent: (event) => events.push(event),
    ...extra,
  };
  const issuer = createIssuer(options);
  const verifier = async () =>
    createVerifier({ issuer: ISS, audience: AUD, keys: await issuer.jwks(), denylist, clock, typ: 'at+jwt' });
  return {
    prefix,
    issuer,
    options,
    store: refreshTokenStore,
    events,
    verifier,
    advance: (ms: number) => void (now += ms),
  };
}

const login = (issuer: ReturnType<typeof createIssuer>, sub = 'alice') =>
  issuer.issueTokens({ sub, clientId: 'web', scope: 'read write', claims: { tenant: 't1' } });

async function accepted(verifier: { verify(token: string): Promise<unknown> }, token: string) {
  try {
    await verifier.verify(token);
    return true;
  } catch (error) {
    if (isJwtGuardError(error)) return false;
    throw error;
  }
}

/** Every key under the prefix with its type, TTL and contents as text. */
async function dump(prefix: string): Promise<Array<{ key: string; ttl: number; text: string }>> {
  const [, keys] = await admin.scan('0', 'MATCH', `${prefix}*`, 'COUNT', 10_000);
  return Promise.all(
    keys.map(async (key) => {
      const type = await admin.type(key);
      const value =
        type === 'hash'
          ? await admin.hgetall(key)
          : type === 'zset'
            ? await admin.zrange(key, '0', '-1', 'WITHSCORES')
            : await admin.get(key);
      return { key, ttl: await admin.pttl(key), text: `${key} ${JSON.stringify(value)}` };
    }),
  );
}

describe('rotation', () => {
  test('each refresh returns a new pair with the grant kept; only hashes are stored, and every key has a TTL', async () => {
    const { prefix, issuer, store: refreshStore } = fixture({ refreshTokenAbsoluteLifetime: '30d' });
    const first = await login(issuer);
    const found = await refreshStore.find(hashRefreshToken(first.refreshToken!));
    expect(found).toMatchObject({
      token: { hash: hashRefreshToken(first.refreshToken!), usedAt: null },
      family: {
        sub: 'alice',
        clientId: 'web',
        scope: 'read write',
        audience: [AUD],
        claims: { tenant: 't1' },
      },
    });
    expect(found?.family.accessTokens).toEqual([{ jti: first.jti, exp: first.exp }]);
    const second = await issuer.refresh(first.refreshToken!, { clientId: 'web' });
    expect(second.scope).toBe('read write');
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await refreshStore.find(hashRefreshToken(first.refreshToken!)))?.token.usedAt).toBe(
      Date.UTC(2026, 0, 1),
    );

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
      await expect(issuer.refresh(next)).resolves.toBeDefined();
    }
  });

  test('the same race at the store level: 20 parallel rotate calls, one "rotated"', async () => {
    const prefix = randomPrefix();
    prefixes.push(prefix);
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

describe('reuse detection', () => {
  test('presenting a rotated token revokes the family and its live access tokens', async () => {
    const { issuer, events, verifier } = fixture();
    const first = await login(issuer);
    const second = await issuer.refresh(first.refreshToken!);
    const third = await issuer.refresh(second.refreshToken!);
    const verify = await verifier();
    expect(await accepted(verify, third.accessToken)).toBe(true);

    await expect(issuer.refresh(first.refreshToken!)).rejects.toThrow(/already used/);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'refresh.reused', sub: 'alice', revokedAccessTokens: 3 }),
    );
    expect(await accepted(verify, third.accessToken)).toBe(false);
    expect(await accepted(verify, second.accessToken)).toBe(false);
    await expect(issuer.refresh(third.refreshToken!)).rejects.toThrow('invalid refresh token');
  });

  test('reuseGracePeriod: a retry inside the window is refused without revoking the family', async () => {
    const { issuer, advance, events } = fixture({ reuseGracePeriod: '2s' });
    const first = await login(issuer);
    const second = await issuer.refresh(first.refreshToken!);
    advance(1000);
    await expect(issuer.refresh(first.refreshToken!)).rejects.toThrow('refresh token was just used');
    expect(events.filter((event) => event.type === 'refresh.reused')).toHaveLength(0);
    const third = await issuer.refresh(second.refreshToken!);
    advance(2000);
    await expect(issuer.refresh(first.refreshToken!)).rejects.toThrow(/already used/);
    await expect(issuer.refresh(third.refreshToken!)).rejects.toThrow('invalid refresh token');
  });
});

describe('lifetimes (injected clock)', () => {
  test('idle: an unused token expires; each use restarts the window', async () => {
    const { issuer, advance } = fixture({ refreshTokenIdleLifetime: '1d' });
    const first = await login(issuer);
    advance(DAY - 1);
    const second = await issuer.refresh(first.refreshToken!);
    advance(DAY - 1);
    const third = await issuer.refresh(second.refreshToken!);
    advance(DAY);
    await expect(issuer.refresh(third.refreshToken!)).rejects.toThrow('refresh token expired');
  });

  test('absolute: the family ends however often it is used, and the successor expiry is capped by it', async () => {
    const {
      issuer,
      advance,
      store: refreshStore,
    } = fixture({
      refreshTokenIdleLifetime: '1d',
      refreshTokenAbsoluteLifetime: '36h',
    });
    const start = Date.UTC(2026, 0, 1);
    const first = await login(issuer);
    advance(DAY - 1000);
    const second = await issuer.refresh(first.refreshToken!);
    const found = await refreshStore.find(hashRefreshToken(second.refreshToken!));
    expect(found?.token.expiresAt).toBe(start + 36 * 3_600_000);
    advance(12 * 3_600_000 + 1000); // exactly the absolute end, well inside the idle window
    await expect(issuer.refresh(second.refreshToken!)).rejects.toThrow('refresh token expired');
  });
});

describe('revocation', () => {
  test('RFC 7009 revoke of a refresh token revokes its family and the access tokens', async () => {
    const { issuer, verifier } = fixture();
    const first = await login(issuer);
    const second = await issuer.refresh(first.refreshToken!);
    const verify = await verifier();
    await issuer.revoke(second.refreshToken!);
    await expect(issuer.refresh(second.refreshToken!)).rejects.toThrow('invalid refresh token');
    expect(await accepted(verify, second.accessToken)).toBe(false);
  });

  test('revokeSubject revokes every live family of that subject only', async () => {
    const { issuer, store: refreshStore } = fixture();
    const phone = await login(issuer, 'carol');
    const laptop = await login(issuer, 'carol');
    const other = await login(issuer, 'dave');
    const families = await refreshStore.revokeSubject('carol', Date.UTC(2026, 0, 1));
    expect(families).toHaveLength(2);
    expect(families.every((family) => family.sub === 'carol' && family.revokedAt !== null)).toBe(true);
    await expect(issuer.refresh(phone.refreshToken!)).rejects.toThrow('invalid refresh token');
    await expect(issuer.refresh(laptop.refreshToken!)).rejects.toThrow('invalid refresh token');
    await expect(issuer.refresh(other.refreshToken!)).resolves.toBeDefined();
    // Already revoked families are not returned again; revokeFamily of an unknown id is undefined.
    expect(await refreshStore.revokeSubject('carol', Date.UTC(2026, 0, 1))).toEqual([]);
    expect(await refreshStore.revokeFamily('no-such-family', Date.UTC(2026, 0, 1))).toBeUndefined();
    expect(await refreshStore.find('no-such-hash')).toBeUndefined();
  });
});

describe('options', () => {
  test('prefix: every key starts with it', async () => {
    const { prefix, issuer } = fixture();
    await login(issuer);
    const keys = await dump(prefix);
    expect(keys.length).toBeGreaterThanOrEqual(4);
    const [, elsewhere] = await admin.scan('0', 'MATCH', `*${prefix.slice(-13)}*`, 'COUNT', 10_000);
    expect(elsewhere.every((key) => key.startsWith(prefix))).toBe(true);
  });

  test('redis: a client passed in is used and left open by close()', async () => {
    const client = new Redis(REDIS_URL);
    const prefix = randomPrefix();
    prefixes.push(prefix);
    const own = createRedisRefreshTokenStore({ redis: client, prefix });
    expect(await own.find('x')).toBeUndefined();
    await own.close();
    expect(client.status).toBe('ready');
    await client.quit();
  });

  test('timeout: a stalled Redis fails the call after the bound instead of hanging', async () => {
    const server = await ScratchRedis.start();
    closers.push(() => server.stop());
    const slow = createRedisRefreshTokenStore({ redis: server.url, timeout: '100ms' });
    closers.push(() => slow.close());
    expect(await slow.find('warm-up')).toBeUndefined();
    const sleeper = new Redis(server.url);
    closers.push(() => sleeper.quit());
    const sleeping = sleeper.call('DEBUG', 'SLEEP', '1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(slow.find('x')).rejects.toThrow(/within 100 ms/);
    await sleeping;
  });
});
