import redis = require('@jwtguard/redis');

export const make = (): ReturnType<typeof redis.createRedisDenylist> => redis.createRedisDenylist();
import stores = require('@jwtguard/redis/issuer');

export const makeStore = (): ReturnType<typeof stores.createRedisRefreshTokenStore> =>
  stores.createRedisRefreshTokenStore();
