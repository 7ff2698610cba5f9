// Loading only: connecting needs a Redis server, which the package's own tests cover. The main entry must
// not load @jwtguard/issuer (an API that only wants the denylist does not install it); the subpath does.
const redis = require('@jwtguard/redis');
const { assert } = require('../sign.cjs');

const loadedIssuer = () =>
  Object.keys(require.cache).some((file) => /[\\/]@jwtguard[\\/]issuer[\\/]/.test(file));
assert(typeof redis.createRedisDenylist === 'function', 'createRedisDenylist is exported');
assert(typeof redis.createRedisReplayStore === 'function', 'createRedisReplayStore is exported');
assert(!loadedIssuer(), '@jwtguard/redis does not load @jwtguard/issuer');
assert(redis.createRedisKeyStore === undefined, 'the issuer stores are not on the main entry');
const stores = require('@jwtguard/redis/issuer');
assert(typeof stores.createRedisKeyStore === 'function', 'createRedisKeyStore is exported from /issuer');
assert(
  typeof stores.createRedisRefreshTokenStore === 'function',
  'createRedisRefreshTokenStore from /issuer',
);
assert(loadedIssuer(), '@jwtguard/redis/issuer loads @jwtguard/issuer');
console.log('ok redis');
