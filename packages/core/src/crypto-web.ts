// The Web Crypto side of the signature seam (`#crypto-runtime` on Bun, Deno, Workers and anything that is
// not Node). Same contract and decisions as crypto-node.ts.
import type { VerificationKey } from './key-source.js';
import { verifyParams } from './web-crypto-algorithms.js';

export const CRYPTO_RUNTIME = 'web';

/** True when `signature` is a valid `alg` signature of `signingInput` under `key`; false otherwise. */
export async function verifySignature(
  key: VerificationKey,
  alg: string,
  signingInput: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const imported = await key.importFor(alg);
  // Key sources hand over CryptoKeys; a raw secret here would be a key source bug, not a valid signature.
  if (imported instanceof Uint8Array) return false;
  // Cast: TypeScript's DOM lib wants ArrayBuffer-backed views; any Uint8Array works at runtime.
  return crypto.subtle.verify(
    verifyParams(alg, imported),
    imported,
    signature as Uint8Array<ArrayBuffer>,
    signingInput as Uint8Array<ArrayBuffer>,
  );
}

const VALUES = new Uint8Array(128);
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

/** Bytes of a base64url segment the caller has already checked to be canonical (compact.ts). */
export function decodeBase64Url(segment: string): Uint8Array {
  const length = segment.length;
  const out = new Uint8Array(Math.floor((length * 3) / 4));
  let o = 0;
  let i = 0;
  // Four characters → three bytes; the 2- or 3-character tail below.
  for (; i + 4 <= length; i += 4) {
    const n =
      ((VALUES[segment.charCodeAt(i)] ?? 0) << 18) |
      ((VALUES[segment.charCodeAt(i + 1)] ?? 0) << 12) |
      ((VALUES[segment.charCodeAt(i + 2)] ?? 0) << 6) |
      (VALUES[segment.charCodeAt(i + 3)] ?? 0);
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  const rest = length - i;
  if (rest >= 2) {
    const n =
      ((VALUES[segment.charCodeAt(i)] ?? 0) << 18) |
      ((VALUES[segment.charCodeAt(i + 1)] ?? 0) << 12) |
      (rest === 3 ? (VALUES[segment.charCodeAt(i + 2)] ?? 0) << 6 : 0);
    out[o++] = n >> 16;
    if (rest === 3) out[o++] = (n >> 8) & 0xff;
  }
  return out;
}
