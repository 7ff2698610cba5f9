// @jwtguard/testing public API. Fixed name (docs/ARCHITECTURE.md, "Packages"): createTestIssuer. Beside it,
// createDpopClient for tests of DPoP-protected APIs.
export {
  createTestIssuer,
  type TestIssuer,
  type TestIssuerOptions,
  type TokenOptions,
} from './test-issuer.js';
export {
  createDpopClient,
  type DpopAlgorithm,
  type DpopClient,
  type DpopClientOptions,
  type DpopPublicJwk,
} from './dpop-client.js';
