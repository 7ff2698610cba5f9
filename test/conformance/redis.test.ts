// The adapter conformance suite with the Redis denylist (replica mode, the default) on the real Redis at
// 127.0.0.1:6379, under a random key prefix. The "revoked" case revokes and sends the request at once: it
// holds because revokeToken resolves only after this instance's replica has applied the revocation.
import { randomBytes } from 'node:crypto';
import { createRedisDenylist } from '@jwtguard/redis';
import { Redis } from 'ioredis';
import { dropPrefix } from '../../packages/redis/test/support.js';
import { runConformance } from './suite.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

runConformance('redis', async () => {
  const prefix = `jwtguard-conformance:${randomBytes(6).toString('hex')}:`;
  const denylist = createRedisDenylist({ redis: REDIS_URL, prefix });
  await denylist.ready();
  return {
    denylist,
    revoke: (target) => denylist.revokeToken(target),
    async close() {
      await denylist.close();
      // The revocations this run made, under our own prefix only.
      const admin = new Redis(REDIS_URL);
      await dropPrefix(admin, prefix);
      await admin.quit();
    },
  };
});
