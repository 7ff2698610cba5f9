// Reading granted scopes from a token. RFC 9068 §2.2.3 / RFC 8693 §4.2 use `scope`, a space-delimited
// string; Azure AD and Okta use `scp` (string or array); Auth0 RBAC uses `permissions` (array).
import { defaults } from '../defaults.js';
import type { JwtPayload } from '../types.js';

export const DEFAULT_SCOPE_CLAIMS: readonly string[] = defaults.scopeClaim;

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

/** Distinct scope strings a reader remembers, and the longest it remembers (a table past the first starts over). */
const REMEMBERED_SCOPE_STRINGS = 256;
const REMEMBERED_SCOPE_LENGTH = 1024;
const NO_SCOPES: readonly string[] = Object.freeze([]);

/**
 * getScopes for one configuration, answering frozen lists the caller copies. A token usually carries its
 * scopes in one space-delimited string, the same string in every token of a client, so the split of each
 * such string is remembered: a lookup instead of a split and a duplicate check per token. Bounded
 * in count and length; only ever fed verified tokens.
 */
export function createScopeReader(
  scopeClaims: readonly string[],
): (payload: JwtPayload) => readonly string[] {
  const claims = [...scopeClaims];
  const lists = new Map<string, readonly string[]>();
  return (payload) => {
    let text: string | undefined;
    for (let i = 0; i < claims.length; i++) {
      const claim = claims[i] as string;
      if (!Object.prototype.hasOwnProperty.call(payload, claim)) continue;
      const value = payload[claim];
      // Arrays, or several scope claims at once: the general path, not remembered.
      if (typeof value !== 'string' || text !== undefined) return Object.freeze(getScopes(payload, claims));
      text = value;
    }
    if (text === undefined) return NO_SCOPES;
    let list = lists.get(text);
    if (list === undefined) {
      list = Object.freeze(getScopes({ scope: text }, 'scope'));
      if (text.length <= REMEMBERED_SCOPE_LENGTH) {
        if (lists.size >= REMEMBERED_SCOPE_STRINGS) lists.clear();
        lists.set(text, list);
      }
    }
    return list;
  };
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
