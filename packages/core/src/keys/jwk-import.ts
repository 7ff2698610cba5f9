// A JWK turned into a VerificationKey after the key policy: the same checks apply to static keys and to keys
// from a JWKS, so a hostile or sloppy JWKS cannot smuggle in a weak key (RFC 8725 §3.5, RFC 7517 §4).
import { importJWK, type JWK } from 'jose';
import { MIN_RSA_MODULUS_BITS, algorithmSpec, curveMatches, type KeyType } from '../jws/algorithms.js';
import type { VerificationKey } from './key-source.js';
import { keyFits, withMemoisedImports } from './key-fit.js';
import { jwkModulusBits } from './rsa-modulus.js';

/** Why a JWK was not accepted; `undefined` means it is usable for verification. */
export function jwkRejectionReason(jwk: JWK): string | undefined {
  const kty = jwk.kty;
  if (kty !== 'RSA' && kty !== 'EC' && kty !== 'OKP') return `unsupported kty ${String(kty)}`;
  if (jwk.use !== undefined && jwk.use !== 'sig') return `use "${String(jwk.use)}" is not "sig"`;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
    return 'key_ops does not include "verify"';
  // A JWKS must never carry private material; refuse rather than silently strip it.
  if ('d' in jwk || 'p' in jwk || 'q' in jwk || 'dp' in jwk || 'dq' in jwk || 'qi' in jwk || 'k' in jwk)
    return 'private key members present';
  if (jwk.alg !== undefined) {
    const spec = typeof jwk.alg === 'string' ? algorithmSpec(jwk.alg) : undefined;
    if (!spec || spec.kty !== kty) return `alg ${String(jwk.alg)} does not fit kty ${kty}`;
    if (!curveMatches(spec, jwk.crv)) return `alg ${jwk.alg} does not fit curve ${String(jwk.crv)}`;
  }
  if (kty === 'RSA') {
    if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') return 'RSA key without n/e';
    if (jwkModulusBits(jwk.n) < MIN_RSA_MODULUS_BITS) return `RSA modulus under ${MIN_RSA_MODULUS_BITS} bits`;
    // Standard public exponent only (65537); tiny or even exponents enable forgeries on careless verifiers.
    if (jwk.e !== 'AQAB') return 'non-standard RSA public exponent';
  }
  if (kty === 'EC' && !['P-256', 'P-384', 'P-521'].includes(String(jwk.crv))) return 'unsupported EC curve';
  if (kty === 'OKP' && !['Ed25519', 'Ed448'].includes(String(jwk.crv))) return 'unsupported OKP curve';
  return undefined;
}

/** Build a VerificationKey from a JWK that passed `jwkRejectionReason`. */
export function verificationKeyFromJwk(jwk: JWK): VerificationKey {
  const kty = jwk.kty as KeyType;
  const publicJwk = publicMembers(jwk);
  return withMemoisedImports({
    kid: typeof jwk.kid === 'string' ? jwk.kid : undefined,
    kty,
    alg: typeof jwk.alg === 'string' ? jwk.alg : undefined,
    jwk: publicJwk,
    supports: (alg) => keyFits(alg, kty, jwk.crv, jwk.alg as string | undefined),
    importKey: (alg) => importJWK({ ...publicJwk, alg } as JWK, alg),
  });
}

const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg', 'use'] as const;

function publicMembers(jwk: JWK): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of PUBLIC_MEMBERS) if (jwk[name] !== undefined) out[name] = jwk[name];
  return out;
}
