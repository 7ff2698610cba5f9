// A real JWKS endpoint for the tests: node:http on 127.0.0.1, port 0. It serves a JWK Set and the issuer's
// discovery documents, counts every fetch, and can be told to misbehave the ways real endpoints do: rotate
// keys, go down (refused connection or HTTP 500), hang, answer garbage, HTML, or 10 MB.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';

export type JwksMode = 'ok' | 'error' | 'hang' | 'garbage' | 'html' | 'huge' | 'not-json-object';

export interface JwksServerOptions {
  /** Issuer path, e.g. "/tenant-a" (RFC 8414 path insertion); default none. */
  issuerPath?: string;
  /** Which metadata documents exist (default both). */
  metadata?: ('openid' | 'oauth')[];
}

export interface JwksServer {
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  /** The issuer identifier the metadata names (origin + issuerPath). */
  readonly issuer: string;
  readonly jwksUri: string;
  /** Requests per path, including ones that were answered with an error or left hanging. */
  readonly hits: Map<string, number>;
  jwksFetches(): number;
  keys: JWK[];
  mode: JwksMode;
  /** Cache-Control sent with the JWKS (none by default). */
  cacheControl: string | undefined;
  /** Override what the metadata says (issuer mismatch, foreign jwks_uri). */
  metadataOverride: Record<string, unknown> | undefined;
  /** Where GET /redirect points (302). */
  redirectTo: string | undefined;
  /** Back to a healthy endpoint between tests: counts cleared, mode 'ok', no Cache-Control; `keys` published if given. */
  reset(keys?: JWK[]): void;
  /** Stop listening (connections refused) and drop open connections; `up()` listens again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Runs `work` while the endpoint is down, and listens again afterwards whatever the outcome. */
  whileDown<T>(work: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function startJwksServer(options: JwksServerOptions = {}): Promise<JwksServer> {
  const issuerPath = options.issuerPath ?? '';
  const metadata = options.metadata ?? ['openid', 'oauth'];
  const hits = new Map<string, number>();
  const hanging = new Set<ServerResponse>();

  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/jwks') return serveJwks(res);
    if (path === '/redirect' && state.redirectTo)
      return void res.writeHead(302, { location: state.redirectTo }).end();
    const doc = metadataPaths().get(path);
    if (doc && metadata.includes(doc)) {
      if (state.mode === 'error') return void res.writeHead(500).end();
      if (state.mode === 'hang') return void hanging.add(res);
      return json(res, { issuer: state.issuer, jwks_uri: state.jwksUri, ...state.metadataOverride });
    }
    res.writeHead(404).end();
  };

  const serveJwks = (res: ServerResponse): void => {
    switch (state.mode) {
      case 'ok':
        return json(res, { keys: state.keys }, state.cacheControl);
      case 'error':
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"server_error"}');
        return;
      case 'hang':
        hanging.add(res);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"keys":[');
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[{"kty":"RSA",');
        return;
      case 'not-json-object':
        res.writeHead(200, { 'content-type': 'application/json' }).end('[1,2,3]');
        return;
      case 'html':
        res.writeHead(200, { 'content-type': 'text/html' }).end('<html>captive portal</html>');
        return;
      case 'huge': {
        // 10 MB streamed without Content-Length: the client must stop counting bytes, not trust a header.
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let sent = 0;
        const pump = (): void => {
          while (sent < 10 * 1024 * 1024) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('error', () => undefined);
        res.write('{"keys":[],"pad":"');
        pump();
        return;
      }
    }
  };

  const metadataPaths = (): Map<string, 'openid' | 'oauth'> =>
    new Map([
      [`${issuerPath}/.well-known/openid-configuration`, 'openid'],
      [`/.well-known/oauth-authorization-server${issuerPath}`, 'oauth'],
    ]);

  const server = createServer(handler);
  server.keepAliveTimeout = 1;
  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      for (const res of hanging) res.destroy();
      hanging.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    });

  await listen(0);
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  const state: JwksServer = {
    origin,
    issuer: `${origin}${issuerPath}`,
    jwksUri: `${origin}/jwks`,
    hits,
    jwksFetches: () => hits.get('/jwks') ?? 0,
    keys: [],
    mode: 'ok',
    cacheControl: undefined,
    metadataOverride: undefined,
    redirectTo: undefined,
    reset(keys) {
      hits.clear();
      state.mode = 'ok';
      state.cacheControl = undefined;
      if (keys) state.keys = keys;
    },
    down: stop,
    up: () => listen(port),
    async whileDown(work) {
      await stop();
      try {
        return await work();
      } finally {
        await listen(port);
      }
    },
    close: async () => {
      if (server.listening) await stop();
    },
  };
  return state;
}

function json(res: ServerResponse, body: unknown, cacheControl?: string): void {
  const text = JSON.stringify(body);
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...(cacheControl ? { 'cache-control': cacheControl } : {}),
  });
  res.end(text);
}

/** A signing key pair for tests: the public JWK to publish and a signer. */
export interface SigningKey {
  alg: string;
  kid: string;
  publicJwk: JWK;
  sign(payload: JWTPayload, header?: Record<string, unknown>): Promise<string>;
}

let keyCounter = 0;

export async function createSigningKey(alg = 'ES256', kid = `key-${++keyCounter}`): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}),
  });
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return {
    alg,
    kid,
    publicJwk,
    sign: (payload, header = {}) =>
      new SignJWT(payload).setProtectedHeader({ alg, kid, typ: 'at+jwt', ...header }).sign(privateKey),
  };
}
