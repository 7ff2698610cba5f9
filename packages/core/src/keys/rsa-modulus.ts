// RSA key size, counted the same way whatever the key's form (JWK `n`, the DER inside a PEM): RFC 8725 §3.5
// and NIST SP 800-131A count the modulus in bits, so a 2047-bit key is under 2048 whichever way it arrives.
import { decodeBase64Url } from '../runtime/crypto-runtime.js';

/** Exact bit length of the unsigned big-endian integer in `bytes[start, end)`: leading zeros do not count. */
export function unsignedBitLength(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let first = start;
  while (first < end && bytes[first] === 0) first++;
  if (first === end) return 0;
  return (end - first) * 8 - (Math.clz32(bytes[first] as number) - 24);
}

/** Bits of a JWK's `n`; 0 when it is not canonical base64url (such a key is refused as too small). */
export function jwkModulusBits(n: string): number {
  const bytes = decodeBase64Url(n);
  return bytes === undefined ? 0 : unsignedBitLength(bytes);
}
