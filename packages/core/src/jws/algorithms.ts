// Which JWS algorithms exist, which key each needs (RFC 7518 §3, RFC 8037), and what we allow by default.
// Binding alg to key type is what defeats RS256→HS256 confusion (RFC 8725 §2.1, §3.1).

export type KeyType = 'RSA' | 'EC' | 'OKP' | 'oct';

interface AlgorithmSpec {
  kty: KeyType;
  /** EC/OKP curve the algorithm requires. */
  crv?: string | readonly string[];
  /** Minimum HMAC secret length in bytes (RFC 7518 §3.2: at least the hash output size). */
  minSecretBytes?: number;
}

export const ALGORITHMS: Readonly<Record<string, AlgorithmSpec>> = {
  HS256: { kty: 'oct', minSecretBytes: 32 },
  HS384: { kty: 'oct', minSecretBytes: 48 },
  HS512: { kty: 'oct', minSecretBytes: 64 },
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  EdDSA: { kty: 'OKP', crv: ['Ed25519', 'Ed448'] },
  Ed25519: { kty: 'OKP', crv: 'Ed25519' },
};

/** Default allow-list for asymmetric key sources (JWKS, discovery, public keys). */
export const ASYMMETRIC_ALGORITHMS: readonly string[] = Object.keys(ALGORITHMS).filter(
  (alg) => ALGORITHMS[alg]?.kty !== 'oct',
);

/** RSA moduli below this are refused (RFC 7518 §3.3, §3.5). */
export const MIN_RSA_MODULUS_BITS = 2048;

/** Own-property lookup: a header `alg` of "__proto__" or "constructor" must not find anything. */
export function algorithmSpec(alg: string): AlgorithmSpec | undefined {
  return Object.prototype.hasOwnProperty.call(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined;
}

export function curveMatches(spec: AlgorithmSpec, crv: string | undefined): boolean {
  if (spec.crv === undefined) return true;
  return typeof spec.crv === 'string' ? spec.crv === crv : crv !== undefined && spec.crv.includes(crv);
}
