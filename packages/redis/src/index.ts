// @jwtguard/redis: what an API needs (the Redis denylist, the DPoP replay store), and nothing that needs
// @jwtguard/issuer at run time, so an API does not install the issuer. The issuer's stores are the
// `@jwtguard/redis/issuer` entry (issuer-stores.ts). Fixed names: createRedisDenylist, createRedisReplayStore.
export {
  createRedisDenylist,
  type RedisDenylist,
  type RedisDenylistOptions,
  type RedisDenylistStatus,
} from './redis-denylist.js';
export {
  createRedisReplayStore,
  type RedisReplayStore,
  type RedisReplayStoreOptions,
} from './replay-store.js';
export type { RedisDenylistEvent } from './denylist-events.js';
export type { RedisClient, RedisInput } from './connection.js';
