// Route-level claim requirements: a predicate, or a map of claim name → expected value(s). A failed check is
// a 403 `insufficient_scope` (the token is valid, it just does not grant this resource: RFC 6750 §3.1);
// no token at all is a 401.
import { ConfigurationError, InsufficientScopeError, UnauthorizedError } from '../errors.js';
import { withRealm } from './realm.js';
import type { AuthResult, JwtPayload } from '../types.js';

export type ClaimValue = string | number | boolean;

/**
 * `{ claim: value }`: the claim equals `value`, or is an array containing it.
 * `{ claim: [a, b] }`: the claim's value(s) include every one of `a`, `b`.
 */
export type ClaimExpectations = Readonly<Record<string, ClaimValue | readonly ClaimValue[]>>;

export type ClaimPredicate<P extends JwtPayload = JwtPayload> = (
  payload: P,
  auth: AuthResult<P>,
) => boolean | Promise<boolean>;

export type ClaimRequirement<P extends JwtPayload = JwtPayload> = ClaimPredicate<P> | ClaimExpectations;

/** Rejects (throws) for a request whose token does not satisfy the requirement. */
export type ClaimCheck = (auth: AuthResult | undefined, realm?: string) => Promise<void>;

export function createClaimCheck<P extends JwtPayload = JwtPayload>(
  requirement: ClaimRequirement<P>,
): ClaimCheck {
  if (typeof requirement === 'function') {
    return async (auth, realm) => {
      if (!auth) throw withRealm(new UnauthorizedError(), realm);
      // The guard verified `auth`; declaring its claim types is the caller's contract (as with `validate`).
      const typed = auth as unknown as AuthResult<P>;
      if ((await requirement(typed.payload, typed)) !== true)
        throw denied(realm, 'Token claims do not grant access');
    };
  }
  const entries = validate(requirement);
  return async (auth, realm) => {
    if (!auth) throw withRealm(new UnauthorizedError(), realm);
    for (const [claim, expected] of entries) {
      if (!satisfies(auth.payload[claim], expected))
        throw denied(realm, `Claim ${claim} does not grant access`);
    }
  };
}

function validate(requirement: ClaimExpectations): Array<[string, ClaimValue | readonly ClaimValue[]]> {
  if (requirement === null || typeof requirement !== 'object') {
    throw new ConfigurationError('requireClaims() takes a predicate or a map such as { role: "admin" }');
  }
  const entries = Object.entries(requirement);
  if (entries.length === 0)
    throw new ConfigurationError('requireClaims() needs at least one claim, e.g. { role: "admin" }');
  for (const [claim, expected] of entries) {
    const values = Array.isArray(expected) ? expected : [expected];
    if (values.length === 0 || !values.every(isClaimValue)) {
      throw new ConfigurationError(
        `requireClaims(): the expectation for ${JSON.stringify(claim)} must be a string, number, boolean or a non-empty array of them`,
      );
    }
  }
  return entries;
}

function isClaimValue(value: unknown): value is ClaimValue {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

function satisfies(actual: unknown, expected: ClaimValue | readonly ClaimValue[]): boolean {
  const present = Array.isArray(actual) ? (actual as unknown[]) : [actual];
  const wanted: readonly ClaimValue[] = Array.isArray(expected) ? expected : [expected as ClaimValue];
  return wanted.every((value) => present.includes(value));
}

function denied(realm: string | undefined, description: string): InsufficientScopeError {
  return withRealm(new InsufficientScopeError([], description, 'ERR_CLAIM_CHECK_FAILED'), realm);
}
