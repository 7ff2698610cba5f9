// The auth server's routes for the demo users, next to the issuer's standard endpoints (discovery, JWKS,
// token, revocation), which everything not matched here falls through to:
//   POST /login              {username, password}     → access + refresh token with the user's scopes;
//                            with a DPoP proof header, both bound to the proof's key (RFC 9449)
//   POST /logout             Bearer access token and/or {refresh_token} → both revoked (RFC 7009 semantics)
//   POST /logout-everywhere  Bearer access token      → every token of that user refused from now on
//   POST /keys/rotate        Bearer admin token       → rotate the signing keys now
import {
  createClaimCheck,
  errorResponse,
  extractToken,
  isJwtGuardError,
  type DpopProofVerifier,
} from '@jwtguard/core';
import { isOAuthError, type Issuer, type TokenSet } from '@jwtguard/issuer';
import { json, optionalString, readJsonObject, RequestError, requiredString } from './json.js';
import type { TokenGuard } from './token-guard.js';
import type { UserDirectory } from './users.js';

export interface RouteContext {
  issuer: Issuer;
  /** Checks the DPoP proof a client may send with its login (the same rules as the token endpoint). */
  proofs: DpopProofVerifier;
  users: UserDirectory;
  guard: TokenGuard;
  /** The OAuth client the login route issues tokens to (refreshes must name it). */
  clientId: string;
}

type Route = (request: Request, context: RouteContext) => Promise<Response>;

function tokenResponse(set: TokenSet): Response {
  return json({
    access_token: set.accessToken,
    token_type: set.tokenType,
    expires_in: set.expiresIn,
    scope: set.scope,
    ...(set.refreshToken ? { refresh_token: set.refreshToken } : {}),
  });
}

const login: Route = async (request, { issuer, users, clientId, proofs }) => {
  // RFC 9449 §5: a proof sent with the login binds the tokens to the client's key (checked before the
  // password, so a bad proof costs no password hash).
  let dpopJkt: string | undefined;
  if (request.headers.has('dpop')) {
    try {
      ({ jkt: dpopJkt } = await proofs.verify({
        method: 'POST',
        url: `${issuer.issuer}/login`,
        headers: request.headers,
      }));
    } catch (error) {
      if (!isJwtGuardError(error) || error.status !== 401) throw error;
      throw new RequestError(400, 'invalid_dpop_proof', error.description);
    }
  }
  const body = await readJsonObject(request);
  const username = requiredString(body, 'username');
  const password = requiredString(body, 'password', 1024);
  const user = await users.authenticate(username, password);
  // One answer for an unknown user and a wrong password: the response must not confirm which names exist.
  if (!user) throw new RequestError(401, 'invalid_credentials', 'unknown username or wrong password');
  const set = await issuer.issueTokens({
    sub: user.username,
    clientId,
    scope: user.scope,
    claims: user.claims,
    ...(dpopJkt !== undefined ? { dpopJkt } : {}),
  });
  return tokenResponse(set);
};

const logout: Route = async (request, { issuer, clientId }) => {
  const accessToken = extractToken(request.headers);
  const refreshToken = optionalString(await readJsonObject(request), 'refresh_token');
  if (accessToken === undefined && refreshToken === undefined) {
    throw new RequestError(400, 'invalid_request', 'send the access token (Bearer) and/or {"refresh_token"}');
  }
  // RFC 7009 §2.2: unknown or already revoked tokens are not an error, so logging out twice is harmless.
  // The access token's jti goes to the denylist the APIs consult; the refresh token takes its whole
  // family, including the access tokens issued from it.
  if (accessToken !== undefined) await issuer.revoke(accessToken, { clientId, hint: 'access_token' });
  if (refreshToken !== undefined) await issuer.revoke(refreshToken, { clientId, hint: 'refresh_token' });
  return json({ logged_out: true });
};

const logoutEverywhere: Route = async (request, { issuer, guard }) => {
  const { payload } = await guard.authenticate(request);
  if (typeof payload.sub !== 'string') {
    throw new RequestError(400, 'invalid_request', 'the access token has no subject');
  }
  await issuer.revokeSubject(payload.sub);
  return json({ logged_out_everywhere: true, sub: payload.sub });
};

// The same rule as the sample APIs' GET /admin: a `roles` claim equal to or including "admin" (else 403).
const requireAdmin = createClaimCheck({ roles: 'admin' });

const rotateKeys: Route = async (request, { issuer, guard }) => {
  await requireAdmin(await guard.authenticate(request), 'auth-server');
  const rotation = await issuer.rotateKeys();
  return json({
    kid: rotation.kid,
    activates_at: new Date(rotation.activatesAt).toISOString(),
    next_kid: rotation.nextKid,
  });
};

const ROUTES = new Map<string, Route>([
  ['/login', login],
  ['/logout', logout],
  ['/logout-everywhere', logoutEverywhere],
  ['/keys/rotate', rotateKeys],
]);

/** Route a request: the routes above (POST only), else the issuer's endpoints. Client errors never 500. */
export function createRouter(context: RouteContext): (request: Request) => Promise<Response> {
  return async (request) => {
    const route = ROUTES.get(new URL(request.url).pathname);
    if (!route) return context.issuer.handle(request);
    if (request.method !== 'POST') {
      return json({ error: 'invalid_request', error_description: 'use POST' }, 405, { allow: 'POST' });
    }
    try {
      return await route(request, context);
    } catch (error) {
      return renderError(error);
    }
  };
}

function renderError(error: unknown): Response {
  if (error instanceof RequestError) return error.toResponse();
  if (isJwtGuardError(error)) {
    const { status, headers, body } = errorResponse(error);
    return json(body, status, headers);
  }
  if (isOAuthError(error)) return json(error.toJSON(), error.status, error.headers);
  // Anything else is a bug or an outage: say so without leaking its message.
  return json({ error: 'server_error', error_description: 'the server could not handle the request' }, 500);
}
