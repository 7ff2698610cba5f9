import { createMemoryDenylist } from '@jwtguard/core';
import { runConformance } from './suite.js';

runConformance('memory', async () => {
  const denylist = createMemoryDenylist();
  return {
    denylist,
    revoke: (target) => denylist.revokeToken(target),
    async close() {},
  };
});
