// @jwtguard/issuer public API. Fixed names (docs/ARCHITECTURE.md, "Packages"): createIssuer with
// issueTokens, refresh, revoke, rotateKeys, jwks.
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
export { createIssuer } from './issuer.js';
export {
  createMemoryRevocationLog,
  type MemoryRevocationLogOptions,
  type RevocationLogEntry,
  type RevocationLogStore,
} from './revocation-log.js';
export { SESSION_REVOKED_EVENT, TOKEN_REVOKED_EVENT } from './revocation-events.js';
export type {
  ClientCertificateSource,
  DpopNonceOptions,
  Duration,
  Handler,
  HandlerContext,
  IssueTokensInput,
  Issuer,
  IssuerDpopOptions,
  IssuerEvent,
  IssuerHandlers,
  IssuerOptions,
  RefreshInput,
  ResolvedIssuerOptions,
  RevocationFeedOptions,
  RevocationPushReceiver,
  RevocationTarget,
  RevokeInput,
  RotationOptions,
  TokenSet,
} from './types.js';
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
export { certificateThumbprint } from './mtls.js';
