import redis = require('@jwtguard/redis');

export const make = (): ReturnType<typeof redis.createRedisDenylist> => redis.createRedisDenylist();
