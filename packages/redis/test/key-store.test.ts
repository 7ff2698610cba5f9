// createRedisKeyStore against the real Redis: the key-store contract shared with the memory and file stores
// (round trip, ciphertext at rest, wrong and short keys), then the Redis layout, tampering, options, and
// issuer instances sharing keys whose tokens @jwtguard/core verifies, with the Redis refresh store and denylist.
import { randomBytes } from 'node:crypto';
import { ConfigurationError, createVerifier, isJwtGuardError } from '@jwtguard/core';
import { createIssuer } from '@jwtguard/issuer';
import { Redis } from 'ioredis';
import { createRedisDenylist } from '../src/index.js';
import {
  createRedisKeyStore,
  createRedisRefreshTokenStore,
  type RedisKeyStoreOptions,
} from '../src/issuer-stores.js';
import { describeKeyStore, storedKey } from '../../../test/contracts/key-store.js';
import { REDIS_URL, ScratchRedis, redisScratch, until } from './support.js';

const ISS = 'https://auth.example.test';
const AUD = 'https://api.example.test';
const scratch = redisScratch();
const { newPrefix, closeLater } = scratch;

function keyStore(options: Partial<RedisKeyStoreOptions> & { prefix: string }) {
  const made = createRedisKeyStore({ redis: REDIS_URL, encryptionKey: randomBytes(32), ...options });
  closeLater(() => made.close());
  return made;
}

describe('contract', () => {
  describeKeyStore({
    location: newPrefix,
    open: (prefix, encryptionKey) => keyStore({ prefix, encryptionKey }),
    raw: async (prefix) => Object.values(await scratch.admin.hgetall(`${prefix}signing-keys`)).join('\n'),
  });
});

describe('storage', () => {
  test('one hash field per kid: the public JWK in the clear, the private JWK encrypted', async () => {
    const prefix = newPrefix();
    const store = keyStore({ prefix });
    const [a, b] = [storedKey('a'), storedKey('b')];
    await store.put(a);
    await store.put(b);
    const raw = await scratch.admin.hgetall(`${prefix}signing-keys`);
    expect(Object.keys(raw).sort()).toEqual(['a', 'b']);
    for (const [kid, text] of Object.entries(raw)) {
      const record = JSON.parse(text) as Record<string, unknown>;
      expect(record.privateJwk).toBeUndefined();
      expect(record.encryptedPrivateJwk).toMatchObject({ v: 1, enc: 'A256GCM' });
      expect(record.publicJwk).toMatchObject({ kid });
    }
  });

  test('encryptionKey: a record moved to another kid fails to decrypt', async () => {
    const encryptionKey = randomBytes(32);
    const prefix = newPrefix();
    const store = keyStore({ prefix, encryptionKey });
    await store.put(storedKey('k2'));
    const key = `${prefix}signing-keys`;
    await scratch.admin.hset(
      key,
      'k3',
      (await scratch.admin.hget(key, 'k2'))!.replace('"kid":"k2"', '"kid":"k3"'),
    );
    await expect(store.list()).rejects.toThrow();
  });

  test('an unknown option name is refused at construction, with the closest known name', () => {
    const options = { encryptionKey: randomBytes(32), perfix: 'x:' } as RedisKeyStoreOptions;
    expect(() => createRedisKeyStore(options)).toThrow(
      'createRedisKeyStore(): unknown option "perfix"; did you mean "prefix"?',
    );
  });

  test('refuses a missing encryption key at construction', () => {
    expect(() => createRedisKeyStore({ redis: REDIS_URL } as RedisKeyStoreOptions)).toThrow(
      ConfigurationError,
    );
  });

  test('timeout: a stalled Redis fails the call after the bound instead of hanging', async () => {
    const server = await ScratchRedis.start();
    closeLater(() => server.stop());
    const store = createRedisKeyStore({
      redis: server.url,
      encryptionKey: randomBytes(32),
      timeout: '100ms',
    });
    closeLater(() => store.close());
    expect(await store.list()).toEqual([]);
    const sleeper = new Redis(server.url);
    closeLater(() => sleeper.quit());
    const sleeping = sleeper.call('DEBUG', 'SLEEP', '1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(store.list()).rejects.toThrow(/within 100 ms/);
    await sleeping;
  });

  test('redis: a client passed in is used and left open by close()', async () => {
    const client = new Redis(REDIS_URL);
    const prefix = newPrefix();
    const store = createRedisKeyStore({ redis: client, prefix, encryptionKey: randomBytes(32) });
    await store.put(storedKey('mine'));
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
    for (const denylist of denylists) closeLater(() => denylist.close());
    await Promise.all(denylists.map((denylist) => denylist.ready()));
    const instance = (i: number) => {
      const refreshTokenStore = createRedisRefreshTokenStore({ redis: REDIS_URL, prefix });
      closeLater(() => refreshTokenStore.close());
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
