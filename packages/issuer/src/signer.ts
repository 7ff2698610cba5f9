// The one seam through which every token is signed: a local key from the key store, or an external signer
// (KMS, HSM) that never hands out its private key. Tokens are assembled here as compact JWS (RFC 7515 §7.1)
// so both paths produce byte-identical structure.
import { createPrivateKey, sign as nodeSign, constants, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { SigningAlgorithm } from './key-store.js';

/**
 * Signs with a key held elsewhere. `sign` receives the JWS signing input (ASCII `header.payload`) and must
 * return the JWS signature bytes (RFC 7518 §3): for ES256 the 64-byte `r || s` form, not DER (AWS KMS and
 * most HSMs return DER: convert it), for PS256 a salt length of 32.
 */
export interface ExternalSigner {
  kid: string;
  alg: SigningAlgorithm;
  /** The public key as published in the JWKS; `kid`, `alg` and `use` are filled in when missing. */
  publicJwk: JWK;
  sign(data: Uint8Array): Promise<Uint8Array>;
}

/** A signer built from a private JWK of the key store. */
export function localSigner(
  kid: string,
  alg: SigningAlgorithm,
  publicJwk: JWK,
  privateJwk: JWK,
): ExternalSigner {
  const key = createPrivateKey({ key: privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  return { kid, alg, publicJwk, sign: async (data) => signWith(alg, key, data) };
}

function signWith(alg: SigningAlgorithm, key: KeyObject, data: Uint8Array): Uint8Array {
  switch (alg) {
    case 'RS256':
      return nodeSign('sha256', data, key);
    case 'PS256':
      // RFC 7518 §3.5: MGF1 with SHA-256 and a salt as long as the hash.
      return nodeSign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    case 'ES256':
      // RFC 7518 §3.4: the signature is the raw concatenation r || s, not ASN.1 DER.
      return nodeSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA':
      return nodeSign(null, data, key);
  }
}

const encoder = new TextEncoder();

export function base64url(input: Uint8Array | string): string {
  return Buffer.from(typeof input === 'string' ? encoder.encode(input) : input).toString('base64url');
}

/** Sign `payload` into a compact JWS with `header` (alg and kid come from the signer). */
export async function signCompact(
  signer: ExternalSigner,
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
): Promise<string> {
  const protectedHeader = { ...header, alg: signer.alg, kid: signer.kid };
  const signingInput = `${base64url(JSON.stringify(protectedHeader))}.${base64url(JSON.stringify(payload))}`;
  const signature = await signer.sign(encoder.encode(signingInput));
  return `${signingInput}.${base64url(signature)}`;
}
