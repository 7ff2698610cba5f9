// One small API per adapter behind a real HTTPS server on 127.0.0.1 that asks for client certificates (RFC
// 8705 §3 needs the certificate of the TLS connection), plus a client that presents one or none. Refusals
// are rendered as `{ code }` by each framework's own error path, so a test can tell the codes apart.
import { once } from 'node:events';
import { createServer, type Server, type ServerOptions } from 'node:https';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createHash, generateKeyPairSync, randomUUID, sign, type JsonWebKey } from 'node:crypto';
import { createAdaptorServer } from '@hono/node-server';
import express, { type ErrorRequestHandler } from 'express';
import { Hono } from 'hono';
import Koa from 'koa';
import type { VerifierOptions } from '@jwtguard/core';
import * as ex from '@jwtguard/express';
import * as hn from '@jwtguard/hono';
import * as ko from '@jwtguard/koa';
import type { TestCertificate, TestPki } from './x509-certificates.js';

export const ISSUER = 'https://issuer.mtls.test/';
export const AUDIENCE = 'https://api.mtls.test';

export interface MtlsResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { sub?: string | null; dpop?: string | null; code?: string };
}

export interface MtlsRequest {
  token?: string;
  /** `Bearer` (default) or `DPoP`. */
  scheme?: 'Bearer' | 'DPoP';
  /** The client certificate presented in the TLS handshake; none when absent. */
  certificate?: TestCertificate;
  headers?: Record<string, string>;
}

export interface MtlsApp {
  /** `https://127.0.0.1:<port>`: the origin the app sees, a DPoP proof's `htu` base. */
  origin: string;
  send(request: MtlsRequest): Promise<MtlsResponse>;
}

export type MtlsHarness = (
  verifier: Omit<VerifierOptions, 'issuer' | 'audience' | 'keys'>,
) => Promise<MtlsApp>;

/** A token signer with its public JWK, and a DPoP client key (RFC 9449 proofs signed here, with node:crypto). */
export interface TokenIssuer {
  jwk: JsonWebKey & { kid: string; alg: string };
  sign(claims: Record<string, unknown>): string;
}

function es256(signingInput: string, key: ReturnType<typeof generateKeyPairSync>['privateKey']): string {
  return sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
}

const json64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function createTokenIssuer(): TokenIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'mtls-1', alg: 'ES256' };
  return {
    jwk,
    sign(claims) {
      const now = Math.floor(Date.now() / 1000);
      const payload = { iss: ISSUER, aud: AUDIENCE, sub: 'client-one', iat: now, exp: now + 300, ...claims };
      const input = `${json64({ alg: 'ES256', kid: jwk.kid, typ: 'at+jwt' })}.${json64(payload)}`;
      return `${input}.${es256(input, privateKey)}`;
    },
  };
}

export interface DpopKey {
  /** RFC 7638 thumbprint: a bound token's `cnf.jkt`. */
  jkt: string;
  proof(htm: string, htu: string, accessToken: string): string;
}

export function createDpopKey(): DpopKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { crv, kty, x, y } = publicKey.export({ format: 'jwk' });
  const jwk = { crv, kty, x, y };
  return {
    // RFC 7638 §3.2: the required members, in lexicographic order, without white space.
    jkt: createHash('sha256').update(JSON.stringify(jwk)).digest('base64url'),
    proof(htm, htu, accessToken) {
      const payload = {
        jti: randomUUID(),
        htm,
        htu,
        iat: Math.floor(Date.now() / 1000),
        ath: createHash('sha256').update(accessToken).digest('base64url'),
      };
      const input = `${json64({ typ: 'dpop+jwt', alg: 'ES256', jwk })}.${json64(payload)}`;
      return `${input}.${es256(input, privateKey)}`;
    },
  };
}

/** TLS options of every server: ask for a client certificate, leave trust to the token's binding. */
export function tlsOptions(pki: TestPki): ServerOptions {
  // RFC 8705 §3 binds the token to the certificate itself, so the chain need not be trusted
  // (rejectUnauthorized: false); the handshake still proves the client holds the certificate's key.
  return {
    cert: pki.server.cert,
    key: pki.server.key,
    ca: pki.ca.cert,
    requestCert: true,
    rejectUnauthorized: false,
  };
}

type Closer = () => Promise<void>;

/** The three harnesses over one PKI; `closeAll` stops every server they started. */
export function mtlsHarnesses(pki: () => TestPki, issuer: () => TokenIssuer) {
  const closers: Closer[] = [];
  const options = (verifier: Parameters<MtlsHarness>[0]): VerifierOptions => ({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: issuer().jwk as VerifierOptions['keys'],
    ...verifier,
  });
  const start = async (server: Server): Promise<MtlsApp> => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });
    const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { origin, send: (request) => send(origin, pki().ca.cert, request) };
  };

  const harnesses: Record<string, MtlsHarness> = {
    async express(verifier) {
      const app = express();
      app.use(ex.jwtGuard(options(verifier)));
      app.get(
        '/me',
        (req, res) =>
          void res.json({ sub: req.auth?.payload.sub ?? null, dpop: req.auth?.dpop?.jkt ?? null }),
      );
      const render: ErrorRequestHandler = (err, _req, res, next) => {
        if (!ex.isJwtGuardError(err)) return next(err);
        res.status(err.status).set(err.headers).json({ code: err.code });
      };
      app.use(render);
      return start(createServer(tlsOptions(pki()), app));
    },

    async koa(verifier) {
      const app = new Koa();
      app.silent = true;
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (err) {
          if (!ko.isJwtGuardError(err)) throw err;
          ctx.status = err.status;
          ctx.set(err.headers);
          ctx.body = { code: err.code };
        }
      });
      app.use(ko.jwtGuard(options(verifier)));
      app.use((ctx) => {
        ctx.body = { sub: ctx.state.auth?.payload.sub ?? null, dpop: ctx.state.auth?.dpop?.jkt ?? null };
      });
      return start(createServer(tlsOptions(pki()), app.callback()));
    },

    async 'hono (node-server)'(verifier) {
      const app = new Hono<hn.OptionalJwtGuardEnv>();
      app.onError((err, c) => {
        const guardError = hn.jwtGuardErrorOf(err);
        if (!guardError) throw err;
        return c.json({ code: guardError.code }, guardError.status as 401, guardError.headers);
      });
      app.use(hn.jwtGuard(options(verifier)));
      app.get('/me', (c) =>
        c.json({ sub: c.var.auth?.payload.sub ?? null, dpop: c.var.auth?.dpop?.jkt ?? null }),
      );
      const server = createAdaptorServer({
        fetch: app.fetch,
        createServer,
        serverOptions: tlsOptions(pki()),
      }) as Server;
      return start(server);
    },
  };

  return {
    harnesses,
    async closeAll() {
      await Promise.all(closers.splice(0).map((close) => close()));
    },
  };
}

/** One request on its own connection (agent: false), so each presents exactly the certificate it names. */
function send(origin: string, ca: string, request: MtlsRequest): Promise<MtlsResponse> {
  const url = new URL('/me', origin);
  const headers: Record<string, string> = { ...request.headers };
  if (request.token !== undefined) headers.authorization = `${request.scheme ?? 'Bearer'} ${request.token}`;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'GET',
        headers,
        ca,
        agent: false,
        ...(request.certificate !== undefined
          ? { cert: request.certificate.cert, key: request.certificate.key }
          : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text === '' ? {} : JSON.parse(text),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
