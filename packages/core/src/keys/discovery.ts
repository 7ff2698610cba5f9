// Finding an issuer's `jwks_uri` from its metadata: OpenID Connect Discovery 1.0 §4 first, then RFC 8414
// (OAuth 2.0 Authorization Server Metadata). The document must name exactly the configured issuer (OIDC
// Discovery §4.3, RFC 8414 §3.3): otherwise a metadata document served by one tenant, or by an attacker who
// controls a path on the host, could point us at keys for a different issuer.
import { FetchFailure, fetchJsonDocument, isTrustedKeyUrl, type JsonFetchOptions } from './json-fetch.js';

/** The metadata URLs to try for `issuer`, in order. */
export function discoveryUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  const origin = url.origin;
  return [
    // OIDC Discovery §4: the well-known suffix is appended to the issuer, path included.
    `${origin}${path}/.well-known/openid-configuration`,
    // RFC 8414 §3.1: the well-known segment is inserted between the host and the issuer's path.
    `${origin}/.well-known/oauth-authorization-server${path}`,
  ];
}

/** Resolve the issuer's `jwks_uri`, trying each metadata location in turn. */
export async function discoverJwksUri(issuer: string, options: JsonFetchOptions): Promise<string> {
  const failures: string[] = [];
  for (const url of discoveryUrls(issuer)) {
    if (options.signal.aborted) break;
    try {
      const { body } = await fetchJsonDocument(url, options);
      return jwksUriFromMetadata(body, issuer);
    } catch (error) {
      failures.push(`${url}: ${error instanceof Error ? error.message : 'failed'}`);
    }
  }
  if (options.signal.aborted && failures.length === 0) failures.push('aborted');
  throw new FetchFailure(`discovery failed (${failures.join('; ')})`);
}

/** Validate a metadata document and return its `jwks_uri`. */
export function jwksUriFromMetadata(metadata: Record<string, unknown>, issuer: string): string {
  if (metadata.issuer !== issuer) {
    throw new FetchFailure(
      `metadata names issuer ${JSON.stringify(String(metadata.issuer).slice(0, 200))}, expected exactly ${JSON.stringify(issuer)}`,
    );
  }
  const jwksUri = metadata.jwks_uri;
  if (typeof jwksUri !== 'string') throw new FetchFailure('metadata has no jwks_uri');
  if (!isAcceptableJwksUri(jwksUri)) {
    throw new FetchFailure('metadata jwks_uri must be an https URL (or http on a loopback address)');
  }
  return jwksUri;
}

/** What a discovered `jwks_uri` may be: https, or http on loopback. */
export const isAcceptableJwksUri = isTrustedKeyUrl;
