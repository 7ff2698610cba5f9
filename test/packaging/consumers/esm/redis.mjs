// Loading only: connecting needs a Redis server, which the package's own tests cover.
import { createRedisDenylist, createRedisReplayStore } from '@jwtguard/redis';
import * as redis from '@jwtguard/redis';
import { createRedisKeyStore, createRedisRefreshTokenStore } from '@jwtguard/redis/issuer';
import helpers from '../sign.cjs';

helpers.assert(typeof createRedisDenylist === 'function', 'createRedisDenylist is exported');
helpers.assert(typeof createRedisReplayStore === 'function', 'createRedisReplayStore is exported');
helpers.assert(!('createRedisKeyStore' in redis), 'the issuer stores are not on the main entry');
helpers.assert(typeof createRedisKeyStore === 'function', 'createRedisKeyStore is exported from /issuer');
helpers.assert(
  typeof createRedisRefreshTokenStore === 'function',
  'createRedisRefreshTokenStore from /issuer',
);
console.log('ok redis');
