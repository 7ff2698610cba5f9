// The identity a revocation is recorded under and the subject cutoff comparison, shared by every Denylist
// store (memory here, Redis in @jwtguard/redis); the rest of the rule they share is revocation-rule.ts.
import { sha256Base64Url } from '../runtime/crypto-runtime.js';
import type { AuthResult } from '../types.js';

/**
 * The identity a revocation is recorded under: the issuer plus the `jti`, or, for a token without `jti`,
 * a SHA-256 of its signing input (`header.payload`). The hash form is weaker: it revokes that exact token
 * only, and needs the token itself (not just its id) to revoke.
 */
export interface RevocationId {
  iss: string;
  id: string;
}

/**
 * Synchronous where the runtime hashes synchronously (Node), so a store answering from memory needs no
 * promise even for a token without `jti`; a promise elsewhere.
 */
export function revocationId(
  result: Pick<AuthResult, 'token' | 'payload' | 'issuer'>,
): RevocationId | Promise<RevocationId> {
  const jti = result.payload.jti;
  if (typeof jti === 'string' && jti !== '') return { iss: result.issuer, id: `jti:${jti}` };
  const signingInput = result.token.slice(0, result.token.lastIndexOf('.'));
  const issuer = result.issuer;
  const digest = sha256Base64Url(signingInput);
  return typeof digest === 'string'
    ? { iss: issuer, id: `sha256:${digest}` }
    : digest.then((hash) => ({ iss: issuer, id: `sha256:${hash}` }));
}

/** The id under which a known `jti` is revoked (for revoke({ jti }) calls without the token). */
export function jtiRevocationId(iss: string, jti: string): RevocationId {
  return { iss, id: `jti:${jti}` };
}

/**
 * Subject cutoff ("logout everywhere"): a token of the subject is revoked when its `iat` is strictly before
 * `before` (NumericDate seconds, fractional allowed). With the default `before` = now as a fractional
 * second, a token issued in the same whole second as the cutoff is refused too: erring towards refusal, a
 * token minted within that second must be re-issued. A token without `iat` cannot prove it is newer, so it
 * is revoked.
 */
export function isBeforeCutoff(iat: unknown, before: number): boolean {
  return typeof iat !== 'number' || !Number.isFinite(iat) || iat < before;
}
