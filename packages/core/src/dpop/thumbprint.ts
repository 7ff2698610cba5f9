// RFC 7638 JWK thumbprints: the SHA-256 of the key's required members, in lexicographic order, as JSON
// without white space. This is what a DPoP-bound token's `cnf.jkt` names (RFC 9449 §6.1).
import { sha256Base64Url } from '../runtime/crypto-runtime.js';

/** RFC 7638 §3.2: the required members of each key type, already in lexicographic order. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  RSA: ['e', 'kty', 'n'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
};

/** The JSON the thumbprint hashes; undefined for a key type without one or a member that is not a string. */
export function thumbprintInput(jwk: Readonly<Record<string, unknown>>): string | undefined {
  const members = typeof jwk.kty === 'string' ? REQUIRED[jwk.kty] : undefined;
  if (members === undefined) return undefined;
  const parts: string[] = [];
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== 'string') return undefined;
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(value)}`);
  }
  return `{${parts.join(',')}}`;
}

/** base64url(SHA-256(thumbprint input)): synchronous on Node. */
export function jwkThumbprint(input: string): string | Promise<string> {
  return sha256Base64Url(input);
}
