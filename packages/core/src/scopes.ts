// Reading granted scopes from a token. RFC 9068 §2.2.3 / RFC 8693 §4.2 use `scope`, a space-delimited
// string; Azure AD and Okta use `scp` (string or array); Auth0 RBAC uses `permissions` (array).
import type { JwtPayload } from './types.js';

export const DEFAULT_SCOPE_CLAIMS: readonly string[] = ['scope', 'scp'];

/**
 * The scopes granted by `payload`: the union, in order, of every configured claim that is present. A string
 * claim is split on spaces; an array contributes its string members. Anything else contributes nothing.
 *
 * @example
 * getScopes({ scope: 'read write', scp: ['admin'] });   // ['read', 'write', 'admin']
 * getScopes({ permissions: ['read:items'] }, 'permissions'); // ['read:items']
 */
export function getScopes(
  payload: JwtPayload,
  scopeClaim: string | readonly string[] = DEFAULT_SCOPE_CLAIMS,
): string[] {
  // Runs on every verified request, cache hits included: collect into one array (no Set, spread or
  // wrapping array) and pay for de-duplication only when a duplicate is actually there.
  const scopes: string[] = [];
  if (typeof scopeClaim === 'string') collect(scopes, payload, scopeClaim);
  else for (const claim of scopeClaim) collect(scopes, payload, claim);
  return hasDuplicates(scopes) ? [...new Set(scopes)] : scopes;
}

/** Above this many scopes a Set finds duplicates faster than comparing every pair. */
const PAIRWISE_LIMIT = 32;

function collect(scopes: string[], payload: JwtPayload, claim: string): void {
  if (!Object.prototype.hasOwnProperty.call(payload, claim)) return;
  const value = payload[claim];
  const items: readonly unknown[] =
    typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
  for (const item of items) if (typeof item === 'string' && item !== '') scopes.push(item);
}

function hasDuplicates(scopes: readonly string[]): boolean {
  if (scopes.length > PAIRWISE_LIMIT) return new Set(scopes).size !== scopes.length;
  for (let i = 1; i < scopes.length; i++)
    if (scopes.lastIndexOf(scopes[i] as string, i - 1) !== -1) return true;
  return false;
}

/**
 * True when every one of `required` is granted (vacuously true for none).
 *
 * @example
 * hasAllScopes(auth.scopes, ['read:items', 'write:items']);
 */
export function hasAllScopes(granted: readonly string[], required: readonly string[]): boolean {
  return required.every((scope) => granted.includes(scope));
}

/**
 * True when at least one of `required` is granted (false for none).
 *
 * @example
 * hasAnyScope(auth.scopes, ['admin', 'items:owner']);
 */
export function hasAnyScope(granted: readonly string[], required: readonly string[]): boolean {
  return required.some((scope) => granted.includes(scope));
}
