// Route-level scope requirements (RFC 6750 §3.1 `insufficient_scope`). The scopes are validated once, when
// the route is declared, so a typo such as "read items" fails at start-up instead of refusing every request.
import { ConfigurationError, InsufficientScopeError, UnauthorizedError } from '../errors.js';
import { hasAllScopes, hasAnyScope } from '../claims/scope-claim.js';
import type { AuthResult } from '../types.js';
import { withRealm } from './realm.js';

export type ScopeMode = 'all' | 'any';

/** Throws for a request that lacks the scopes; returns normally when it has them. */
export type ScopeCheck = (auth: AuthResult | undefined, realm?: string) => void;

// RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). The same set keeps the challenge's
// quoted-string intact.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

export function createScopeCheck(mode: ScopeMode, scopes: readonly string[]): ScopeCheck {
  const name = mode === 'all' ? 'requireScopes' : 'requireAnyScope';
  if (scopes.length === 0)
    throw new ConfigurationError(`${name}() needs at least one scope, e.g. ${name}('read:items')`);
  for (const scope of scopes) {
    if (typeof scope !== 'string' || !SCOPE_TOKEN.test(scope)) {
      throw new ConfigurationError(
        `${name}(): ${JSON.stringify(scope)} is not a scope token (RFC 6749 §3.3: no spaces, quotes or backslashes); pass each scope as its own argument`,
      );
    }
  }
  const required = [...new Set(scopes)];
  const description =
    mode === 'all' || required.length === 1
      ? `Requires scope ${required.join(' ')}`
      : `Requires one of the scopes ${required.join(' ')}`;
  return (auth, realm) => {
    if (!auth) throw withRealm(new UnauthorizedError(), realm);
    const ok = mode === 'all' ? hasAllScopes(auth.scopes, required) : hasAnyScope(auth.scopes, required);
    if (!ok) throw withRealm(new InsufficientScopeError(required, description), realm);
  };
}
