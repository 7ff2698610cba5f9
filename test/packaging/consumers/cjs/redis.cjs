// Loading only: connecting needs a Redis server, which the package's own tests cover.
const redis = require('@jwtguard/redis');
const { assert } = require('../sign.cjs');

assert(typeof redis.createRedisDenylist === 'function', 'createRedisDenylist is exported');
console.log('ok redis');
