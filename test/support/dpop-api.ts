// The resource-server side of the DPoP interop tests: an Express API guarded by jwtguard on 127.0.0.1, whose
// refusals carry jwtguard's `code` in the JSON body so a test that only speaks HTTP can tell them apart, and
// a local issuer signing access tokens with node:crypto (jose is core's dependency, not the root's).
import { generateKeyPairSync, sign, type JsonWebKey } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { RequestListener, Server } from 'node:http';
import express from 'express';
import { jwtErrorHandler, jwtGuard, type JwtGuardOptions, type Verifier } from '@jwtguard/express';

export const LOCAL_ISSUER = 'https://issuer.interop.test';
export const LOCAL_AUDIENCE = 'https://api.interop.test';

export interface LocalIssuer {
  /** The public JWK to pass as `keys`. */
  jwk: JsonWebKey & { kid: string; alg: string };
  /** An RFC 9068 access token (`typ: at+jwt`, ES256) with `claims` over iss, aud, sub, iat, exp. */
  token(claims?: Record<string, unknown>): string;
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function localIssuer(): LocalIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = 'local-es256';
  return {
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256' },
    token(claims = {}) {
      const now = Math.floor(Date.now() / 1000);
      const input = `${b64({ alg: 'ES256', typ: 'at+jwt', kid })}.${b64({
        iss: LOCAL_ISSUER,
        aud: LOCAL_AUDIENCE,
        sub: 'interop-user',
        client_id: 'interop-client',
        iat: now,
        exp: now + 300,
        ...claims,
      })}`;
      const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
      return `${input}.${signature.toString('base64url')}`;
    },
  };
}

/** What a test sees of one API answer. */
export interface ApiAnswer {
  status: number;
  /** jwtguard's code on a refusal (from the error handler below). */
  code: string | undefined;
  /** `error` of the JSON body on a refusal. */
  error: string | undefined;
  /** The thumbprint jwtguard accepted the proof key as, on success. */
  jkt: string | undefined;
  wwwAuthenticate: string | null;
  dpopNonce: string | null;
}

export interface DpopApi {
  /** Origin of the API, e.g. http://127.0.0.1:41234; routes: any method on /items and /other. */
  url: string;
  call(path: string, init: { method?: string; authorization?: string; dpop?: string }): Promise<ApiAnswer>;
}

/**
 * An Express app guarded by `jwtGuard(options)` and listening through `listen` (loopback-servers.ts). Every
 * route answers the accepted proof's thumbprint; refusals go through jwtErrorHandler with `code` added.
 */
export async function startDpopApi(
  listen: (listener: RequestListener) => Promise<Server>,
  options: JwtGuardOptions | Verifier,
): Promise<DpopApi> {
  const app = express();
  app.use(jwtGuard(options));
  app.all(['/items', '/other'], (req, res) => void res.json({ jkt: req.auth?.dpop?.jkt }));
  app.use(jwtErrorHandler({ body: (err, body) => ({ ...body, code: err.code }) }));
  const server = await listen(app);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async call(path, { method = 'GET', authorization, dpop }) {
      const headers: Record<string, string> = {};
      if (authorization !== undefined) headers.authorization = authorization;
      if (dpop !== undefined) headers.dpop = dpop;
      const response = await fetch(`${url}${path}`, { method, headers });
      const body = (await response.json()) as { code?: string; error?: string; jkt?: string };
      return {
        status: response.status,
        code: body.code,
        error: body.error,
        jkt: body.jkt,
        wwwAuthenticate: response.headers.get('www-authenticate'),
        dpopNonce: response.headers.get('dpop-nonce'),
      };
    },
  };
}
