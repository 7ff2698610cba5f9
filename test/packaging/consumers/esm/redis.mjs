// Loading only: connecting needs a Redis server, which the package's own tests cover.
import { createRedisDenylist } from '@jwtguard/redis';
import helpers from '../sign.cjs';

helpers.assert(typeof createRedisDenylist === 'function', 'createRedisDenylist is exported');
console.log('ok redis');
