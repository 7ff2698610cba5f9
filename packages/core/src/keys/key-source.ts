// The seam between "where keys come from" (static keys, a JWKS cache) and the verification pipeline.
import type { JwtHeader } from '../types.js';

/** A public (or HMAC) key that passed the key policy, ready to verify the algorithms it supports. */
export interface VerificationKey {
  readonly kid: string | undefined;
  readonly kty: 'RSA' | 'EC' | 'OKP' | 'oct';
  /** The JWK `alg`, when the key is bound to a single algorithm. */
  readonly alg: string | undefined;
  /** Whether this key may verify a token signed with `alg` (key type, curve, bound `alg`, HMAC strength). */
  supports(alg: string): boolean;
  /** The key imported for `alg` through Web Crypto (memoised: imported once per key and algorithm). */
  importFor(alg: string): Promise<CryptoKey | Uint8Array>;
  /** The public JWK (absent for non-extractable CryptoKeys and HMAC secrets). */
  readonly jwk: Readonly<Record<string, unknown>> | undefined;
}

/** Where one issuer's keys come from. */
export interface KeySource {
  /**
   * Candidate keys for a token's header (by `kid` when present), already filtered by `supports(alg)`.
   * Answers synchronously when the keys are at hand (static keys, a fresh cached JWKS that has the kid), so
   * the common request awaits nothing before the signature check; otherwise a promise. `[]` when the
   * source answered but holds no matching key; fails with `UnavailableError` (a rejection, or a throw when
   * answering synchronously) when keys cannot be obtained and none are cached.
   */
  getKeys(header: JwtHeader): readonly VerificationKey[] | Promise<readonly VerificationKey[]>;
  /** Fetch eagerly (JWKS); a no-op for static keys. */
  warmUp(): Promise<void>;
}
