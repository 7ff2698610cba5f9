// createRedisKeyStore against the real Redis: round trip, private keys encrypted at rest (no `d` readable in
// Redis), wrong key and tampering detected, and issuer instances sharing keys whose tokens @jwtguard/core
// verifies, together with the Redis refresh store and denylist.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { ConfigurationError, createVerifier, isJwtGuardError } from '@jwtguard/core';
import { createIssuer, type StoredKey } from '@jwtguard/issuer';
import { Redis } from 'ioredis';
import {
  createRedisDenylist,
  createRedisKeyStore,
  createRedisRefreshTokenStore,
  type RedisKeyStoreOptions,
} from '../src/index.js';
import { REDIS_URL, ScratchRedis, dropPrefix, randomPrefix, until } from './support.js';

const ISS = 'https://auth.example.test';
const AUD = 'https://api.example.test';
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

function keyStore(options: Partial<RedisKeyStoreOptions> & { prefix: string }) {
  const made = createRedisKeyStore({ redis: REDIS_URL, encryptionKey: randomBytes(32), ...options });
  closers.push(() => made.close());
  return made;
}

function newPrefix(): string {
  const prefix = randomPrefix();
  prefixes.push(prefix);
  return prefix;
}

async function storedKey(kid: string): Promise<StoredKey> {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid,
    alg: 'ES256',
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' },
    privateJwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'ES256' },
    createdAt: Date.now(),
    activatesAt: null,
  };
}

describe('storage', () => {
  test('put, list, delete round trip; the private key is ciphertext in Redis', async () => {
    const prefix = newPrefix();
    const encryptionKey = randomBytes(32).toString('base64url');
    const store = keyStore({ prefix, encryptionKey });
    const [a, b] = [await storedKey('a'), await storedKey('b')];
    await store.put(a);
    await store.put(b);
    await store.put({ ...b, activatesAt: 123 }); // replaces, by kid
    const listed = (await store.list()).sort((x, y) => x.kid.localeCompare(y.kid));
    expect(listed).toEqual([a, { ...b, activatesAt: 123 }]);

    const raw = await admin.hgetall(`${prefix}signing-keys`);
    expect(Object.keys(raw).sort()).toEqual(['a', 'b']);
    for (const [kid, text] of Object.entries(raw)) {
      const record = JSON.parse(text) as Record<string, unknown>;
      expect(record.privateJwk).toBeUndefined();
      expect(record.encryptedPrivateJwk).toMatchObject({ v: 1, enc: 'A256GCM' });
      expect(record.publicJwk).toMatchObject({ kid });
      expect(text).not.toMatch(/"d"\s*:/);
      expect(text).not.toContain((kid === 'a' ? a : b).privateJwk.d);
    }

    await store.delete('a');
    await store.delete('never-stored');
    expect((await store.list()).map((key) => key.kid)).toEqual(['b']);
  });

  test('encryptionKey: another key cannot read the keys; a record moved to another kid fails to decrypt', async () => {
    const prefix = newPrefix();
    await keyStore({ prefix }).put(await storedKey('k1'));
    await expect(keyStore({ prefix }).list()).rejects.toThrow();

    const encryptionKey = randomBytes(32);
    const store = keyStore({ prefix: newPrefix(), encryptionKey });
    await store.put(await storedKey('k2'));
    const key = `${prefixes.at(-1)}signing-keys`;
    await admin.hset(key, 'k3', (await admin.hget(key, 'k2'))!.replace('"kid":"k2"', '"kid":"k3"'));
    await expect(store.list()).rejects.toThrow();
  });

  test('refuses a missing or short encryption key at construction', () => {
    expect(() => createRedisKeyStore({ redis: REDIS_URL } as RedisKeyStoreOptions)).toThrow(
      ConfigurationError,
    );
    expect(() => createRedisKeyStore({ redis: REDIS_URL, encryptionKey: 'short' })).toThrow(
      /32 random bytes/,
    );
  });

  test('timeout: a stalled Redis fails the call after the bound instead of hanging', async () => {
    const server = await ScratchRedis.start();
    closers.push(() => server.stop());
    const store = createRedisKeyStore({
      redis: server.url,
      encryptionKey: randomBytes(32),
      timeout: '100ms',
    });
    closers.push(() => store.close());
    expect(await store.list()).toEqual([]);
    const sleeper = new Redis(server.url);
    closers.push(() => sleeper.quit());
    const sleeping = sleeper.call('DEBUG', 'SLEEP', '1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(store.list()).rejects.toThrow(/within 100 ms/);
    await sleeping;
  });

  test('redis: a client passed in is used and left open by close()', async () => {
    const client = new Redis(REDIS_URL);
    const prefix = newPrefix();
    const store = createRedisKeyStore({ redis: client, prefix, encryptionKey: randomBytes(32) });
    await store.put(await storedKey('mine'));
    await store.close();
    expect(client.status).toBe('ready');
    expect(await client.hexists(`${prefix}signing-keys`, 'mine')).toBe(1);
    await client.quit();
  });
});

describe('an issuer on Redis', () => {
  test('two instances share keys, refresh families and the denylist; core verifies their tokens', async () => {
    const prefix = newPrefix();
    const encryptionKey = randomBytes(32);
    const denylists = [
      createRedisDenylist({ redis: REDIS_URL, prefix }),
      createRedisDenylist({ redis: REDIS_URL, prefix }),
    ];
    for (const denylist of denylists) closers.push(() => denylist.close());
    await Promise.all(denylists.map((denylist) => denylist.ready()));
    const instance = (i: number) => {
      const refreshTokenStore = createRedisRefreshTokenStore({ redis: REDIS_URL, prefix });
      closers.push(() => refreshTokenStore.close());
      return createIssuer({
        issuer: ISS,
        audience: AUD,
        keyStore: keyStore({ prefix, encryptionKey }),
        refreshTokenStore,
        denylist: denylists[i]!,
      });
    };
    const first = instance(0);
    const jwks = await first.jwks();
    const second = instance(1);
    expect(await second.jwks()).toEqual(jwks); // same keys, loaded and decrypted from Redis
    await first.rotateKeys();
    await second.tick(); // reloads the shared store
    expect(await second.jwks()).toEqual(await first.jwks());
    expect((await first.jwks()).keys.length).toBeGreaterThan(jwks.keys.length);

    // An API instance verifying with core, consulting the other replica of the denylist.
    const verifier = createVerifier({ issuer: ISS, audience: AUD, keys: jwks, denylist: denylists[1]! });
    const login = await first.issueTokens({ sub: 'alice', clientId: 'web', scope: 'read' });
    await expect(verifier.verify(login.accessToken)).resolves.toMatchObject({ payload: { sub: 'alice' } });
    const refreshed = await second.refresh(login.refreshToken!); // a family created by the other instance
    await expect(verifier.verify(refreshed.accessToken)).resolves.toMatchObject({ scopes: ['read'] });

    // RFC 7009 on one issuer instance: pushed through Redis, the API instance's replica refuses the token.
    await first.revoke(refreshed.accessToken);
    const code = () =>
      verifier.verify(refreshed.accessToken).then(
        () => 'accepted',
        (error: unknown) => (isJwtGuardError(error) ? error.code : 'other'),
      );
    await until(async () => (await code()) !== 'accepted', 'the revocation to reach the API instance');
    expect(await code()).toBe('ERR_JWT_REVOKED');
  });
});
