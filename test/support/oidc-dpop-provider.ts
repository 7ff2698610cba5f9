// oidc-provider 9 on 127.0.0.1 issuing DPoP-bound RFC 9068 JWT access tokens (RFC 9449 §5) through
// client_credentials with RFC 8707 resource indicators: the setup of oidc-provider.ts, plus the provider's
// DPoP feature (`features.dPoP`, on by default in v9, enabled explicitly here) and a client that must use
// it (`dpop_bound_access_tokens`). The token request's proof is made by the caller (the `dpop` package or
// oauth4webapi), so nothing of jwtguard takes part on the authorization server's side.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { RESOURCE, resourceIndicators, signingJwk } from './oidc-provider.js';

export { RESOURCE };
export const DPOP_CLIENT_ID = 'dpop-interop-client';
export const DPOP_CLIENT_SECRET = 'dpop-interop-client-secret-that-is-long-enough';
/** Proof algorithms the provider accepts at its token endpoint (its default is ES256, Ed25519, EdDSA). */
export const PROVIDER_DPOP_ALGS = ['ES256', 'Ed25519', 'EdDSA', 'PS256', 'RS256'];

export interface TokenResponse {
  status: number;
  body: { access_token?: string; token_type?: string; error?: string; error_description?: string };
}

export interface OidcDpopProvider {
  issuer: string;
  tokenEndpoint: string;
  /** POSTs a client_credentials request for RESOURCE, with `dpop` as the DPoP header when given. */
  tokenRequest(dpop: string | undefined, scope?: string): Promise<TokenResponse>;
  close(): Promise<void>;
}

export async function startOidcDpopProvider(): Promise<OidcDpopProvider> {
  let handler: ReturnType<Provider['callback']> = (_req, res) => void res.writeHead(503).end();
  const server = createServer((req, res) => handler(req, res));
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: DPOP_CLIENT_ID,
        client_secret: DPOP_CLIENT_SECRET,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        scope: 'read write',
        // RFC 9449 §5.2: this client's access tokens are always DPoP-bound; a request without a proof fails.
        dpop_bound_access_tokens: true,
        // The client's ID token alg must exist in the keystore (ES256 only here).
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [signingJwk('ES256', 'dpop-interop')] as Record<string, unknown>[] },
    scopes: ['openid', 'read', 'write'],
    enabledJWA: { dPoPSigningAlgValues: PROVIDER_DPOP_ALGS },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      dPoP: { enabled: true },
      resourceIndicators: resourceIndicators(() => 'ES256'),
    },
  });
  provider.on('server_error', (_ctx, error) => console.error(error));
  handler = provider.callback();
  const tokenEndpoint = `${issuer}/token`;

  return {
    issuer,
    tokenEndpoint,
    async tokenRequest(dpop, scope = 'read') {
      const headers: Record<string, string> = {
        authorization: `Basic ${Buffer.from(`${DPOP_CLIENT_ID}:${DPOP_CLIENT_SECRET}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      };
      if (dpop !== undefined) headers.dpop = dpop;
      const response = await fetch(tokenEndpoint, {
        method: 'POST',
        headers,
        body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: RESOURCE }),
      });
      return { status: response.status, body: (await response.json()) as TokenResponse['body'] };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
