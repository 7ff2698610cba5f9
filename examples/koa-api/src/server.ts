// `pnpm --filter @jwtguard-example/koa-api start`: the sample API on 127.0.0.1, trusting the local auth
// server (examples/auth-server) unless ISSUER / AUDIENCE say otherwise.
import type { AddressInfo } from 'node:net';
import { createRedisDenylist } from '@jwtguard/redis';
import { createApp } from './index.js';

const port = Number(process.env.PORT ?? 3002);
const issuer = process.env.ISSUER ?? 'http://127.0.0.1:4000';
const audience = process.env.AUDIENCE ?? 'https://api.example.com';
// With REDIS_URL, revocations made by the auth server (logout, refresh-token reuse) reach this API at once.
const denylist = process.env.REDIS_URL ? createRedisDenylist({ redis: process.env.REDIS_URL }) : undefined;

const server = createApp({ issuer, audience, denylist }).listen(port, '127.0.0.1', () => {
  const { port: bound } = server.address() as AddressInfo;
  console.log(`koa-api listening on http://127.0.0.1:${bound} (issuer ${issuer}, audience ${audience})`);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
