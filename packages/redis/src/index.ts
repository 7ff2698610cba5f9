// @jwtguard/redis: every Redis-backed store of jwtguard. Fixed name: createRedisDenylist.
export {
  createRedisDenylist,
  type RedisDenylist,
  type RedisDenylistOptions,
  type RedisDenylistStatus,
} from './redis-denylist.js';
export type { RedisDenylistEvent } from './denylist-events.js';
export {
  createRedisRefreshTokenStore,
  type RedisRefreshTokenStore,
  type RedisRefreshTokenStoreOptions,
} from './refresh-token-store.js';
export { createRedisKeyStore, type RedisKeyStore, type RedisKeyStoreOptions } from './redis-key-store.js';
export type { RedisClient, RedisInput } from './connection.js';
