// The continuation every framework adapter shares. An adapter describes how its framework hands over a
// request and continues or refuses it (an AdapterBinding); this module runs the guard and the route checks
// over that description, so the order of steps, the preflight pass, the realm hand-off and the synchronous
// continuation are written once and Express, Koa and Hono cannot drift apart.
import { createGuard, type GuardOptions, type GuardRequest } from './guard.js';
import { isJwtGuardError } from '../errors.js';
import { challengeOf, rememberChallenge, type RequestChallenge } from './realm.js';
import type { AuthResult, JwtPayload, Verifier, VerifierOptions } from '../types.js';

/**
 * How one framework hands over a request (`Source`: Express `req`, Koa `ctx`, Hono `c`) and how it goes on
 * (`Next`, answering `R`). Pure translation: no decision belongs here.
 */
export interface AdapterBinding<Source extends object, Next, R> {
  /** The request as the guard reads it; `source` is also what a `getToken` option receives. */
  request(source: Source): GuardRequest<Source>;
  /** Where the verified token goes (`req.auth`, `ctx.state.auth`, `c.var.auth`); undefined in optional mode. */
  attach(source: Source, auth: AuthResult | undefined): void;
  /** Where a route check reads it back. */
  auth(source: Source): AuthResult | undefined;
  /** Sets a response header (`DPoP-Nonce` on a successful DPoP request when server nonces are on). */
  setHeader(source: Source, name: string, value: string): void;
  /** Continue to the next handler. */
  proceed(source: Source, next: Next): R;
  /** Hand a refusal (a JwtGuardError) to the framework's error path. */
  refuse(source: Source, next: Next, error: unknown): R;
}

/** A route-level check: throws (or rejects) to refuse, returns to let the request through. */
export type RouteCheck = (auth: AuthResult | undefined, realm: string | undefined) => void | Promise<void>;

export interface Adapter<Source extends object, Next, R> {
  /** The guard middleware: verifies the token, attaches it, continues synchronously when the answer is at hand. */
  guard<P extends JwtPayload = JwtPayload>(
    optionsOrVerifier: (VerifierOptions & GuardOptions<Source>) | Verifier<P>,
    guardOptions?: GuardOptions<Source>,
  ): (source: Source, next: Next) => R | Promise<R>;
  /** A route middleware running `check` (createScopeCheck, createClaimCheck) with the guard's realm. */
  route(check: RouteCheck): (source: Source, next: Next) => R | Promise<R>;
}

export function createAdapter<Source extends object, Next, R>(
  binding: AdapterBinding<Source, Next, R>,
): Adapter<Source, Next, R> {
  const { attach, proceed, refuse } = binding;
  return {
    guard(optionsOrVerifier, guardOptions) {
      // Built once, at setup: one verifier (and JWKS cache) per middleware, or the shared one passed in.
      const guard = createGuard<JwtPayload, Source>(optionsOrVerifier as Verifier, guardOptions);
      const dpop = guard.verifier.dpop;
      const challenge: RequestChallenge | undefined =
        guard.realm !== undefined || dpop !== undefined ? { realm: guard.realm, dpop } : undefined;
      const attachAuth = (source: Source, auth: AuthResult | undefined): void => {
        attach(source, auth);
        // RFC 9449 §8: the next nonce travels with every successful DPoP response.
        const nonce = auth?.dpop?.nonce;
        if (nonce !== undefined) binding.setHeader(source, 'DPoP-Nonce', nonce);
      };
      return (source, next) => {
        if (challenge !== undefined) rememberChallenge(source, challenge);
        let outcome: AuthResult | undefined | Promise<AuthResult | undefined>;
        try {
          const request = binding.request(source);
          // A CORS preflight carries no credentials by design (Fetch standard): it goes on untouched.
          if (guard.isPreflight(request.method, request.headers)) return proceed(source, next);
          outcome = guard.authenticateNow(request);
        } catch (err) {
          return refuse(source, next, err);
        }
        // An answer at hand continues synchronously: an asynchronous next() costs a server more than the
        // verification it waited for.
        if (!(outcome instanceof Promise)) {
          attachAuth(source, outcome);
          return proceed(source, next);
        }
        return outcome.then(
          (auth) => {
            attachAuth(source, auth);
            return proceed(source, next);
          },
          (err: unknown) => refuse(source, next, err),
        );
      };
    },
    route(check) {
      return (source, next) => {
        const auth = binding.auth(source);
        const challenge = challengeOf(source);
        let pending: void | Promise<void>;
        try {
          pending = check(auth, challenge?.realm);
        } catch (err) {
          return refuse(source, next, routeError(err, auth, challenge));
        }
        if (!(pending instanceof Promise)) return proceed(source, next);
        return pending.then(
          () => proceed(source, next),
          (err: unknown) => refuse(source, next, routeError(err, auth, challenge)),
        );
      };
    },
  };
}

/** A route's refusal names what the guard's would: the realm, and for a DPoP request a DPoP challenge. */
function routeError(
  err: unknown,
  auth: AuthResult | undefined,
  challenge: RequestChallenge | undefined,
): unknown {
  if (isJwtGuardError(err)) {
    if (challenge?.dpop !== undefined) err.dpop ??= challenge.dpop;
    if (auth?.dpop !== undefined) err.scheme = 'DPoP';
  }
  return err;
}
