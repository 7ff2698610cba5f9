// The same package through `require` (CommonJS consumer): resolves the .d.cts declarations.
import core = require('@jwtguard/core');

const verifier = core.createVerifier({ issuer: 'https://issuer.example', audience: 'https://api.example' });
export async function subjectOf(token: string): Promise<string | undefined> {
  const result: core.AuthResult = await verifier.verify(token);
  return result.payload.sub;
}
// @ts-expect-error audience is required
core.createVerifier({ issuer: 'https://issuer.example' });
