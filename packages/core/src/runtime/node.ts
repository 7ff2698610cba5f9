// The Node side of the signature seam (`#crypto-runtime`, chosen by the package `imports` map under the
// "node" condition). One-shot `crypto.verify` on a KeyObject converted once per key and algorithm is much
// cheaper than Web Crypto: no promise, no CryptoKey lookup, no copy of the data into a job. Decisions
// must equal web.ts exactly; test/crypto-paths.test.ts runs the security suite against both.
import { isUtf8 } from 'node:buffer';
import { KeyObject, constants, createHash, createHmac, timingSafeEqual, verify } from 'node:crypto';
import type { CryptoRuntime } from './contract.js';
import type { VerificationKey } from '../keys/key-source.js';
import { cryptoKeyFits } from './web-crypto-params.js';

export const CRYPTO_RUNTIME = 'node';

/** How to verify one `alg` with node:crypto, compiled once per (key, alg). `null` = this key cannot. */
type Check = (signingInput: string, signature: Uint8Array) => boolean;

const DIGEST: Readonly<Record<string, string>> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };
/** RFC 7518 §3.4: an ES* signature is R || S, each exactly the curve's coordinate size. */
const ES_SIGNATURE_BYTES: Readonly<Record<string, number>> = { ES256: 64, ES384: 96, ES512: 132 };

// Keyed by the VerificationKey object: a key dropped from a JWKS is garbage, and so is its entry here.
const compiled = new WeakMap<VerificationKey, Map<string, Check | null>>();

/**
 * True when `signature` is a valid `alg` signature of `signingInput` under `key`. Synchronous once the
 * key has been converted for `alg` (the first call per key and algorithm awaits the import).
 */
export function verifySignature(
  key: VerificationKey,
  alg: string,
  signingInput: string,
  signature: Uint8Array,
): boolean | Promise<boolean> {
  const checks = compiled.get(key);
  const check = checks?.get(alg);
  if (check !== undefined) return check !== null && check(signingInput, signature);
  return compile(key, alg).then((fresh) => fresh !== null && fresh(signingInput, signature));
}

async function compile(key: VerificationKey, alg: string): Promise<Check | null> {
  // A failed import rejects (the verifier counts it as "does not verify") and is not remembered.
  const imported = await key.importFor(alg);
  // Same refusals as the Web Crypto path: a raw secret, or a CryptoKey imported for another algorithm
  // (KeyObject forgets the binding, so the check must happen here, before it is lost).
  const check =
    imported instanceof Uint8Array || !cryptoKeyFits(imported, alg) ? null : checkFor(alg, imported);
  let checks = compiled.get(key);
  if (!checks) compiled.set(key, (checks = new Map()));
  checks.set(alg, check);
  return check;
}

function checkFor(alg: string, cryptoKey: CryptoKey): Check | null {
  const keyObject = KeyObject.from(cryptoKey);
  const digest = DIGEST[alg.slice(-3)];
  switch (alg.slice(0, 2)) {
    case 'HS': {
      if (!digest) return null;
      return (input, signature) => {
        // The HMAC reads the text itself: no bytes are allocated for the signing input.
        const mac = createHmac(digest, keyObject).update(input, 'latin1').digest();
        // Constant time over equal lengths; a length mismatch says nothing about the secret.
        return mac.length === signature.length && timingSafeEqual(mac, signature);
      };
    }
    case 'RS':
      return digest ? (input, signature) => verify(digest, ascii(input), keyObject, signature) : null;
    case 'PS': {
      if (!digest) return null;
      // RFC 7518 §3.5: MGF1 with the same hash, salt exactly as long as the hash output.
      const options = {
        key: keyObject,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: Number(alg.slice(-3)) / 8,
      };
      return (input, signature) => verify(digest, ascii(input), options, signature);
    }
    case 'ES': {
      const size = ES_SIGNATURE_BYTES[alg];
      if (!digest || size === undefined) return null;
      // JWS carries raw R || S (IEEE P1363), not DER.
      const options = { key: keyObject, dsaEncoding: 'ieee-p1363' as const };
      return (input, signature) =>
        signature.length === size && verify(digest, ascii(input), options, signature);
    }
    default:
      // EdDSA / Ed25519: the curve fixes the hash, so node:crypto takes no digest name.
      return alg === 'EdDSA' || alg === 'Ed25519'
        ? (input, signature) => verify(null, ascii(input), keyObject, signature)
        : null;
  }
}

/**
 * Bytes of `segment` when it is canonical base64url (RFC 7515 §2: the alphabet, no padding, no 4n+1
 * length, unused trailing bits zero); undefined otherwise. Node's decoder is lenient (it skips what it does
 * not understand), so canonical means "encodes back to exactly the same text": one native round trip
 * instead of a regular expression over the segment plus a check of the last character.
 */
export function decodeBase64Url(segment: string): Uint8Array | undefined {
  const bytes = Buffer.from(segment, 'base64url');
  return bytes.toString('base64url') === segment ? bytes : undefined;
}

/**
 * Strict UTF-8 to text, as `new TextDecoder('utf-8', { fatal: true })` decodes it (a leading BOM dropped,
 * any invalid sequence an error). Native validation plus Buffer decoding: JSON.parse reads the string it
 * gives faster than the TextDecoder's output (bench/RESULTS.md).
 */
export function decodeUtf8(bytes: Uint8Array): string {
  if (!isUtf8(bytes)) throw new TypeError('The encoded data is not valid UTF-8');
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8', start);
}

/** Reused for every signing input: verify is synchronous, so no two checks ever share it at once. */
let scratch = Buffer.allocUnsafeSlow(8192);

/**
 * The bytes of `text` (a signing input, ASCII once the verifier has decoded all three segments, so latin1
 * is exact), written into one reused buffer: valid only until the next call. Saves allocating and
 * collecting a token-sized buffer per verification.
 */
function ascii(text: string): Buffer {
  if (text.length > scratch.length) scratch = Buffer.allocUnsafeSlow(text.length);
  return scratch.subarray(0, scratch.write(text, 0, 'latin1'));
}

export function encodeBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/** Synchronous: node:crypto hashes without a promise, so a DPoP check waits for nothing but the store. */
export function sha256Base64Url(ascii: string): string {
  return createHash('sha256').update(ascii, 'latin1').digest('base64url');
}

/** Synchronous, like the text hash: a certificate-bound token is checked without a promise on Node. */
export function sha256BytesBase64Url(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64url');
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
