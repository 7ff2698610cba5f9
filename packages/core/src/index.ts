// @jwtguard/core public API. Fixed names (docs/ARCHITECTURE.md): createVerifier and the option names of
// VerifierOptions.
export type * from './types.js';
export * from './errors.js';
export { ERROR_CODES, isJwtGuardErrorCode, type JwtGuardErrorCode } from './error-codes.js';
export { defaults } from './defaults.js';
export { assertKnownOptions } from './config/option-names.js';
export { guardListener } from './config/guarded-listener.js';
export { buildChallenge } from './bearer/challenge.js';
export type { VerificationKey, KeySource } from './keys/key-source.js';
export { toMilliseconds } from './config/duration.js';
export {
  revocationId,
  jtiRevocationId,
  isBeforeCutoff,
  type RevocationId,
} from './revocation/revocation-id.js';
export { ANY_ISSUER, revocationRule, type RevocationRule } from './revocation/revocation-rule.js';
export { createScopeCheck, type ScopeCheck, type ScopeMode } from './bearer/require-scopes.js';
export { withRealm } from './bearer/realm.js';
export { nodeGuardRequest, nodeRequestOrigin, type NodeStyleRequest } from './bearer/node-request.js';
export { nodePeerCertificateReader } from './mtls/peer-certificate.js';
export { createAdapter, type Adapter, type AdapterBinding, type RouteCheck } from './bearer/adapter.js';
export {
  createClaimCheck,
  type ClaimCheck,
  type ClaimExpectations,
  type ClaimPredicate,
  type ClaimRequirement,
  type ClaimValue,
} from './bearer/require-claims.js';
export { errorResponse, type ErrorResponse, type ErrorResponseBody } from './bearer/error-response.js';
export {
  createGuard,
  type Guard,
  type GuardOptions,
  type GuardOutcome,
  type GuardRequest,
} from './bearer/guard.js';
export { createVerifier } from './verifier.js';
export { extractToken, type ExtractTokenOptions } from './bearer/extract-token.js';
export { headerValues } from './bearer/header-values.js';
export { getScopes, hasAllScopes, hasAnyScope, DEFAULT_SCOPE_CLAIMS } from './claims/scope-claim.js';
export {
  createMemoryDenylist,
  type MemoryDenylist,
  type MemoryDenylistOptions,
} from './revocation/memory-denylist.js';
export { createStaticKeySource, type StaticKeySource } from './keys/static-keys.js';
export {
  createMemoryReplayStore,
  type MemoryReplayStore,
  type MemoryReplayStoreOptions,
} from './dpop/replay-store.js';
export { InvalidDpopProofError, UseDpopNonceError } from './errors.js';
export {
  createDpopProofVerifier,
  type DpopProofRequest,
  type DpopProofVerifier,
  type DpopProofVerifierOptions,
} from './dpop/proof-verifier.js';
export type { AcceptedProof } from './dpop/request-proof.js';
