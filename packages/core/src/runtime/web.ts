// The Web Crypto side of the signature seam (`#crypto-runtime` on Bun, Deno, Workers and anything that is
// not Node). Same contract and decisions as node.ts.
import type { CryptoRuntime } from './contract.js';
import type { VerificationKey } from '../keys/key-source.js';
import { verifyParams } from './web-crypto-params.js';

export const CRYPTO_RUNTIME = 'web';

const encoder = new TextEncoder();

/** True when `signature` is a valid `alg` signature of `signingInput` under `key`; false otherwise. */
export async function verifySignature(
  key: VerificationKey,
  alg: string,
  signingInput: string,
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
    encoder.encode(signingInput),
  );
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** ASCII code → 6-bit value; -1 outside the base64url alphabet. */
const VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

/** The 6-bit value of the character at `at`; -1 for anything outside the alphabet, including non-ASCII. */
function sextet(segment: string, at: number): number {
  const code = segment.charCodeAt(at);
  return code < 128 ? (VALUES[code] ?? -1) : -1;
}

/**
 * Bytes of `segment` when it is canonical base64url (RFC 7515 §2: the alphabet, no padding, no 4n+1
 * length, unused trailing bits zero); undefined otherwise. Validates while decoding, in one pass.
 */
export function decodeBase64Url(segment: string): Uint8Array | undefined {
  const length = segment.length;
  const rest = length % 4;
  if (rest === 1) return undefined;
  const out = new Uint8Array(((length - rest) / 4) * 3 + (rest === 0 ? 0 : rest - 1));
  // Any character outside the alphabet makes `bad` negative (-1 has every bit set).
  let bad = 0;
  let o = 0;
  let i = 0;
  // Four characters → three bytes; the 2- or 3-character tail below.
  for (; i + 4 <= length; i += 4) {
    const a = sextet(segment, i);
    const b = sextet(segment, i + 1);
    const c = sextet(segment, i + 2);
    const d = sextet(segment, i + 3);
    bad |= a | b | c | d;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    out[o++] = (n >> 8) & 0xff;
    out[o++] = n & 0xff;
  }
  if (rest !== 0) {
    const a = sextet(segment, i);
    const b = sextet(segment, i + 1);
    const c = rest === 3 ? sextet(segment, i + 2) : 0;
    bad |= a | b | c;
    // The last character carries 4 (2) bits that encode nothing: they must be zero, or two spellings of
    // one signature would both verify (malleability, which breaks caches and denylists keyed by token).
    if ((rest === 2 ? b & 0x0f : c & 0x03) !== 0) return undefined;
    const n = (a << 18) | (b << 12) | (c << 6);
    out[o++] = n >> 16;
    if (rest === 3) out[o++] = (n >> 8) & 0xff;
  }
  return bad < 0 ? undefined : out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 to text (a leading BOM dropped, any invalid sequence an error), as node.ts does. */
export function decodeUtf8(bytes: Uint8Array): string {
  return utf8.decode(bytes);
}

export function encodeBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest > 0) {
    const n = ((bytes[i] as number) << 16) | (rest === 2 ? (bytes[i + 1] as number) << 8 : 0);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]!;
    if (rest === 2) out += ALPHABET[(n >> 6) & 63]!;
  }
  return out;
}

export async function sha256Base64Url(ascii: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(ascii));
  return encodeBase64Url(new Uint8Array(digest));
}

export async function sha256BytesBase64Url(bytes: Uint8Array): Promise<string> {
  // Cast: TypeScript's DOM lib wants ArrayBuffer-backed views; any Uint8Array works at runtime.
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return encodeBase64Url(new Uint8Array(digest));
}

/** This side of the seam, held to the contract by the type check. */
export const cryptoRuntime = {
  name: CRYPTO_RUNTIME,
  verifySignature,
  decodeBase64Url,
  decodeUtf8,
  encodeBase64Url,
  sha256Base64Url,
  sha256BytesBase64Url,
} satisfies CryptoRuntime;
