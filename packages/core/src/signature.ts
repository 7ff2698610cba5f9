// THE signature seam: the one place a JWS signature is checked (RFC 7515 §5.2 step 8). The implementation is
// chosen at load time by the package `imports` map (`#crypto-runtime`): node:crypto one-shot verify under the
// "node" condition (crypto-node.ts), Web Crypto everywhere else (crypto-web.ts). Nothing else in the pipeline
// asks which runtime it is on. The same seam decodes base64url and UTF-8 (native `Buffer` on Node), see
// compact.ts and safe-json.ts.
import type { VerificationKey } from './key-source.js';

export { verifySignature, CRYPTO_RUNTIME } from '#crypto-runtime';

/**
 * The seam's contract: true when `signature` is a valid `alg` signature of `signingInput` (the ASCII text
 * `header.payload`, handed over as text so each side encodes it as cheaply as it can) under `key`. May
 * answer synchronously (node:crypto, key already converted); may reject when the key cannot be imported.
 */
export type SignatureCheck = (
  key: VerificationKey,
  alg: string,
  signingInput: string,
  signature: Uint8Array,
) => boolean | Promise<boolean>;
