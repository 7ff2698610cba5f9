// @jwtguard/redis: every Redis-backed store of jwtguard. Fixed name: createRedisDenylist.
export {
  createRedisDenylist,
  type RedisDenylist,
  type RedisDenylistEvent,
  type RedisDenylistOptions,
  type RedisDenylistStatus,
} from './redis-denylist.js';
export type { RedisClient, RedisInput } from './connection.js';
