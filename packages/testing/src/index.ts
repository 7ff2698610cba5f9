// @jwtguard/testing public API. Fixed name (docs/ARCHITECTURE.md, "Packages"): createTestIssuer. Beside it,
// createDpopClient for tests of DPoP-protected APIs, createTestCertificates for tests of mTLS-protected ones.
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
export { createTestCertificates, type TestCertificate, type TestCertificates } from './certificates.js';
