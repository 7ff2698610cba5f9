// Client authentication at the token and revocation endpoints (RFC 6749 §2.3): client_secret_basic and
// client_secret_post for confidential clients, client_id alone for public clients. Secrets are compared in
// constant time over their SHA-256 digests, so neither the content nor the length of a secret leaks through
// response timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import { OAuthError } from './oauth-error.js';

export type GrantType = 'refresh_token' | 'client_credentials';

export interface ClientConfig {
  /** client_id */
  id: string;
  /** Omit for a public client (it may only use refresh_token and must send only its client_id). */
  secret?: string;
  /** Grants the client may use (default: refresh_token, plus client_credentials for confidential clients). */
  grants?: GrantType[];
  /** Scopes the client may be granted with client_credentials (default: none). */
  scopes?: string[];
  /** Audience of its client_credentials tokens (default: the issuer's `audience`). */
  audience?: string | string[];
}

export interface AuthenticatedClient {
  client: ClientConfig;
  method: 'client_secret_basic' | 'client_secret_post' | 'none';
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function secretsEqual(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

// RFC 6749 §2.3.1: the Basic credentials are form-urlencoded before base64 (so ':' may appear in them).
function decodeBasic(header: string): { id: string; secret: string } | undefined {
  const match = /^Basic[ ]+([A-Za-z0-9+/]+=*)[ ]*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    const form = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
    return { id: form(decoded.slice(0, colon)), secret: form(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="token", charset="UTF-8"' };

export function authenticateClient(
  clients: ReadonlyMap<string, ClientConfig>,
  authorization: string | null,
  params: URLSearchParams,
): AuthenticatedClient {
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  if (authorization !== null && /^Basic\b/i.test(authorization)) {
    // RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request.
    if (bodySecret !== null) {
      throw new OAuthError('invalid_request', 'use either HTTP Basic or client_secret in the body, not both');
    }
    const credentials = decodeBasic(authorization);
    if (!credentials)
      throw new OAuthError('invalid_client', 'malformed Basic credentials', { headers: BASIC_CHALLENGE });
    if (bodyId !== null && bodyId !== credentials.id) {
      throw new OAuthError('invalid_request', 'client_id in the body differs from the authenticated client');
    }
    return {
      client: confidential(clients, credentials.id, credentials.secret, true),
      method: 'client_secret_basic',
    };
  }
  if (bodyId === null)
    throw new OAuthError('invalid_client', 'client authentication required', { headers: BASIC_CHALLENGE });
  if (bodySecret !== null) {
    return { client: confidential(clients, bodyId, bodySecret, false), method: 'client_secret_post' };
  }
  const client = clients.get(bodyId);
  if (!client || client.secret !== undefined) {
    throw new OAuthError('invalid_client', 'client authentication failed');
  }
  return { client, method: 'none' };
}

function confidential(
  clients: ReadonlyMap<string, ClientConfig>,
  id: string,
  secret: string,
  basic: boolean,
): ClientConfig {
  const client = clients.get(id);
  // Compare against a dummy when the client is unknown, so an unknown id costs the same as a wrong secret.
  const ok = secretsEqual(secret, client?.secret ?? '\u0000unknown-client') && client?.secret !== undefined;
  if (!client || !ok) {
    throw new OAuthError(
      'invalid_client',
      'client authentication failed',
      basic ? { headers: BASIC_CHALLENGE } : {},
    );
  }
  return client;
}

export function allowedGrants(client: ClientConfig): GrantType[] {
  return (
    client.grants ??
    (client.secret === undefined ? ['refresh_token'] : ['refresh_token', 'client_credentials'])
  );
}
