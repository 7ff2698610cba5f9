// The mTLS tests' certificates: the generator moved to @jwtguard/testing (createTestCertificates), so users'
// tests get the same CA, server and client certificates; the names the tests here use stay.
export {
  createTestCertificates as createTestPki,
  type TestCertificate,
  type TestCertificates as TestPki,
} from '@jwtguard/testing';
