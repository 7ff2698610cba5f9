// A tiny authorization server for the conformance suite: a real node:http server on 127.0.0.1:0 publishing
// discovery metadata and a JWKS, plus an endpoint that always fails (to exercise "JWKS down, cold cache").
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, sign } from 'node:crypto';

export interface TestAuthServer {
  /** `http://127.0.0.1:<port>`: the `iss` of every token it signs. */
  issuer: string;
  jwksUri: string;
  /** A JWKS URI that answers 500 every time. */
  brokenJwksUri: string;
  /** The published key set, for verifiers configured with static keys. */
  jwks: { keys: Array<Record<string, unknown>> };
  /** Signs an ES256 access token; `claims` override the defaults (`null` removes a claim). */
  sign(claims?: Record<string, unknown>, options?: { forge?: boolean }): Promise<string>;
  close(): Promise<void>;
}

export const AUDIENCE = 'https://api.conformance.test';

export async function startAuthServer(): Promise<TestAuthServer> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // Same kid and alg, different key: what an attacker who knows the kid but not the key produces.
  const forger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'conformance-1', alg: 'ES256', use: 'sig' };
  let issuer = '';
  const server: Server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    } else if (req.url === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' });
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.writeHead(req.url === '/broken-jwks' ? 500 : 404).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let serial = 0;

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    brokenJwksUri: `${issuer}/broken-jwks`,
    jwks: { keys: [jwk] },
    async sign(claims = {}, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload: Record<string, unknown> = {
        iss: issuer,
        aud: AUDIENCE,
        sub: 'alice',
        iat: now,
        exp: now + 600,
        jti: `conformance-${++serial}`,
        scope: 'read:items',
        ...claims,
      };
      for (const key of Object.keys(payload)) if (payload[key] === null) delete payload[key];
      // Signed with node:crypto directly (JWS compact serialisation, RFC 7515 §7.1; ES256 signatures are
      // the raw r||s form, RFC 7518 §3.4), so the suite does not share code with the verifier it tests.
      const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const signingInput = `${encode({ alg: 'ES256', kid: jwk.kid, typ: 'at+jwt' })}.${encode(payload)}`;
      const signature = sign('sha256', Buffer.from(signingInput), {
        key: options.forge ? forger : privateKey,
        dsaEncoding: 'ieee-p1363',
      });
      return `${signingInput}.${signature.toString('base64url')}`;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
