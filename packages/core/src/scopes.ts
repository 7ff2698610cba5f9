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
  const claims = typeof scopeClaim === 'string' ? [scopeClaim] : scopeClaim;
  const scopes = new Set<string>();
  for (const claim of claims) {
    if (!Object.prototype.hasOwnProperty.call(payload, claim)) continue;
    const value = payload[claim];
    const items = typeof value === 'string' ? value.split(' ') : Array.isArray(value) ? value : [];
    for (const item of items) if (typeof item === 'string' && item !== '') scopes.add(item);
  }
  return [...scopes];
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
