// @jwtguard/redis/issuer: the stores of @jwtguard/issuer in Redis (refresh tokens, signing keys), for an
// issuer running several instances. A separate entry because these import the issuer at run time, and the
// issuer is an optional peer dependency: an API that only uses the denylist never loads it.
export {
  createRedisRefreshTokenStore,
  type RedisRefreshTokenStore,
  type RedisRefreshTokenStoreOptions,
} from './refresh-token-store.js';
export { createRedisKeyStore, type RedisKeyStore, type RedisKeyStoreOptions } from './redis-key-store.js';
export type { RedisClient, RedisInput } from './connection.js';
