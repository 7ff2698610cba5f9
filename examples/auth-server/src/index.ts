// The local authorization server of the samples, built on @jwtguard/issuer: signing keys (rotated on demand
// and on a schedule), discovery, JWKS, the token and revocation endpoints, plus login, logout and logout
// everywhere for three demo users. Revocations go into the denylist the APIs consult.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDpopProofVerifier, createMemoryDenylist, type Denylist } from '@jwtguard/core';
import {
  createIssuer,
  createNodeListener,
  type Duration,
  type Issuer,
  type IssuerEvent,
  type RevocationTarget,
  type RotationOptions,
} from '@jwtguard/issuer';
import { createRouter } from './routes.js';
import { createTokenGuard } from './token-guard.js';
import { createUserDirectory, DEMO_USERS, type DemoUserInput } from './users.js';

export { DEMO_USERS, type DemoUserInput } from './users.js';
export { hashPassword, verifyPassword } from './password.js';

/** A denylist both sides can use: the issuer writes revocations, the verifiers read them. */
export type SharedDenylist = Denylist & RevocationTarget;

export interface AuthServerOptions {
  /** Port to listen on (default 0: an ephemeral port). */
  port?: number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** `aud` of the access tokens (default 'https://api.example.com', the sample APIs' audience). */
  audience?: string | string[];
  /** Where logout and refresh-token reuse revoke access tokens (default: a new in-memory denylist). */
  denylist?: SharedDenylist;
  /** Milliseconds since the epoch (default Date.now); drives token times and the rotation schedule. */
  clock?: () => number;
  /** Scheduled key rotation, e.g. `{ every: '30d' }` (default off; `POST /keys/rotate` rotates on demand). */
  rotation?: RotationOptions;
  /** The verifiers' JWKS cache lifetime: how long a new key is published before it signs (default '10m'). */
  jwksCacheLifetime?: Duration;
  /** Access-token lifetime (default '15m'). */
  accessTokenLifetime?: Duration;
  /** The users who can log in (default DEMO_USERS: alice, bob, carol). */
  users?: readonly DemoUserInput[];
  onEvent?: (event: IssuerEvent) => void;
}

export interface AuthServer {
  /** The issuer URL (`iss` of every token): give it to the APIs as `issuer`. */
  readonly url: string;
  readonly issuer: Issuer;
  readonly denylist: SharedDenylist;
  /** The public OAuth client of the login route; name it when refreshing at `/token`. */
  readonly clientId: string;
  readonly usernames: readonly string[];
  /** Stop listening and stop the rotation timer. A denylist passed in is left open (it may be shared). */
  close(): Promise<void>;
}

export const DEMO_CLIENT_ID = 'demo-app';
/**
 * A confidential client for service-to-service calls (client_credentials, RFC 6749 §4.4). Its secret is
 * demo data, printed in the README; a real deployment loads secrets from its secret store.
 */
export const DEMO_SERVICE = { id: 'demo-service', secret: 'demo-service-secret', scopes: ['read:items'] };
/**
 * The confidential client an API subscribes to the revocation feed with (`GET /revocations`, HTTP Basic):
 * an API that shares no denylist with the auth server learns of revocations from it. Demo data as above.
 */
export const DEMO_FEED_CLIENT = { id: 'demo-feed', secret: 'demo-feed-secret' };
export const DEFAULT_AUDIENCE = 'https://api.example.com';

/**
 * Start the auth server.
 *
 * @example
 * const auth = await startAuthServer({ port: 4000 });
 * // curl -s -X POST http://127.0.0.1:4000/login -H 'content-type: application/json' \
 * //   -d '{"username":"alice","password":"alice-password"}'
 * await auth.close();
 */
export async function startAuthServer(options: AuthServerOptions = {}): Promise<AuthServer> {
  const clock = options.clock ?? Date.now;
  const denylist = options.denylist ?? createMemoryDenylist({ clock });
  const users = await createUserDirectory(options.users ?? DEMO_USERS);

  // The issuer URL names the bound port, so the listener starts first and answers 503 until it is ready.
  const bound: { route?: (request: Request) => Promise<Response> } = {};
  const server = createServer(
    createNodeListener(async (request) =>
      bound.route ? bound.route(request) : new Response(null, { status: 503 }),
    ),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  const issuer = createIssuer({
    issuer: url,
    audience: options.audience ?? DEFAULT_AUDIENCE,
    denylist,
    clock,
    clients: [
      { id: DEMO_CLIENT_ID },
      { ...DEMO_SERVICE, scopes: [...DEMO_SERVICE.scopes] },
      { ...DEMO_FEED_CLIENT },
    ],
    // Every revocation also goes out as a signed event at GET /revocations, for APIs without the denylist.
    revocationFeed: { clients: [DEMO_FEED_CLIENT.id] },
    scopesSupported: ['read:items', 'write:items'],
    // DPoP at the token endpoint: a refresh of a bound login needs a proof by the same key.
    dpop: true,
    ...(options.rotation ? { rotation: options.rotation } : {}),
    ...(options.jwksCacheLifetime !== undefined ? { jwksCacheLifetime: options.jwksCacheLifetime } : {}),
    ...(options.accessTokenLifetime !== undefined
      ? { accessTokenLifetime: options.accessTokenLifetime }
      : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
  try {
    await issuer.ready();
  } catch (error) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }
  bound.route = createRouter({
    issuer,
    proofs: createDpopProofVerifier({ clock }),
    users,
    guard: createTokenGuard(issuer, denylist, clock),
    clientId: DEMO_CLIENT_ID,
  });

  return {
    url,
    issuer,
    denylist,
    clientId: DEMO_CLIENT_ID,
    usernames: users.usernames,
    async close() {
      await issuer.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive connections of clients would otherwise hold the server open.
        server.closeIdleConnections();
      });
    },
  };
}
