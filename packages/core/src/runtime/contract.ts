// The runtime seam's contract, written once. `#crypto-runtime` (the package `imports` map) resolves to
// node.ts under the "node" condition and to web.ts everywhere else; each side declares that it `satisfies`
// CryptoRuntime, so the type check holds both to this file. The declarations below are what the `types`
// condition of `#crypto-runtime` points at: code importing the seam is typed against the contract, never
// against one side.
import type { VerificationKey } from '../keys/key-source.js';

/**
 * True when `signature` is a valid `alg` signature of `signingInput` (the ASCII text `header.payload`,
 * handed over as text so each side encodes it as cheaply as it can) under `key`. May answer synchronously
 * (node:crypto, key already converted); may reject when the key cannot be imported.
 */
export type SignatureCheck = (
  key: VerificationKey,
  alg: string,
  signingInput: string,
  signature: Uint8Array,
) => boolean | Promise<boolean>;

/** Everything the rest of core may ask of the runtime. Both sides must give identical decisions. */
export interface CryptoRuntime {
  /** Which side the imports map picked: `node` (node:crypto, Buffer) or `web` (Web Crypto, TextDecoder). */
  readonly name: 'node' | 'web';
  /** RFC 7515 §5.2 step 8: the one place a JWS signature is checked. */
  readonly verifySignature: SignatureCheck;
  /**
   * Bytes of `segment` when it is canonical base64url (RFC 7515 §2: the alphabet, no padding, no 4n+1
   * length, unused trailing bits zero); undefined otherwise.
   */
  readonly decodeBase64Url: (segment: string) => Uint8Array | undefined;
  /** Strict UTF-8 to text: a leading BOM dropped, any invalid sequence a thrown TypeError. */
  readonly decodeUtf8: (bytes: Uint8Array) => string;
  /** Unpadded base64url (RFC 7515 §2) of `bytes`. */
  readonly encodeBase64Url: (bytes: Uint8Array) => string;
  /**
   * base64url(SHA-256(text)) for ASCII `text` (a token, a JWK thumbprint's JSON): RFC 9449 `ath`, RFC 7638
   * thumbprints. Synchronous where the runtime can hash synchronously (Node), a promise otherwise.
   */
  readonly sha256Base64Url: (ascii: string) => string | Promise<string>;
  /**
   * base64url(SHA-256(bytes)) for binary input: RFC 8705 §3.1 `x5t#S256`, the thumbprint of a DER client
   * certificate. Synchronous where the runtime can hash synchronously (Node), a promise otherwise.
   */
  readonly sha256BytesBase64Url: (bytes: Uint8Array) => string | Promise<string>;
}

export declare const CRYPTO_RUNTIME: CryptoRuntime['name'];
export declare const verifySignature: CryptoRuntime['verifySignature'];
export declare const decodeBase64Url: CryptoRuntime['decodeBase64Url'];
export declare const decodeUtf8: CryptoRuntime['decodeUtf8'];
export declare const encodeBase64Url: CryptoRuntime['encodeBase64Url'];
export declare const sha256Base64Url: CryptoRuntime['sha256Base64Url'];
export declare const sha256BytesBase64Url: CryptoRuntime['sha256BytesBase64Url'];
