// Run in a separate process by propagation.test.ts (through tsx): another API instance, with its own
// process, connection and replica, revokes a token; the parent's replica must refuse it.
import { createRedisDenylist } from '../src/index.js';

const [url, prefix, iss, jti] = process.argv.slice(2) as [string, string, string, string];
const denylist = createRedisDenylist({ redis: url, prefix });
await denylist.ready();
process.stdout.write(`ready\n`);
// Wait for the parent's go, so the measured time is propagation, not process start-up.
process.stdin.once('data', async () => {
  const sentAt = Date.now();
  await denylist.revoke({ iss, jti, exp: Math.floor(Date.now() / 1000) + 60 });
  process.stdout.write(`revoked ${sentAt}\n`);
  await denylist.close();
  process.stdin.destroy();
});
