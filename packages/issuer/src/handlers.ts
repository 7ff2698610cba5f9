// Web-standard (Request → Response) endpoints: discovery (RFC 8414 / OIDC Discovery), JWKS (RFC 7517),
// token (RFC 6749 §3.2, grants refresh_token §6 and client_credentials §4.4, DPoP-bound with RFC 9449 §5) and
// revocation (RFC 7009). With `mtls`, the token endpoint binds access tokens to the client certificate of
// the TLS connection (RFC 8705 §3.1), which the server hands over in the HandlerContext: a `Request` has no
// TLS information, and a certificate in a header would be whatever the client wrote.
// Every bad input ends in the RFC's error JSON; an unexpected failure is a server_error without details.
import { audienceList } from './audience.js';
import { allowedGrants, authenticateClient, type GrantType } from './client-auth.js';
import type { TokenEndpointDpop } from './dpop.js';
import { presentedThumbprint } from './mtls.js';
import type { RevocationFeed } from './revocation-feed.js';
import { isOAuthError, OAuthError } from './oauth-error.js';
import { narrowScope, parseScope } from './scope.js';
import type { Handler, HandlerContext, Issuer, IssuerHandlers, TokenSet, TokenTypeHint } from './types.js';

/** What the endpoints need of the issuer: its URLs, clients and options, and the operations they expose. */
export type HandlerService = Pick<
  Issuer,
  | 'issuer'
  | 'jwksUri'
  | 'tokenEndpoint'
  | 'revocationEndpoint'
  | 'revocationFeedEndpoint'
  | 'clients'
  | 'options'
  | 'jwks'
  | 'issueTokens'
  | 'refresh'
  | 'revoke'
>;

const MAX_BODY_BYTES = 16 * 1024;

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

// RFC 6749 §5.1: token responses (and their errors) must not be cached.
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

function errorResponse(error: unknown, headers: Record<string, string> = {}): Response {
  const oauth = isOAuthError(error)
    ? error
    : new OAuthError('server_error', 'the server could not handle the request');
  return json(oauth.toJSON(), oauth.status, { ...NO_STORE, ...headers, ...oauth.headers });
}

// RFC 9449 §8.2: the next nonce may come with any response to a request whose proof was accepted.
const nonceHeader = (nonce: string | undefined): Record<string, string> =>
  nonce === undefined ? {} : { 'DPoP-Nonce': nonce };

function tokenResponse(set: TokenSet): Record<string, unknown> {
  const body: Record<string, unknown> = {
    access_token: set.accessToken,
    token_type: set.tokenType,
    expires_in: set.expiresIn,
  };
  if (set.scope) body.scope = set.scope;
  if (set.refreshToken) body.refresh_token = set.refreshToken;
  return body;
}

/** Read an application/x-www-form-urlencoded POST body, refusing repeated parameters (RFC 6749 §3.2). */
async function readForm(request: Request): Promise<URLSearchParams> {
  if (request.method !== 'POST') {
    throw new OAuthError('invalid_request', 'use POST');
  }
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'the body must be application/x-www-form-urlencoded');
  }
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw new OAuthError('invalid_request', 'request body too large');
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > MAX_BODY_BYTES) throw new OAuthError('invalid_request', 'request body too large');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new OAuthError('invalid_request', 'the body is not UTF-8');
  }
  const params = new URLSearchParams(text);
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (seen.has(name)) throw new OAuthError('invalid_request', `parameter ${name} is repeated`);
    seen.add(name);
  }
  return params;
}

const isTokenTypeHint = (value: string): value is TokenTypeHint =>
  value === 'access_token' || value === 'refresh_token';

function methodNotAllowed(allow: string): Response {
  return json({ error: 'invalid_request', error_description: `use ${allow}` }, 405, { allow });
}

/** The revocation feed and the clients that may subscribe to it. */
export interface FeedEndpoint {
  feed: RevocationFeed;
  clients: ReadonlySet<string>;
}

export function createHandlers(
  service: HandlerService,
  dpop: TokenEndpointDpop | undefined,
  mtls = false,
  feedEndpoint?: FeedEndpoint,
): IssuerHandlers {
  const base = service.issuer.replace(/\/+$/, '');
  const issuerPath = new URL(base).pathname.replace(/\/+$/, '');
  const pathOf = (url: string) => new URL(url).pathname;

  function metadata(): Record<string, unknown> {
    const document: Record<string, unknown> = {
      issuer: service.issuer,
      jwks_uri: service.jwksUri,
      token_endpoint: service.tokenEndpoint,
      revocation_endpoint: service.revocationEndpoint,
      grant_types_supported: ['refresh_token', 'client_credentials'],
      response_types_supported: [],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
      access_token_signing_alg_values_supported: [service.options.algorithm],
    };
    if (service.options.scopesSupported) document.scopes_supported = service.options.scopesSupported;
    // RFC 9449 §5.1: the algorithms a token request's proof may use.
    if (dpop) document.dpop_signing_alg_values_supported = [...dpop.algorithms];
    // RFC 8705 §3.3: the server issues certificate-bound access tokens.
    if (mtls) document.tls_client_certificate_bound_access_tokens = true;
    // docs/revocation-feed.md: where the APIs subscribe to revocations.
    if (service.revocationFeedEndpoint !== undefined) {
      document.revocation_feed_endpoint = service.revocationFeedEndpoint;
    }
    return document;
  }

  const discovery: Handler = async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed('GET');
    return json(metadata(), 200, { 'cache-control': 'public, max-age=300' });
  };

  const jwks: Handler = async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed('GET');
    try {
      const set = await service.jwks();
      // A verifier that fetched before a new key was published drops this copy by the time the key signs,
      // because keys are published `jwksCacheLifetime` before they sign (see signing-keys.ts).
      const maxAge = Math.floor(service.options.jwksCacheLifetime / 1000);
      return json(set, 200, { 'cache-control': `public, max-age=${maxAge}` });
    } catch (error) {
      return errorResponse(error);
    }
  };

  async function clientCredentials(
    params: URLSearchParams,
    client: ReturnType<typeof authenticateClient>['client'],
    dpopJkt: string | undefined,
    certificateThumbprint: string | undefined,
  ) {
    const requested = parseScope(params.get('scope'));
    const scope = narrowScope(requested, client.scopes ?? []);
    const audience = client.audience === undefined ? service.options.audience : audienceList(client.audience);
    if (audience.length === 0)
      throw new OAuthError('invalid_request', 'no audience is configured for this client');
    // RFC 9068 §2.2: for client_credentials the subject is the client itself. No refresh token (RFC 6749 §4.4.3).
    return service.issueTokens({
      sub: client.id,
      clientId: client.id,
      scope,
      audience,
      refreshToken: false,
      ...(dpopJkt === undefined ? {} : { dpopJkt }),
      ...(certificateThumbprint === undefined ? {} : { certificateThumbprint }),
    });
  }

  const token: Handler = async (request, context?: HandlerContext) => {
    let nonce: string | undefined;
    try {
      const params = await readForm(request);
      const { client } = authenticateClient(service.clients, request.headers.get('authorization'), params);
      const grant = params.get('grant_type');
      if (grant === null) throw new OAuthError('invalid_request', 'grant_type is required');
      if (grant !== 'refresh_token' && grant !== 'client_credentials') {
        throw new OAuthError('unsupported_grant_type', 'supported: refresh_token, client_credentials');
      }
      if (!allowedGrants(client).includes(grant as GrantType)) {
        throw new OAuthError('unauthorized_client', `this client may not use ${grant}`);
      }
      // RFC 9449 §5: checked before the grant runs, so a request with a bad proof spends no refresh token.
      const proof = dpop === undefined ? undefined : await dpop.check(request);
      nonce = proof?.nonce;
      const dpopJkt = proof?.jkt;
      // RFC 8705 §3.1: the certificate of this TLS connection, read only when the issuer binds to one.
      const certificateThumbprint = mtls ? presentedThumbprint(context?.clientCertificate) : undefined;
      let set: TokenSet;
      if (grant === 'client_credentials') {
        set = await clientCredentials(params, client, dpopJkt, certificateThumbprint);
      } else {
        const refreshToken = params.get('refresh_token');
        if (!refreshToken) throw new OAuthError('invalid_request', 'refresh_token is required');
        const scope = params.get('scope');
        set = await service.refresh(refreshToken, {
          clientId: client.id,
          ...(scope === null ? {} : { scope }),
          ...(dpopJkt === undefined ? {} : { dpopJkt }),
          ...(certificateThumbprint === undefined ? {} : { certificateThumbprint }),
        });
      }
      return json(tokenResponse(set), 200, { ...NO_STORE, ...nonceHeader(nonce) });
    } catch (error) {
      return errorResponse(error, nonceHeader(nonce));
    }
  };

  const revocation: Handler = async (request) => {
    try {
      const params = await readForm(request);
      const { client } = authenticateClient(service.clients, request.headers.get('authorization'), params);
      const presented = params.get('token');
      if (!presented) throw new OAuthError('invalid_request', 'token is required');
      // RFC 7009 §2.1: a hint the server does not know is ignored; it must not change the response.
      const hint = params.get('token_type_hint');
      await service.revoke(presented, {
        clientId: client.id,
        ...(hint !== null && isTokenTypeHint(hint) ? { hint } : {}),
      });
      // RFC 7009 §2.2: 200 whether or not the token was known.
      return new Response(null, { status: 200, headers: NO_STORE });
    } catch (error) {
      return errorResponse(error);
    }
  };

  const revocationFeed: Handler | undefined =
    feedEndpoint &&
    (async (request) => {
      if (request.method !== 'GET') return methodNotAllowed('GET');
      try {
        // A GET has no body: the listed client authenticates with HTTP Basic (RFC 6749 §2.3.1).
        const { client } = authenticateClient(
          service.clients,
          request.headers.get('authorization'),
          new URLSearchParams(),
        );
        if (!feedEndpoint.clients.has(client.id)) {
          throw new OAuthError('invalid_client', 'this client may not subscribe to the revocation feed');
        }
        if (feedEndpoint.feed.closed) {
          throw new OAuthError('temporarily_unavailable', 'the issuer is closing', {
            headers: { 'retry-after': '1' },
          });
        }
        // HTML §9.2.4: a reconnecting EventSource sends the id of the last event it received.
        return await feedEndpoint.feed.subscribe(client.id, request.headers.get('last-event-id'));
      } catch (error) {
        return errorResponse(error);
      }
    });

  const routes = new Map<string, Handler>([
    [`${issuerPath}/.well-known/openid-configuration`, discovery],
    [`/.well-known/oauth-authorization-server${issuerPath}`, discovery],
    [pathOf(service.jwksUri), jwks],
    [pathOf(service.tokenEndpoint), token],
    [pathOf(service.revocationEndpoint), revocation],
  ]);
  if (revocationFeed && service.revocationFeedEndpoint !== undefined) {
    routes.set(pathOf(service.revocationFeedEndpoint), revocationFeed);
  }

  const handle: Handler = async (request, context) => {
    let path: string;
    try {
      path = new URL(request.url).pathname;
    } catch {
      return json({ error: 'invalid_request', error_description: 'bad request URL' }, 400);
    }
    const route = routes.get(path);
    if (!route) return json({ error: 'not_found', error_description: 'no such endpoint' }, 404);
    return route(request, context);
  };

  return { discovery, jwks, token, revocation, handle, ...(revocationFeed ? { revocationFeed } : {}) };
}
