// Everything the demo talks to, on 127.0.0.1 ephemeral ports: the auth server and the Express, Koa and
// Hono sample APIs. Each API has its own verifier (so its own JWKS cache, as separate deployments would),
// all reading the one shared denylist and the demo's clock.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { createVerifier, type Verifier } from '@jwtguard/core';
import {
  DEFAULT_AUDIENCE,
  startAuthServer,
  type AuthServer,
  type SharedDenylist,
} from '@jwtguard-example/auth-server';
import { createApp as createExpressApp } from '@jwtguard-example/express-api';
import { createApp as createHonoApp } from '@jwtguard-example/hono-api';
import { createApp as createKoaApp } from '@jwtguard-example/koa-api';
import type { IssuerEvent } from '@jwtguard/issuer';

export interface Api {
  name: 'express-api' | 'koa-api' | 'hono-api';
  url: string;
}

export interface Stack {
  auth: AuthServer;
  apis: Api[];
  close(): Promise<void>;
}

export interface StackOptions {
  clock: () => number;
  denylist: SharedDenylist;
  onIssuerEvent: (event: IssuerEvent) => void;
}

const SAMPLES: Array<[Api['name'], (verifier: Verifier) => Server]> = [
  ['express-api', (verifier) => createServer(createExpressApp(verifier))],
  ['koa-api', (verifier) => createServer(createKoaApp(verifier).callback())],
  ['hono-api', (verifier) => createAdaptorServer({ fetch: createHonoApp(verifier).fetch }) as Server],
];

// The built-in rotation timer checks the (demo) clock this often in real time; the demo moves the clock
// by minutes between checks, so hours of schedule pass in a second or two.
const ROTATION_CHECK_INTERVAL = '20ms';

export async function startStack(options: StackOptions): Promise<Stack> {
  const servers: Server[] = [];
  let auth: AuthServer | undefined;
  const close = async () => {
    await Promise.all(servers.map(stop));
    await auth?.close();
  };
  try {
    auth = await startAuthServer({
      clock: options.clock,
      denylist: options.denylist,
      rotation: { every: '1h', checkInterval: ROTATION_CHECK_INTERVAL },
      onEvent: options.onIssuerEvent,
    });
    const apis: Api[] = [];
    for (const [name, serve] of SAMPLES) {
      const verifier = createVerifier({
        issuer: auth.url,
        audience: DEFAULT_AUDIENCE,
        typ: 'at+jwt',
        // Bearer tokens keep working; a token bound to a key needs that key's proof (RFC 9449).
        dpop: true,
        denylist: options.denylist,
        clock: options.clock,
      });
      const server = serve(verifier);
      servers.push(server);
      apis.push({ name, url: await listen(server) });
    }
    return { auth, apis, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve(`http://127.0.0.1:${port}`);
    });
  });
}

export function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    // fetch keeps connections alive; without this, close() would wait for them to time out.
    server.closeIdleConnections();
  });
}
