// A real OpenID provider (oidc-provider 9) on 127.0.0.1 for the interop test. It issues RFC 9068 JWT access
// tokens through client_credentials with RFC 8707 resource indicators. Rotation swaps in a new provider
// instance whose keystore publishes the new signing key first and keeps the old one, as a real rotation does.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import Provider from 'oidc-provider';

export const RESOURCE = 'https://api.interop.test';
export const CLIENT_ID = 'interop-client';
const CLIENT_SECRET = 'interop-client-secret-that-is-long-enough';

export interface OidcTestProvider {
  issuer: string;
  /** Kids in the published JWKS, signing key first. */
  kids(): string[];
  /** A client_credentials access token for RESOURCE. */
  accessToken(scope?: string): Promise<string>;
  /** Publish a new signing key (kept old keys still published) and sign with it from now on. */
  rotate(alg?: string): Promise<string>;
  jwksFetches(): number;
  close(): Promise<void>;
}

type JWK = JsonWebKey & { kid?: string; alg?: string; use?: string };

/** A private signing JWK for the provider's keystore (node:crypto: jose is core's dependency, not the root's). */
/**
 * RFC 8707 resource indicators for one API, RESOURCE, whose access tokens are RFC 9068 JWTs signed with
 * `alg()` (read at each issuance, so a test can switch it).
 */
export function resourceIndicators(alg: () => string) {
  return {
    enabled: true,
    defaultResource: () => RESOURCE,
    useGrantedResource: () => true,
    getResourceServerInfo: (_ctx: unknown, resource: string) => {
      if (resource !== RESOURCE) throw new Error(`unknown resource ${resource}`);
      return {
        scope: 'read write',
        audience: RESOURCE,
        accessTokenTTL: 600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: alg() } },
      };
    },
  };
}

export function signingJwk(alg: string, kid: string): JWK {
  const { privateKey } =
    alg.startsWith('RS') || alg.startsWith('PS')
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('ec', {
            namedCurve: { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' }[alg] ?? '',
          });
  return { ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
}

export async function startOidcProvider(alg = 'ES256'): Promise<OidcTestProvider> {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  let jwksFetches = 0;
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/jwks')) jwksFetches++;
    handler(req, res);
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let keys: JWK[] = [signingJwk(alg, 'initial')];
  let signingAlg = alg;
  const install = (): void => {
    const provider = new Provider(issuer, {
      clients: [
        {
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
          scope: 'read write',
          // The client's ID token alg must exist in the keystore; the access-token alg is set per resource below.
          id_token_signed_response_alg: alg,
        },
      ],
      jwks: { keys: keys as Record<string, unknown>[] },
      scopes: ['openid', 'offline_access', 'read', 'write'],
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: resourceIndicators(() => signingAlg),
      },
    });
    // oidc-provider logs server_error details through this event; keep test output clean but visible on failure.
    provider.on('server_error', (_ctx, error) => console.error(error));
    handler = provider.callback();
  };
  install();

  return {
    issuer,
    kids: () => keys.map((key) => String(key.kid)),
    jwksFetches: () => jwksFetches,
    async accessToken(scope = 'read') {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: RESOURCE }),
      });
      const body = (await response.json()) as { access_token?: string; error?: string };
      if (!response.ok || !body.access_token) {
        throw new Error(`token request failed: ${response.status} ${JSON.stringify(body)}`);
      }
      return body.access_token;
    },
    async rotate(newAlg = alg) {
      const kid = `rotated-${keys.length}`;
      keys = [signingJwk(newAlg, kid), ...keys];
      signingAlg = newAlg;
      install();
      return kid;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
