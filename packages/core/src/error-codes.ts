// Every `code` a jwtguard error can carry, in one list: callers branch on these (logs, metrics, their own
// error bodies), so a code is part of the public API. Each is documented once, in the README's table.
export const ERROR_CODES = [
  // 400 invalid_request (RFC 6750 §3.1)
  'ERR_INVALID_REQUEST',
  // 401 without an error code: no credentials (RFC 6750 §3.1)
  'ERR_TOKEN_MISSING',
  // 401 invalid_token
  'ERR_JWT_TOO_LARGE',
  'ERR_JWT_MALFORMED',
  'ERR_JWS_INVALID',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWS_SIGNATURE_INVALID',
  'ERR_JWT_CLAIM_INVALID',
  'ERR_JWT_EXPIRED',
  'ERR_JWT_NOT_YET_VALID',
  'ERR_JWT_VALIDATION_FAILED',
  'ERR_JWT_REVOKED',
  'ERR_JWT_INVALID',
  // 401 invalid_token: sender constraints (RFC 9449 §7.2, RFC 8705 §3)
  'ERR_DPOP_BOUND_TOKEN_AS_BEARER',
  'ERR_DPOP_TOKEN_NOT_BOUND',
  'ERR_DPOP_REQUIRED',
  'ERR_MTLS_BINDING_UNSUPPORTED',
  'ERR_MTLS_CERTIFICATE_MISSING',
  'ERR_MTLS_CERTIFICATE_MISMATCH',
  // 401 invalid_dpop_proof (RFC 9449 §4.3, §7.1)
  'ERR_DPOP_PROOF_MISSING',
  'ERR_DPOP_PROOF_MULTIPLE',
  'ERR_DPOP_PROOF_MALFORMED',
  'ERR_DPOP_PROOF_TYP',
  'ERR_DPOP_PROOF_ALG',
  'ERR_DPOP_PROOF_JWK',
  'ERR_DPOP_PROOF_SIGNATURE',
  'ERR_DPOP_PROOF_JTI',
  'ERR_DPOP_PROOF_HTM',
  'ERR_DPOP_PROOF_HTU',
  'ERR_DPOP_PROOF_IAT',
  'ERR_DPOP_PROOF_ATH',
  'ERR_DPOP_PROOF_REPLAYED',
  'ERR_DPOP_KEY_MISMATCH',
  // 401 use_dpop_nonce (RFC 9449 §8)
  'ERR_DPOP_NONCE_REQUIRED',
  // 403 insufficient_scope
  'ERR_INSUFFICIENT_SCOPE',
  'ERR_CLAIM_CHECK_FAILED',
  // 503 with Retry-After: a dependency needed for a safe answer is down
  'ERR_JWKS_UNAVAILABLE',
  'ERR_DENYLIST_UNAVAILABLE',
  'ERR_DPOP_REPLAY_STORE_UNAVAILABLE',
  // thrown at construction, never for a request
  'ERR_CONFIGURATION',
] as const;

export type JwtGuardErrorCode = (typeof ERROR_CODES)[number];

const KNOWN: ReadonlySet<string> = new Set(ERROR_CODES);

export function isJwtGuardErrorCode(value: unknown): value is JwtGuardErrorCode {
  return typeof value === 'string' && KNOWN.has(value);
}
