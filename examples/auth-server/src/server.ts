// `pnpm --filter @jwtguard-example/auth-server start`: the auth server on http://127.0.0.1:4000 (PORT to
// change it), rotating its signing keys every ROTATE_EVERY (default '1d').
import { createRedisDenylist } from '@jwtguard/redis';
import { startAuthServer } from './index.js';

// With REDIS_URL, logout and refresh-token reuse revoke into Redis, which pushes to every sample API.
const denylist = process.env.REDIS_URL ? createRedisDenylist({ redis: process.env.REDIS_URL }) : undefined;

const auth = await startAuthServer({
  port: Number(process.env.PORT ?? 4000),
  ...(denylist ? { denylist } : {}),
  rotation: { every: process.env.ROTATE_EVERY ?? '1d' },
  onEvent: (event) => console.log(`[issuer] ${JSON.stringify(event)}`),
});

console.log(`auth-server listening on ${auth.url}`);
console.log(`  discovery  ${auth.url}/.well-known/openid-configuration`);
console.log(`  users      ${auth.usernames.join(', ')} (password: <name>-password)`);
console.log(`  login      curl -s -X POST ${auth.url}/login -H 'content-type: application/json' \\`);
console.log(`               -d '{"username":"alice","password":"alice-password"}'`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    void auth.close().then(() => process.exit(0));
  });
}
