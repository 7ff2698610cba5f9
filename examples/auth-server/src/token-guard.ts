// The auth server's own routes that act for a signed-in user (logout everywhere, key rotation) verify the
// access token exactly as the APIs do: @jwtguard/core, the same keys, the same denylist. Its key fetches go
// straight to the issuer's JWKS handler instead of over the network to itself.
import { createGuard, type AuthResult, type Denylist } from '@jwtguard/core';
import type { Issuer } from '@jwtguard/issuer';

export interface TokenGuard {
  /** The verified token of the request; throws a JwtGuardError (401/400) when it has none or a bad one. */
  authenticate(request: Request): Promise<AuthResult>;
}

export function createTokenGuard(issuer: Issuer, denylist: Denylist, clock: () => number): TokenGuard {
  const guard = createGuard({
    issuer: issuer.issuer,
    audience: issuer.options.audience,
    jwksUri: issuer.jwksUri,
    typ: 'at+jwt',
    denylist,
    clock,
    fetch: (input, init) => issuer.handle(new Request(input, init)),
    realm: 'auth-server',
  });
  return {
    authenticate: (request) =>
      guard.authenticate({
        method: request.method,
        url: request.url,
        headers: request.headers,
        source: request,
      }),
  };
}
