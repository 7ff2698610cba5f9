// The identity a revocation is recorded under and the subject cutoff comparison, shared by every Denylist
// store (memory here, Redis in @jwtguard/redis); the rest of the rule they share is revocation-rule.ts.
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

export async function revocationId(
  result: Pick<AuthResult, 'token' | 'payload' | 'issuer'>,
): Promise<RevocationId> {
  const jti = result.payload.jti;
  if (typeof jti === 'string' && jti !== '') return { iss: result.issuer, id: `jti:${jti}` };
  const signingInput = result.token.slice(0, result.token.lastIndexOf('.'));
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(signingInput));
  return { iss: result.issuer, id: `sha256:${base64url(new Uint8Array(digest))}` };
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

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
