// @jwtguard/hono: Hono 4 middleware on Web-standard APIs only (Node, Bun, Deno, Workers). Every decision is
// taken by @jwtguard/core (the guard, the route checks, the continuation in createAdapter); this file only
// translates. Errors are thrown as HTTPException whose response already carries the status,
// WWW-Authenticate / Retry-After and the JSON body, so Hono's default handler answers correctly; in
// `app.onError` the JwtGuardError is `err.cause`.
import type { Context, MiddlewareHandler, Next } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  createClaimCheck,
  createAdapter,
  createScopeCheck,
  errorResponse,
  isJwtGuardError,
  nodePeerCertificateReader,
  type AuthResult,
  type ClaimRequirement,
  type GuardOptions as CoreGuardOptions,
  type JwtGuardError,
  type JwtPayload,
  type Verifier,
  type VerifierOptions,
} from '@jwtguard/core';
import { clientAddressOf } from './client-address.js';

/** The Hono `Env` set by `jwtGuard<P>()`: `c.var.auth` is the verified token. */
export interface JwtGuardEnv<P extends JwtPayload = JwtPayload> {
  Variables: { auth: AuthResult<P> };
}

/** The Hono `Env` set by `jwtGuard<P>({ optional: true })`: `c.var.auth` is undefined without a token. */
export interface OptionalJwtGuardEnv<P extends JwtPayload = JwtPayload> {
  Variables: { auth: AuthResult<P> | undefined };
}

export type GuardOptions = CoreGuardOptions<Context>;
export type JwtGuardOptions = VerifierOptions & GuardOptions;

const hono = createAdapter<Context, Next, Promise<void>>({
  request: (c) => ({
    method: c.req.method,
    url: pathAndQuery(c.req.url),
    origin: originOf(c.req.url),
    // Fetch Headers join a repeated Authorization header with ", ", which core refuses as two tokens.
    headers: c.req.raw.headers,
    clientAddress: clientAddressOf(c),
    // RFC 8705 §3: a reader of the TLS client certificate (one per connection), called only for a bound token.
    clientCertificate: nodePeerCertificateReader(incomingSocket(c)),
    source: c,
  }),
  attach: (c, auth) => c.set('auth', auth),
  auth: (c) => c.get('auth'),
  setHeader: (c, name, value) => c.header(name, value),
  proceed: (_c, next) => next(),
  refuse: (_c, _next, err) => Promise.reject(toHttpException(err)),
});

/**
 * Verifies the bearer token and sets `c.var.auth`. Builds one verifier here, at setup; pass a Verifier
 * instead of options to share one (and its JWKS cache) between apps.
 *
 * @example app.use('/api/*', jwtGuard({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' }));
 */
export function jwtGuard<P extends JwtPayload = JwtPayload>(
  optionsOrVerifier: JwtGuardOptions | Verifier<P>,
  guardOptions: GuardOptions & { optional: true },
): MiddlewareHandler<OptionalJwtGuardEnv<P>>;
export function jwtGuard<P extends JwtPayload = JwtPayload>(
  optionsOrVerifier: JwtGuardOptions & { optional: true },
  guardOptions?: GuardOptions,
): MiddlewareHandler<OptionalJwtGuardEnv<P>>;
export function jwtGuard<P extends JwtPayload = JwtPayload>(
  optionsOrVerifier: (JwtGuardOptions & { optional?: false }) | Verifier<P>,
  guardOptions?: GuardOptions & { optional?: false },
): MiddlewareHandler<JwtGuardEnv<P>>;
export function jwtGuard<P extends JwtPayload = JwtPayload>(
  optionsOrVerifier: JwtGuardOptions | Verifier<P>,
  guardOptions?: GuardOptions,
): MiddlewareHandler<OptionalJwtGuardEnv<P>>;
export function jwtGuard<P extends JwtPayload = JwtPayload>(
  optionsOrVerifier: JwtGuardOptions | Verifier<P>,
  guardOptions?: GuardOptions,
): MiddlewareHandler<OptionalJwtGuardEnv<P>> | MiddlewareHandler<JwtGuardEnv<P>> {
  return hono.guard(optionsOrVerifier, guardOptions) as MiddlewareHandler<OptionalJwtGuardEnv<P>>;
}

/** 403 `insufficient_scope` unless the token grants every one of `scopes` (401 without a token). */
export function requireScopes(...scopes: string[]): MiddlewareHandler<OptionalJwtGuardEnv> {
  return hono.route(createScopeCheck('all', scopes)) as MiddlewareHandler<OptionalJwtGuardEnv>;
}

/** 403 `insufficient_scope` unless the token grants at least one of `scopes` (401 without a token). */
export function requireAnyScope(...scopes: string[]): MiddlewareHandler<OptionalJwtGuardEnv> {
  return hono.route(createScopeCheck('any', scopes)) as MiddlewareHandler<OptionalJwtGuardEnv>;
}

/** 403 unless the token's claims satisfy `check`: a predicate, or `{ claim: value | [values to include] }`. */
export function requireClaims<P extends JwtPayload = JwtPayload>(
  check: ClaimRequirement<P>,
): MiddlewareHandler<OptionalJwtGuardEnv> {
  return hono.route(createClaimCheck(check)) as MiddlewareHandler<OptionalJwtGuardEnv>;
}

/** The JwtGuardError behind an error reaching `app.onError`, if it is one. */
export function jwtGuardErrorOf(err: unknown): JwtGuardError | undefined {
  if (isJwtGuardError(err)) return err;
  return err instanceof HTTPException && isJwtGuardError(err.cause) ? err.cause : undefined;
}

// @hono/node-server hands the Node request over as `c.env.incoming`: its socket is the TLS connection (read
// by shape, as client-address.ts reads the peer). Other runtimes give Hono no client certificate: undefined.
function incomingSocket(c: Context): unknown {
  const env: unknown = c.env;
  if (env === null || typeof env !== 'object') return undefined;
  return (env as { incoming?: { socket?: unknown } | null }).incoming?.socket;
}

// The same `url` the Node adapters report (path and query), so `validate` hooks see one shape everywhere.
function pathAndQuery(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return start < 0 ? '/' : url.slice(start);
}

// The request URL's scheme and host, as the runtime built it (on node-server: the connection and Host).
function originOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return start < 0 ? url : url.slice(0, start);
}

function toHttpException(err: unknown): unknown {
  if (!isJwtGuardError(err)) return err;
  const { status, headers, body } = errorResponse(err);
  const res = new Response(JSON.stringify(body), { status, headers });
  return new HTTPException(status as ContentfulStatusCode, { res, message: err.description, cause: err });
}

export {
  JwtGuardError,
  UnauthorizedError,
  InvalidRequestError,
  InvalidTokenError,
  InsufficientScopeError,
  UnavailableError,
  ConfigurationError,
  isJwtGuardError,
  createVerifier,
  headerValues,
} from '@jwtguard/core';
export type {
  AuthResult,
  ClaimRequirement,
  JwtGuardErrorCode,
  JwtHeader,
  JwtPayload,
  KeyInput,
  Verifier,
  VerifierOptions,
} from '@jwtguard/core';
