// Compiled (tsc --noEmit, moduleResolution nodenext) against the packed tarball's declaration files: the
// public types resolve from an ESM consumer, keep their precision, and reject misuse.
import {
  createVerifier,
  InvalidTokenError,
  isJwtGuardError,
  type AuthResult,
  type JwtPayload,
  type VerifierOptions,
} from '@jwtguard/core';

interface TenantClaims extends JwtPayload {
  tenant: string;
}

const options: VerifierOptions = { issuer: 'https://issuer.example', audience: 'https://api.example' };
const verifier = createVerifier<TenantClaims>(options);

export async function tenantOf(token: string): Promise<string> {
  try {
    const result: AuthResult<TenantClaims> = await verifier.verify(token);
    const scopes: string[] = result.scopes;
    return `${result.payload.tenant} ${scopes.length}`;
  } catch (err) {
    if (err instanceof InvalidTokenError) return err.code;
    if (isJwtGuardError(err)) return String(err.status);
    throw err;
  }
}

// @ts-expect-error audience is required: an API that accepts any audience is a bug
createVerifier({ issuer: 'https://issuer.example' });
// @ts-expect-error the token is a string
void verifier.verify(42);
export async function wrongClaimType(token: string): Promise<void> {
  // @ts-expect-error tenant is declared as a string
  const tenant: number = (await verifier.verify(token)).payload.tenant;
  void tenant;
}
