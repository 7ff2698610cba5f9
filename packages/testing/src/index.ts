// @jwtguard/testing public API. Fixed name (DESIGN.md): createTestIssuer.
export {
  createTestIssuer,
  type TestIssuer,
  type TestIssuerOptions,
  type TokenOptions,
} from './test-issuer.js';
