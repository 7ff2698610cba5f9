// Scope strings (RFC 6749 §3.3): space-delimited, case-sensitive tokens of printable ASCII without '"' or '\'.
import { OAuthError } from './oauth-error.js';

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/** Parse a scope parameter or list into unique tokens, refusing malformed ones with invalid_scope. */
export function parseScope(scope: string | readonly string[] | undefined | null): string[] {
  if (scope === undefined || scope === null) return [];
  const tokens = typeof scope === 'string' ? scope.split(' ').filter((token) => token !== '') : [...scope];
  for (const token of tokens) {
    if (!SCOPE_TOKEN.test(token)) throw new OAuthError('invalid_scope', 'malformed scope');
  }
  return [...new Set(tokens)];
}

/** The requested scopes when every one of them is allowed; otherwise invalid_scope. */
export function narrowScope(requested: string[], allowed: readonly string[]): string[] {
  const permitted = new Set(allowed);
  const refused = requested.filter((token) => !permitted.has(token));
  if (refused.length > 0) throw new OAuthError('invalid_scope', `scope not granted: ${refused.join(' ')}`);
  return requested;
}
