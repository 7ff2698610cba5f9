// @jwtguard/koa: Koa 2/3 middleware. Every decision is taken by @jwtguard/core (the guard, the route checks,
// the continuation in createAdapter); this file only translates. Errors are rejected as they are: a
// JwtGuardError is http-errors compatible (status, statusCode, expose, headers), so Koa's default
// ctx.onerror already sends the status and WWW-Authenticate, and an app's own try/catch middleware sees a
// JwtGuardError it can branch on by `code`.
import type { Context, DefaultState, Middleware, Next, ParameterizedContext } from 'koa';
import {
  createAdapter,
  createClaimCheck,
  createScopeCheck,
  errorResponse,
  isJwtGuardError,
  nodeGuardRequest,
  type AuthResult,
  type ClaimRequirement,
  type ErrorResponseBody,
  type GuardOptions as CoreGuardOptions,
  type JwtGuardError,
  type JwtPayload,
  type Verifier,
  type VerifierOptions,
} from '@jwtguard/core';

declare module 'koa' {
  interface DefaultState {
    /** The verified access token, set by `jwtGuard()` (undefined in optional mode without a token). */
    auth?: AuthResult;
  }
}

/** `ctx.state` after `jwtGuard<P>()`: declare your claims through `P`. */
export interface JwtGuardState<P extends JwtPayload = JwtPayload> {
  auth?: AuthResult<P>;
}

export type GuardOptions = CoreGuardOptions<Context>;
export type JwtGuardOptions = VerifierOptions & GuardOptions;

const koa = createAdapter<Context, Next, Promise<unknown>>({
  request: (ctx) => nodeGuardRequest(ctx.req, ctx.originalUrl, ctx),
  attach: (ctx, auth) => void (ctx.state.auth = auth),
  auth: (ctx) => ctx.state.auth,
  setHeader: (ctx, name, value) => ctx.set(name, value),
  proceed: (_ctx, next) => next(),
  refuse: (_ctx, _next, err) => Promise.reject(err),
});

/**
 * Verifies the bearer token and sets `ctx.state.auth`. Builds one verifier here, at setup; pass a Verifier
 * instead of options to share one (and its JWKS cache) between apps.
 *
 * @example app.use(jwtGuard({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' }));
 */
export function jwtGuard<P extends JwtPayload = JwtPayload>(
  optionsOrVerifier: JwtGuardOptions | Verifier<P>,
  guardOptions?: GuardOptions,
): Middleware<DefaultState & JwtGuardState<P>> {
  return koa.guard(optionsOrVerifier, guardOptions) as Middleware<DefaultState & JwtGuardState<P>>;
}

/** 403 `insufficient_scope` unless the token grants every one of `scopes` (401 without a token). */
export function requireScopes(...scopes: string[]): Middleware {
  return koa.route(createScopeCheck('all', scopes)) as Middleware;
}

/** 403 `insufficient_scope` unless the token grants at least one of `scopes` (401 without a token). */
export function requireAnyScope(...scopes: string[]): Middleware {
  return koa.route(createScopeCheck('any', scopes)) as Middleware;
}

/** 403 unless the token's claims satisfy `check`: a predicate, or `{ claim: value | [values to include] }`. */
export function requireClaims<P extends JwtPayload = JwtPayload>(check: ClaimRequirement<P>): Middleware {
  return koa.route(createClaimCheck(check)) as Middleware;
}

export interface JwtErrorHandlerOptions {
  /** Replace the JSON body (default `{ error, error_description }`); status and headers stay. */
  body?: (err: JwtGuardError, body: ErrorResponseBody) => unknown;
}

/**
 * Optional middleware, mounted first, rendering jwtguard errors as JSON with their status,
 * `WWW-Authenticate` and `Retry-After` (Koa's default handler sends plain text); other errors propagate.
 */
export function jwtErrorHandler(options: JwtErrorHandlerOptions = {}): Middleware {
  return async (ctx: ParameterizedContext, next) => {
    try {
      await next();
    } catch (err) {
      if (!isJwtGuardError(err)) throw err;
      const response = errorResponse(err);
      ctx.status = response.status;
      ctx.set(response.headers);
      ctx.body = options.body ? options.body(err, response.body) : response.body;
    }
  };
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
