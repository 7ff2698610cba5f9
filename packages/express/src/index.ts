// @jwtguard/express: Express 4/5 middleware. Every decision is taken by @jwtguard/core (the guard, the route
// checks, the continuation in createAdapter); this file only translates between Express's (req, res, next)
// and them. Errors go to next(err) carrying status/statusCode/headers/expose, so Express's own handler
// already answers with the right status and WWW-Authenticate, and an app's error middleware sees a
// JwtGuardError it can branch on by `code`.
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler } from 'express';
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
  type RouteCheck,
  type Verifier,
  type VerifierOptions,
} from '@jwtguard/core';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified access token, set by `jwtGuard()` (undefined in optional mode without a token). */
      auth?: AuthResult;
    }
  }
}

export type GuardOptions = CoreGuardOptions<Request>;
export type JwtGuardOptions = VerifierOptions & GuardOptions;

const express = createAdapter<Request, NextFunction, void>({
  request: (req) => nodeGuardRequest(req, req.originalUrl, req),
  attach: (req, auth) => void (req.auth = auth),
  auth: (req) => req.auth,
  setHeader: (req, name, value) => void req.res?.setHeader(name, value),
  proceed: (_req, next) => next(),
  refuse: (_req, next, err) => next(err),
});

// Express 5 would also route a returned promise's rejection to next(): the handler returns nothing.
const handler =
  (handle: (req: Request, next: NextFunction) => unknown): RequestHandler =>
  (req, _res, next) =>
    void handle(req, next);

/**
 * Verifies the bearer token and sets `req.auth`. Builds one verifier here, at setup; pass a Verifier instead
 * of options to share one (and its JWKS cache) between apps.
 *
 * @example app.use(jwtGuard({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' }));
 */
export function jwtGuard<P extends JwtPayload = JwtPayload>(
  optionsOrVerifier: JwtGuardOptions | Verifier<P>,
  guardOptions?: GuardOptions,
): RequestHandler {
  return handler(express.guard(optionsOrVerifier, guardOptions));
}

const route = (check: RouteCheck): RequestHandler => handler(express.route(check));

/** 403 `insufficient_scope` unless the token grants every one of `scopes` (401 without a token). */
export function requireScopes(...scopes: string[]): RequestHandler {
  return route(createScopeCheck('all', scopes));
}

/** 403 `insufficient_scope` unless the token grants at least one of `scopes` (401 without a token). */
export function requireAnyScope(...scopes: string[]): RequestHandler {
  return route(createScopeCheck('any', scopes));
}

/** 403 unless the token's claims satisfy `check`: a predicate, or `{ claim: value | [values to include] }`. */
export function requireClaims<P extends JwtPayload = JwtPayload>(check: ClaimRequirement<P>): RequestHandler {
  return route(createClaimCheck(check));
}

export interface JwtErrorHandlerOptions {
  /** Replace the JSON body (default `{ error, error_description }`); status and headers stay. */
  body?: (err: JwtGuardError, body: ErrorResponseBody) => unknown;
}

/**
 * Optional error middleware rendering jwtguard errors as JSON with their status, `WWW-Authenticate` and
 * `Retry-After`; other errors pass through to the next handler. Mount it after your routes.
 */
export function jwtErrorHandler(options: JwtErrorHandlerOptions = {}): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (!isJwtGuardError(err) || res.headersSent) return next(err);
    const response = errorResponse(err);
    res
      .status(response.status)
      .set(response.headers)
      .json(options.body ? options.body(err, response.body) : response.body);
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
