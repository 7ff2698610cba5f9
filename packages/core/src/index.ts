// @jwtguard/core public API. Fixed names (see DESIGN.md): createVerifier and the option names of VerifierOptions.
export type * from './types.js';
export * from './errors.js';
export { buildChallenge } from './challenge.js';
export type { VerificationKey, KeySource } from './key-source.js';
export { toMilliseconds } from './duration.js';
export { revocationId, jtiRevocationId, isBeforeCutoff, type RevocationId } from './revocation.js';
export { createScopeCheck, withRealm, type ScopeCheck, type ScopeMode } from './scope-check.js';
export {
  createClaimCheck,
  type ClaimCheck,
  type ClaimExpectations,
  type ClaimPredicate,
  type ClaimRequirement,
  type ClaimValue,
} from './claim-check.js';
export { errorResponse, type ErrorResponse, type ErrorResponseBody } from './render-error.js';
export { createGuard, type Guard, type GuardOptions, type GuardRequest } from './guard.js';
export { createVerifier } from './verifier.js';
export { extractToken, type ExtractTokenOptions } from './extract-token.js';
export { headerValues } from './headers.js';
export { getScopes, hasAllScopes, hasAnyScope, DEFAULT_SCOPE_CLAIMS } from './scopes.js';
export { createMemoryDenylist, type MemoryDenylist, type MemoryDenylistOptions } from './memory-denylist.js';
export { createStaticKeySource, type StaticKeySource } from './static-keys.js';
