// The runtime seam, and the only module that imports `#crypto-runtime`. The package `imports` map picks the
// side at load time: node:crypto one-shot verify and Buffer decoding under the "node" condition (node.ts),
// Web Crypto and TextDecoder everywhere else (web.ts). Nothing else in core asks which runtime it is on;
// both sides satisfy the contract in contract.ts.
export {
  CRYPTO_RUNTIME,
  verifySignature,
  decodeBase64Url,
  decodeUtf8,
  encodeBase64Url,
  sha256Base64Url,
  sha256BytesBase64Url,
} from '#crypto-runtime';
export type { CryptoRuntime, SignatureCheck } from './contract.js';
