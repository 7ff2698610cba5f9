// @jwtguard/issuer public API. Fixed names (DESIGN.md): createIssuer with issueTokens, refresh, revoke,
// rotateKeys, jwks.
export {
  createMemoryKeyStore,
  SIGNING_ALGORITHMS,
  type KeyStore,
  type SigningAlgorithm,
  type StoredKey,
} from './key-store.js';
export type {
  IssuedAccessToken,
  RefreshFamily,
  RefreshRotation,
  RefreshRotationResult,
  RefreshTokenRecord,
  RefreshTokenStore,
} from './refresh-store.js';
export {
  createMemoryRefreshTokenStore,
  type MemoryRefreshTokenStoreOptions,
} from './memory-refresh-store.js';
export {
  createIssuer,
  type Duration,
  type IssueTokensInput,
  type Issuer,
  type IssuerEvent,
  type IssuerOptions,
  type RefreshInput,
  type ResolvedIssuerOptions,
  type RevocationTarget,
  type RevokeInput,
  type RotationOptions,
  type TokenSet,
} from './issuer.js';
export type { Handler, IssuerHandlers } from './handlers.js';
export type { KeyStatus, RotationInfo } from './signing-keys.js';
export type { ExternalSigner } from './signer.js';
export { OAuthError, isOAuthError, type OAuthErrorCode } from './oauth-error.js';
export type { ClientConfig, GrantType } from './client-auth.js';
export { createFileKeyStore, type FileKeyStoreOptions } from './file-key-store.js';
export {
  decryptPrivateJwk,
  decryptStoredKey,
  encryptPrivateJwk,
  encryptStoredKey,
  toEncryptionKey,
  type EncryptedJwk,
  type EncryptedStoredKey,
  type EncryptionKeyInput,
} from './key-encryption.js';
export { hashRefreshToken } from './refresh-token.js';
export { createNodeListener, type NodeListener } from './node-listener.js';
