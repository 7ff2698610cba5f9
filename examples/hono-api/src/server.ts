// `pnpm --filter @jwtguard-example/hono-api start`: the sample API on 127.0.0.1 (Node, via
// @hono/node-server), trusting the local auth server (examples/auth-server) unless ISSUER / AUDIENCE say
// otherwise.
import { serve } from '@hono/node-server';
import { createRedisDenylist } from '@jwtguard/redis';
import { createApp } from './index.js';

const port = Number(process.env.PORT ?? 3003);
const issuer = process.env.ISSUER ?? 'http://127.0.0.1:4000';
const audience = process.env.AUDIENCE ?? 'https://api.example.com';
// With REDIS_URL, revocations made by the auth server (logout, refresh-token reuse) reach this API at once.
const denylist = process.env.REDIS_URL ? createRedisDenylist({ redis: process.env.REDIS_URL }) : undefined;

const server = serve(
  { fetch: createApp({ issuer, audience, denylist }).fetch, port, hostname: '127.0.0.1' },
  (info) => {
    console.log(
      `hono-api listening on http://127.0.0.1:${info.port} (issuer ${issuer}, audience ${audience})`,
    );
  },
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
