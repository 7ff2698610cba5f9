// Type tests for @jwtguard/core, compiled by `pnpm typecheck` (not run).
import {
  createGuard,
  createVerifier,
  type AuthResult,
  type GuardRequest,
  type JwtGuardErrorCode,
  InvalidTokenError,
} from '@jwtguard/core';

const options = { issuer: 'https://auth.example.test/', audience: 'https://api.example.test' };
declare const request: GuardRequest;

export async function guards(): Promise<void> {
  // A guard that is not optional answers a result, never undefined.
  const required: AuthResult = await createGuard(options).authenticate(request);
  const shared: AuthResult = await createGuard(createVerifier(options)).authenticate(request);
  // An optional one may answer undefined, whichever argument says so.
  // @ts-expect-error undefined without a token
  const inline: AuthResult = await createGuard({ ...options, optional: true }).authenticate(request);
  // @ts-expect-error undefined without a token
  const separate: AuthResult = await createGuard(options, { optional: true }).authenticate(request);
  const maybe: AuthResult | undefined = await createGuard(options, { optional: true }).authenticate(request);
  void [required, shared, inline, separate, maybe];
}

// Error codes are one closed union.
const code: JwtGuardErrorCode = new InvalidTokenError('ERR_JWT_EXPIRED', 'Token has expired').code;
// @ts-expect-error not a jwtguard error code
new InvalidTokenError('ERR_MADE_UP', 'nope');
void code;
