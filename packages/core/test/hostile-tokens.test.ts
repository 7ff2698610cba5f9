// The security suite against the default verifier; see support/security-cases.ts.
import { createVerifier } from '../src/index.js';
import { securityCases } from './support/security-cases.js';

describe('hostile tokens', () => {
  securityCases(createVerifier);
});
