// @jwtguard/hono: Hono 4 middleware on Web-standard APIs only (Node, Bun, Deno, Workers). Every decision is
// taken by @jwtguard/core's guard and checks; this file only translates. Errors are thrown as HTTPException
// whose response already carries the status, WWW-Authenticate / Retry-After and the JSON body, so Hono's
// default handler answers correctly; in `app.onError` the JwtGuardError is `err.cause`.
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  createClaimCheck,
  createGuard,
  createScopeCheck,
  errorResponse,
  isJwtGuardError,
  type AuthResult,
  type ClaimRequirement,
  type GuardOptions as CoreGuardOptions,
  type JwtGuardError,
  type JwtPayload,
  type ScopeCheck,
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

// The realm of the guard that saw a request, so route checks issue the same challenge.
const realms = new WeakMap<object, string>();

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
  const guard = createGuard<P, Context>(optionsOrVerifier, guardOptions);
  // Not an async function: with the answer at hand the request goes on to next() without a microtask turn.
  const middleware: MiddlewareHandler<OptionalJwtGuardEnv<P>> = (c, next) => {
    if (guard.realm !== undefined) realms.set(c, guard.realm);
    const headers = c.req.raw.headers;
    if (guard.isPreflight(c.req.method, headers)) return next();
    let outcome: AuthResult<P> | undefined | Promise<AuthResult<P> | undefined>;
    try {
      // Fetch Headers join a repeated Authorization header with ", ", which core refuses as two tokens.
      const url = pathAndQuery(c.req.url);
      const clientAddress = clientAddressOf(c);
      outcome = guard.authenticateNow({ method: c.req.method, url, headers, clientAddress, source: c });
    } catch (err) {
      return Promise.reject(toHttpException(err));
    }
    if (!(outcome instanceof Promise)) {
      c.set('auth', outcome);
      return next();
    }
    return outcome.then(
      (auth) => {
        c.set('auth', auth);
        return next();
      },
      (err: unknown) => {
        throw toHttpException(err);
      },
    );
  };
  return middleware;
}

/** 403 `insufficient_scope` unless the token grants every one of `scopes` (401 without a token). */
export function requireScopes(...scopes: string[]): MiddlewareHandler<OptionalJwtGuardEnv> {
  return scopeMiddleware(createScopeCheck('all', scopes));
}

/** 403 `insufficient_scope` unless the token grants at least one of `scopes` (401 without a token). */
export function requireAnyScope(...scopes: string[]): MiddlewareHandler<OptionalJwtGuardEnv> {
  return scopeMiddleware(createScopeCheck('any', scopes));
}

/** 403 unless the token's claims satisfy `check`: a predicate, or `{ claim: value | [values to include] }`. */
export function requireClaims<P extends JwtPayload = JwtPayload>(
  check: ClaimRequirement<P>,
): MiddlewareHandler<OptionalJwtGuardEnv> {
  const claimCheck = createClaimCheck(check);
  return async (c, next) => {
    try {
      await claimCheck(c.get('auth'), realms.get(c));
    } catch (err) {
      throw toHttpException(err);
    }
    await next();
  };
}

/** The JwtGuardError behind an error reaching `app.onError`, if it is one. */
export function jwtGuardErrorOf(err: unknown): JwtGuardError | undefined {
  if (isJwtGuardError(err)) return err;
  return err instanceof HTTPException && isJwtGuardError(err.cause) ? err.cause : undefined;
}

// The same `url` the Node adapters report (path and query), so `validate` hooks see one shape everywhere.
function pathAndQuery(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  return start < 0 ? '/' : url.slice(start);
}

function scopeMiddleware(check: ScopeCheck): MiddlewareHandler<OptionalJwtGuardEnv> {
  return async (c, next) => {
    try {
      check(c.get('auth'), realms.get(c));
    } catch (err) {
      throw toHttpException(err);
    }
    await next();
  };
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
  JwtHeader,
  JwtPayload,
  KeyInput,
  Verifier,
  VerifierOptions,
} from '@jwtguard/core';
