// Signing keys of @jwtguard/issuer in Redis, shared by every issuer instance. One hash (kid → record), so
// it lives on one Cluster slot and each call is one command. Private keys are encrypted at rest with the
// issuer's AES-256-GCM scheme (the kid is authenticated data): someone who can read Redis sees the public
// keys and ciphertext, never a private `d`. The encryption key stays with the issuer, outside Redis.
import {
  decryptStoredKey,
  encryptStoredKey,
  toEncryptionKey,
  type EncryptedStoredKey,
  type EncryptionKeyInput,
  type KeyStore,
} from '@jwtguard/issuer';
import { assertKnownOptions, toMilliseconds } from '@jwtguard/core';
import type { RedisInput } from './connection.js';
import { signingKeysKey } from './keys.js';
import { openStoreConnection } from './store-connection.js';

export interface RedisKeyStoreOptions {
  /** 32-byte AES-256-GCM key for the private keys (bytes, 64 hex or 43 base64url characters). */
  encryptionKey: EncryptionKeyInput;
  /** An ioredis client (Redis or Cluster), its options, or a URL. Default `redis://127.0.0.1:6379`. */
  redis?: RedisInput;
  /** Prefix of the key (default 'jwtguard:'); the keys are stored in the hash `<prefix>signing-keys`. */
  prefix?: string;
  /** Bound on each call (default '5s'). */
  timeout?: number | string;
}

const OPTION_NAMES = {
  encryptionKey: true,
  redis: true,
  prefix: true,
  timeout: true,
} satisfies Record<keyof RedisKeyStoreOptions, true>;

export interface RedisKeyStore extends KeyStore {
  /** Closes the connection this store opened (never a client you passed in). */
  close(): Promise<void>;
}

/**
 * @example
 * const issuer = createIssuer({
 *   issuer: 'https://auth.example.com',
 *   keyStore: createRedisKeyStore({ redis: process.env.REDIS_URL, encryptionKey: process.env.KEY_ENCRYPTION_KEY! }),
 *   rotation: { every: '30d' },
 * });
 */
export function createRedisKeyStore(options: RedisKeyStoreOptions): RedisKeyStore {
  assertKnownOptions('createRedisKeyStore()', options ?? {}, Object.keys(OPTION_NAMES));
  const encryptionKey = toEncryptionKey(options?.encryptionKey);
  const key = signingKeysKey(options.prefix ?? 'jwtguard:');
  const timeoutMs = toMilliseconds(options.timeout ?? '5s', 'timeout');
  const { client, bounded, close } = openStoreConnection(options.redis, timeoutMs);

  return {
    list: () =>
      bounded('key store list', async () => {
        const records = await client.hgetall(key);
        return Object.values(records).map((text) =>
          decryptStoredKey(JSON.parse(text) as EncryptedStoredKey, encryptionKey),
        );
      }),

    put: (stored) =>
      bounded('key store put', async () => {
        await client.hset(key, stored.kid, JSON.stringify(encryptStoredKey(stored, encryptionKey)));
      }),

    delete: (kid) =>
      bounded('key store delete', async () => {
        await client.hdel(key, kid);
      }),

    close,
  };
}
