// The security suite against the default verifier; see support/security-cases.ts. Every refusal it provokes
// must carry a code from ERROR_CODES: callers branch on codes, so an unlisted one is an undocumented API.
import { createVerifier, isJwtGuardErrorCode, type VerifierOptions } from '../src/index.js';
import { securityCases } from './support/security-cases.js';

function listedCodesOnly(options: VerifierOptions) {
  const verifier = createVerifier(options);
  return {
    ...verifier,
    verify: (token: string) =>
      verifier.verify(token).catch((error: { code?: unknown }) => {
        if (!isJwtGuardErrorCode(error.code)) throw new Error(`unlisted error code ${String(error.code)}`);
        throw error;
      }),
  };
}

describe('hostile tokens', () => {
  securityCases(createVerifier);
});

describe('hostile tokens: every refusal carries a listed code', () => {
  securityCases(listedCodesOnly);
});
