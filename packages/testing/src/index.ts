// @jwtguard/testing public API. Fixed name (docs/ARCHITECTURE.md, "Packages"): createTestIssuer.
export {
  createTestIssuer,
  type TestIssuer,
  type TestIssuerOptions,
  type TokenOptions,
} from './test-issuer.js';
