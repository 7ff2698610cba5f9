// The JOSE header policy (RFC 7515 §4.1, RFC 8725 §3.1, §3.11, RFC 9068 §4). The header is attacker-controlled
// until the signature is checked, so it may only *narrow* what we accept: it never chooses a key (embedded
// `jwk`, `jku`, `x5u`, `x5c` are ignored and never fetched), never widens the algorithm set, and never asks
// for processing we do not implement (`crit`).
import { InvalidTokenError } from '../errors.js';
import type { JwtHeader } from '../types.js';

export interface HeaderPolicy {
  /** Allowed `alg` values (exact, case-sensitive as RFC 7515 §4.1.1 requires). */
  algorithms: ReadonlySet<string>;
  /** Normalised accepted `typ` values (see `normaliseMediaType`), or undefined to accept any. */
  typ: ReadonlySet<string> | undefined;
}

/**
 * RFC 7515 §4.1.9/§4.1.10: media types may omit the `application/` prefix and compare case-insensitively, so
 * `at+jwt`, `AT+JWT` and `application/at+jwt` are one value.
 */
export function normaliseMediaType(value: string): string {
  const lower = value.toLowerCase();
  return lower.startsWith('application/') ? lower.slice('application/'.length) : lower;
}

/** Check a decoded protected header against the policy; returns it typed as a JwtHeader. */
export function checkHeader(header: Record<string, unknown>, policy: HeaderPolicy): JwtHeader {
  const alg = header.alg;
  if (typeof alg !== 'string' || alg === '') {
    throw new InvalidTokenError('ERR_JWS_INVALID', 'Token header has no alg');
  }
  // "none" in any casing is refused explicitly, even if someone listed it: an unsecured JWS is not a proof.
  if (alg.toLowerCase() === 'none' || !policy.algorithms.has(alg)) {
    throw new InvalidTokenError('ERR_JOSE_ALG_NOT_ALLOWED', 'Token algorithm is not allowed');
  }
  if (header.kid !== undefined && typeof header.kid !== 'string') {
    throw new InvalidTokenError('ERR_JWS_INVALID', 'Token header kid must be a string');
  }
  if (header.crit !== undefined) {
    // RFC 7515 §4.1.11: crit lists extensions the recipient MUST understand; it must not be empty. We
    // implement no extension (notably not RFC 7797 unencoded payloads), so any listed one is refused.
    const crit = header.crit;
    if (!Array.isArray(crit) || crit.length === 0) {
      throw new InvalidTokenError('ERR_JWS_INVALID', 'Token header crit must be a non-empty array');
    }
    throw new InvalidTokenError('ERR_JWS_INVALID', 'Token header lists an unsupported critical extension');
  }
  if (header.b64 !== undefined) {
    // RFC 7797 §6: b64 is only meaningful with crit; a verifier that ignored `b64: false` would check the
    // signature over different bytes than the signer meant.
    throw new InvalidTokenError('ERR_JWS_INVALID', 'Token header b64 is not supported');
  }
  if (header.cty !== undefined) {
    if (typeof header.cty !== 'string')
      throw new InvalidTokenError('ERR_JWS_INVALID', 'Token header cty is invalid');
    // RFC 7519 §5.2: cty "JWT" marks a nested token; the outer signature says nothing about the inner issuer.
    if (normaliseMediaType(header.cty) === 'jwt') {
      throw new InvalidTokenError('ERR_JWS_INVALID', 'Nested tokens are not accepted');
    }
  }
  if (header.typ !== undefined && typeof header.typ !== 'string') {
    throw new InvalidTokenError('ERR_JWT_CLAIM_INVALID', 'Token header typ is invalid', { claim: 'typ' });
  }
  if (policy.typ && (typeof header.typ !== 'string' || !policy.typ.has(normaliseMediaType(header.typ)))) {
    // RFC 8725 §3.11 / RFC 9068 §4: explicit typing keeps an ID token from being replayed as an access token.
    throw new InvalidTokenError('ERR_JWT_CLAIM_INVALID', 'Token type is not accepted', { claim: 'typ' });
  }
  return header as JwtHeader;
}
