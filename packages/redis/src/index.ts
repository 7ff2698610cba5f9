// @jwtguard/redis: the Redis denylist, and nothing that needs @jwtguard/issuer at run time, so an API that
// only checks revocations does not install the issuer. The issuer's stores are the `@jwtguard/redis/issuer`
// entry (issuer-stores.ts). Fixed name: createRedisDenylist.
export {
  createRedisDenylist,
  type RedisDenylist,
  type RedisDenylistOptions,
  type RedisDenylistStatus,
} from './redis-denylist.js';
export type { RedisDenylistEvent } from './denylist-events.js';
export type { RedisClient, RedisInput } from './connection.js';
