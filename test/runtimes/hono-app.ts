// Runs on Node, Bun and Deno unchanged: a Hono app guarded by @jwtguard/hono with a static ES256 key, driven
// through `app.request()`, then once through the runtime's own server on 127.0.0.1. Prints one JSON line of results; runtimes.test.ts runs it
// on each runtime against the *built* packages and compares. Web-standard APIs only (crypto.subtle, TextEncoder,
// btoa), because that is the promise of core and the Hono adapter.
import { Hono } from 'hono';
import { createVerifier, jwtGuard, requireScopes, type JwtGuardEnv } from '@jwtguard/hono';

const ISSUER = 'https://issuer.runtime.test';
const AUDIENCE = 'https://api.runtime.test';

export interface CaseResult {
  status: number;
  challenge: string | null;
  body: unknown;
}

export interface RuntimeReport {
  runtime: string;
  results: Record<string, CaseResult>;
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const encodeJson = (value: unknown): string => base64url(new TextEncoder().encode(JSON.stringify(value)));

function runtimeName(): string {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  return `node ${(globalThis as { process?: { version: string } }).process?.version ?? '?'}`;
}

export async function run(): Promise<RuntimeReport> {
  const { privateKey, publicKey } = (await crypto.subtle.generateKey(
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  const jwk = { ...(await crypto.subtle.exportKey('jwk', publicKey)), kid: 'runtime-key', alg: 'ES256' };

  // RFC 7515 compact JWS; Web Crypto's ECDSA signature is already the raw r||s form JWS wants (RFC 7518 §3.4).
  const sign = async (claims: Record<string, unknown>): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: ISSUER, aud: AUDIENCE, sub: 'runtime-user', iat: now, exp: now + 300, ...claims };
    const input = `${encodeJson({ alg: 'ES256', kid: 'runtime-key', typ: 'at+jwt' })}.${encodeJson(payload)}`;
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      privateKey,
      new TextEncoder().encode(input),
    );
    return `${input}.${base64url(new Uint8Array(signature))}`;
  };

  // What a validate hook was told about the peer, per request (the served case below reads it).
  let peer = 'unset';
  const validate = (_result: unknown, context: { clientAddress?: string }): void => {
    const address = context.clientAddress;
    peer = address === undefined ? 'none' : /^(::ffff:)?127\./.test(address) ? 'loopback' : address;
  };
  const app = new Hono<JwtGuardEnv>();
  app.use(jwtGuard(createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: jwk, validate })));
  app.get('/items', requireScopes('read:items'), (c) =>
    c.json({ sub: c.var.auth.payload.sub, scopes: c.var.auth.scopes }),
  );

  const now = Math.floor(Date.now() / 1000);
  const cases: Record<string, Record<string, string>> = {
    valid: { Authorization: `Bearer ${await sign({ scope: 'read:items' })}` },
    missing: {},
    malformed: { Authorization: 'Bearer two tokens' },
    expired: {
      Authorization: `Bearer ${await sign({ scope: 'read:items', iat: now - 900, exp: now - 600 })}`,
    },
    wrongAudience: {
      Authorization: `Bearer ${await sign({ scope: 'read:items', aud: 'https://other.test' })}`,
    },
    insufficientScope: { Authorization: `Bearer ${await sign({ scope: 'write:items' })}` },
  };

  // DPoP (RFC 9449): the proof checks hash and import keys through the runtime seam, synchronously on Node
  // and through Web Crypto on Bun and Deno; every runtime must answer alike.
  const client = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const { kty, crv, x, y } = await crypto.subtle.exportKey('jwk', client.publicKey);
  const clientJwk = { kty, crv, x, y };
  const sha256 = async (text: string): Promise<string> =>
    base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
  // RFC 7638 §3.2: the required EC members in lexicographic order, without white space.
  const jkt = await sha256(JSON.stringify({ crv, kty, x, y }));
  const proof = async (token: string, htu: string): Promise<string> => {
    const payload = {
      jti: crypto.randomUUID(),
      htm: 'GET',
      htu,
      iat: Math.floor(Date.now() / 1000),
      ath: await sha256(token),
    };
    const input = `${encodeJson({ typ: 'dpop+jwt', alg: 'ES256', jwk: clientJwk })}.${encodeJson(payload)}`;
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      client.privateKey,
      new TextEncoder().encode(input),
    );
    return `${input}.${base64url(new Uint8Array(signature))}`;
  };
  const dpopApp = new Hono<JwtGuardEnv>();
  dpopApp.use(
    jwtGuard(
      createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: jwk, dpop: { publicUrl: AUDIENCE } }),
    ),
  );
  dpopApp.get('/items', (c) => c.json({ sub: c.var.auth.payload.sub, jkt: c.var.auth.dpop?.jkt === jkt }));
  const bound = await sign({ scope: 'read:items', cnf: { jkt } });
  const dpopCases: Record<string, Record<string, string>> = {
    dpopValid: { Authorization: `DPoP ${bound}`, DPoP: await proof(bound, `${AUDIENCE}/items`) },
    dpopNoProof: { Authorization: `DPoP ${bound}` },
    dpopAsBearer: { Authorization: `Bearer ${bound}` },
    dpopWrongUri: { Authorization: `DPoP ${bound}`, DPoP: await proof(bound, `${AUDIENCE}/other`) },
  };

  const results: Record<string, CaseResult> = {};
  for (const [name, headers] of Object.entries(dpopCases)) {
    const res = await dpopApp.request('/items', { headers });
    results[name] = {
      status: res.status,
      challenge: res.headers.get('www-authenticate'),
      body: await res.json(),
    };
  }
  for (const [name, headers] of Object.entries(cases)) {
    const res = await app.request('/items', { headers });
    results[name] = {
      status: res.status,
      challenge: res.headers.get('www-authenticate'),
      body: await res.json(),
    };
  }
  // Served by the runtime's own HTTP server on loopback: the adapter finds the peer address in the runtime's
  // connection info (Bun's server, Deno's ServeHandlerInfo, @hono/node-server's IncomingMessage).
  const server = await serve(app.fetch);
  try {
    const res = await fetch(`${server.url}/items`, {
      headers: { Authorization: `Bearer ${await sign({ scope: 'read:items' })}` },
    });
    await res.arrayBuffer();
    results.served = { status: res.status, challenge: res.headers.get('www-authenticate'), body: { peer } };
  } finally {
    await server.close();
  }
  return { runtime: runtimeName(), results };
}

type FetchHandler = (request: Request, env?: unknown) => Response | Promise<Response>;

interface BunGlobal {
  serve(options: { hostname: string; port: number; fetch: FetchHandler }): {
    port: number;
    stop(force?: boolean): void | Promise<void>;
  };
}

interface DenoGlobal {
  serve(
    options: { hostname: string; port: number; onListen?: () => void },
    handler: FetchHandler,
  ): { addr: { port: number }; shutdown(): Promise<void> };
}

/** Listen on 127.0.0.1 (an ephemeral port) with the runtime's own server. */
async function serve(handler: FetchHandler): Promise<{ url: string; close(): Promise<void> }> {
  const g = globalThis as { Bun?: BunGlobal; Deno?: DenoGlobal };
  if (g.Bun) {
    const server = g.Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: handler });
    return { url: `http://127.0.0.1:${server.port}`, close: async () => void (await server.stop(true)) };
  }
  if (g.Deno) {
    const server = g.Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: () => undefined }, handler);
    return { url: `http://127.0.0.1:${server.addr.port}`, close: () => server.shutdown() };
  }
  const { serve: serveNode } = await import('@hono/node-server');
  return new Promise((resolve) => {
    const server = serveNode({ fetch: handler, hostname: '127.0.0.1', port: 0 }, (info) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            (server as { closeAllConnections?: () => void }).closeAllConnections?.();
            server.close(() => done());
          }),
      }),
    );
  });
}

console.log(JSON.stringify(await run()));
