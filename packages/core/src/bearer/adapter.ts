// The continuation every framework adapter shares. An adapter describes how its framework hands over a
// request and continues or refuses it (an AdapterBinding); this module runs the guard and the route checks
// over that description, so the order of steps, the preflight pass, the realm hand-off and the synchronous
// continuation are written once and Express, Koa and Hono cannot drift apart.
import { createGuard, type GuardOptions, type GuardRequest } from './guard.js';
import { realmOf, rememberRealm } from './realm.js';
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
      const realm = guard.realm;
      return (source, next) => {
        if (realm !== undefined) rememberRealm(source, realm);
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
          attach(source, outcome);
          return proceed(source, next);
        }
        return outcome.then(
          (auth) => {
            attach(source, auth);
            return proceed(source, next);
          },
          (err: unknown) => refuse(source, next, err),
        );
      };
    },
    route(check) {
      return (source, next) => {
        let pending: void | Promise<void>;
        try {
          pending = check(binding.auth(source), realmOf(source));
        } catch (err) {
          return refuse(source, next, err);
        }
        if (!(pending instanceof Promise)) return proceed(source, next);
        return pending.then(
          () => proceed(source, next),
          (err: unknown) => refuse(source, next, err),
        );
      };
    },
  };
}
