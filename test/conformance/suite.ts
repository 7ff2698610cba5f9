// One behavioural table, run against every adapter: a behaviour difference between Express, Koa and Hono is
// a bug. `runConformance` is called once per denylist store (memory here; Redis in redis.test.ts).
import {
  createDpopProofVerifier,
  createVerifier,
  headerValues,
  InvalidTokenError,
  type AuthResult,
  type DenylistHook,
  type KeyInput,
  type Verifier,
  type VerifierOptions,
} from '@jwtguard/core';
import { harnesses, type Client, type Scenario, type TestRequest, type TestResponse } from './apps.js';
import { createDpopClient, type DpopClient } from './dpop-client.js';
import { AUDIENCE, startAuthServer, type TestAuthServer } from './jwks.js';

export interface DenylistFixture {
  denylist: DenylistHook;
  /** Revoke a verified token (or a token string) so that the next request carrying it is refused. */
  revoke(target: AuthResult | string): Promise<void>;
  close(): Promise<void>;
}

type ScenarioName =
  | 'base'
  | 'framework'
  | 'custom'
  | 'optional'
  | 'cookie'
  | 'getter'
  | 'realm'
  | 'inline'
  | 'shared'
  | 'jwks'
  | 'jwksDown'
  | 'denylistDown'
  | 'context'
  | 'dpop'
  | 'dpopRequired'
  | 'dpopNonce'
  | 'dpopOrigin';

interface World {
  auth: TestAuthServer;
  fixture: DenylistFixture;
  verifier: Verifier;
  /** The DPoP client tokens are bound to, and another one. */
  client: DpopClient;
  stranger: DpopClient;
}

interface Expectation {
  status: number;
  /** Exact WWW-Authenticate value, a pattern, or null for "absent". */
  challenge?: string | RegExp | null;
  body?: unknown;
  headers?: Record<string, string | RegExp>;
}

interface Case {
  name: string;
  scenario: ScenarioName;
  /** `origin`: where the adapter under test is reached, for requests whose bytes depend on it (DPoP `htu`). */
  request(world: World, origin: string): Promise<TestRequest>;
  /** The request is built for one adapter's origin, so it cannot be sent unchanged to all of them. */
  perAdapter?: true;
  /** A function where the answer rightly depends on the harness (only: whether there is a peer address). */
  expect: Expectation | ((adapter: string) => Expectation);
}

const bearer = (token: string): Array<[string, string]> => [['Authorization', `Bearer ${token}`]];
const get = (path: string, headers: Array<[string, string]> = []): TestRequest => ({
  method: 'GET',
  path,
  headers,
});
const signed = (claims?: Record<string, unknown>) => async (w: World) =>
  get('/me', bearer(await w.auth.sign(claims)));
const at =
  (path: string, claims?: Record<string, unknown>, method: TestRequest['method'] = 'GET') =>
  async (w: World): Promise<TestRequest> => ({ method, path, headers: bearer(await w.auth.sign(claims)) });

const b64 = (text: string): string => Buffer.from(text).toString('base64url');

const MISSING = { error: 'unauthorized', error_description: 'Authentication required' };
const INVALID_REQUEST = /^Bearer error="invalid_request", error_description="[^"]+"$/;
const INVALID_TOKEN = /^Bearer error="invalid_token", error_description="[^"]+"$/;

// DPoP (RFC 9449). Most cases run behind `publicUrl`, so one request (with a fresh proof each time it is built)
// means the same to every adapter; the `dpopOrigin` cases take the URI from the request itself.
const PUBLIC_URL = 'https://api.conformance.test';
const NONCE_SECRET = 'the conformance suite nonce secret, 32+ bytes';
const DPOP_ALGS = 'algs="ES256 EdDSA Ed25519 PS256 RS256"';
const dpopScheme = (token: string): Array<[string, string]> => [['Authorization', `DPoP ${token}`]];
interface DpopRequest {
  path?: string;
  method?: TestRequest['method'];
  claims?: Record<string, unknown>;
  /** Bind the token to this client (default: the world's client); null: an unbound token. */
  bindTo?: 'client' | 'stranger' | null;
  /** Who makes the proof (default: the world's client); null: no proof. */
  proofBy?: 'client' | 'stranger' | null;
  htm?: string;
  htu?: string;
  scheme?: 'DPoP' | 'Bearer';
  proofs?: number;
  nonce?: boolean;
  extraHeaders?: Array<[string, string]>;
  /** The proof's htu is the adapter's own origin (no publicUrl in the scenario). */
  fromOrigin?: boolean;
}
const dpopAt =
  (input: DpopRequest = {}) =>
  async (w: World, origin?: string): Promise<TestRequest> => {
    const path = input.path ?? '/me';
    const method = input.method ?? 'GET';
    const bindTo = input.bindTo === undefined ? 'client' : input.bindTo;
    const token = await w.auth.sign({ ...input.claims, ...(bindTo ? { cnf: { jkt: w[bindTo].jkt } } : {}) });
    const headers = input.scheme === 'Bearer' ? bearer(token) : dpopScheme(token);
    const proofBy = input.proofBy === undefined ? 'client' : input.proofBy;
    if (proofBy !== null) {
      const nonce = input.nonce
        ? await createDpopProofVerifier({ nonce: { secret: NONCE_SECRET } }).nonce()
        : undefined;
      for (let i = 0; i < (input.proofs ?? 1); i++) {
        const proof = w[proofBy].proof({
          htm: input.htm ?? method,
          htu: input.htu ?? `${input.fromOrigin ? origin : PUBLIC_URL}${path.split('?')[0]}`,
          accessToken: token,
          ...(nonce !== undefined ? { nonce } : {}),
        });
        headers.push(['DPoP', proof]);
      }
    }
    return { method, path, headers: [...headers, ...(input.extraHeaders ?? [])] };
  };

const CASES: Case[] = [
  // The happy path, and what the handler sees.
  {
    name: 'valid token → 200, auth attached',
    scenario: 'base',
    request: signed({ scope: 'read:items write:items' }),
    expect: { status: 200, body: { sub: 'alice', scopes: ['read:items', 'write:items'] } },
  },
  {
    name: 'scp array claim is read as scopes',
    scenario: 'base',
    request: signed({ scope: null, scp: ['read:items'] }),
    expect: { status: 200, body: { sub: 'alice', scopes: ['read:items'] } },
  },
  // RFC 6750 §3.1: no credentials → 401 with a bare challenge, no error code.
  {
    name: 'no token → 401, challenge without error',
    scenario: 'base',
    request: async () => get('/me'),
    expect: { status: 401, challenge: 'Bearer', body: MISSING },
  },
  {
    name: 'another scheme (Basic) counts as no token → 401',
    scenario: 'base',
    request: async () => get('/me', [['Authorization', 'Basic YWxpY2U6c2VjcmV0']]),
    expect: { status: 401, challenge: 'Bearer', body: MISSING },
  },
  // Malformed and ambiguous requests → 400 invalid_request.
  {
    name: 'malformed Authorization (Bearer without token) → 400',
    scenario: 'base',
    request: async () => get('/me', [['Authorization', 'Bearer']]),
    expect: { status: 400, challenge: INVALID_REQUEST, body: { error: 'invalid_request' } },
  },
  {
    name: 'malformed Authorization (token with a space) → 400',
    scenario: 'base',
    request: async () => get('/me', [['Authorization', 'Bearer abc def']]),
    expect: { status: 400, challenge: INVALID_REQUEST },
  },
  {
    name: 'two Authorization headers → 400',
    scenario: 'base',
    request: async (w) => {
      const [a, b] = await Promise.all([w.auth.sign(), w.auth.sign()]);
      return get('/me', [...bearer(a), ...bearer(b)]);
    },
    expect: { status: 400, challenge: INVALID_REQUEST, body: { error: 'invalid_request' } },
  },
  {
    name: 'two tokens in one Authorization header → 400',
    scenario: 'base',
    request: async (w) =>
      get('/me', [['Authorization', `Bearer ${await w.auth.sign()}, Bearer ${await w.auth.sign()}`]]),
    expect: { status: 400, challenge: INVALID_REQUEST },
  },
  // Tokens that are present but not acceptable → 401 invalid_token.
  {
    name: 'expired → 401 invalid_token',
    scenario: 'base',
    request: signed({ iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }),
    expect: { status: 401, challenge: INVALID_TOKEN, body: { error: 'invalid_token' } },
  },
  {
    name: 'wrong audience → 401 invalid_token',
    scenario: 'base',
    request: signed({ aud: 'https://another-api.test' }),
    expect: { status: 401, challenge: INVALID_TOKEN, body: { error: 'invalid_token' } },
  },
  {
    name: 'wrong issuer → 401 invalid_token',
    scenario: 'base',
    request: signed({ iss: 'https://impostor.test' }),
    expect: { status: 401, challenge: INVALID_TOKEN },
  },
  {
    name: 'tampered payload (bad signature) → 401 invalid_token',
    scenario: 'base',
    request: async (w) => {
      const [h, , s] = (await w.auth.sign()).split('.');
      const forged = Buffer.from(
        JSON.stringify({ iss: w.auth.issuer, aud: AUDIENCE, sub: 'mallory', exp: 9e9 }),
      );
      return get('/me', bearer(`${h}.${forged.toString('base64url')}.${s}`));
    },
    expect: { status: 401, challenge: INVALID_TOKEN },
  },
  {
    name: 'not a JWT → 401 invalid_token',
    scenario: 'base',
    request: async () => get('/me', bearer('not-a-jwt')),
    expect: { status: 401, challenge: INVALID_TOKEN, body: { error: 'invalid_token' } },
  },
  {
    name: 'revoked (denylist) → 401 invalid_token',
    scenario: 'base',
    request: async (w) => {
      const token = await w.auth.sign({ jti: `revoked-${Math.random().toString(36).slice(2)}` });
      await w.fixture.revoke(await w.verifier.verify(token));
      return get('/me', bearer(token));
    },
    expect: { status: 401, challenge: INVALID_TOKEN, body: { error: 'invalid_token' } },
  },
  // Hostile or broken input is a 4xx with the RFC 6750 shape, never a 500 (core's hostile-token suite has the
  // full list; these prove each adapter hands the error over instead of crashing).
  {
    name: 'token over the size cap → 401 invalid_token',
    scenario: 'base',
    request: async () => get('/me', bearer(`${'a'.repeat(4100)}.${'b'.repeat(4100)}.c`)),
    expect: { status: 401, challenge: INVALID_TOKEN, body: { error: 'invalid_token' } },
  },
  {
    name: 'header segment that is not JSON → 401 invalid_token',
    scenario: 'base',
    request: async () => get('/me', bearer(`${b64('not json')}.${b64('{}')}.c2ln`)),
    expect: { status: 401, challenge: INVALID_TOKEN },
  },
  {
    name: 'payload that is a JSON array → 401 invalid_token',
    scenario: 'base',
    request: async () => get('/me', bearer(`${b64('{"alg":"ES256"}')}.${b64('[1,2]')}.c2ln`)),
    expect: { status: 401, challenge: INVALID_TOKEN },
  },
  {
    name: 'alg none (unsigned) → 401 invalid_token',
    scenario: 'base',
    request: async (w) =>
      get(
        '/me',
        bearer(
          `${b64('{"alg":"none"}')}.${b64(JSON.stringify({ iss: w.auth.issuer, aud: AUDIENCE, sub: 'mallory', exp: 9e9 }))}.`,
        ),
      ),
    expect: { status: 401 },
  },
  {
    name: 'five segments (JWE) → 401 invalid_token',
    scenario: 'base',
    request: async () => get('/me', bearer('eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d')),
    expect: { status: 401, challenge: INVALID_TOKEN },
  },
  {
    name: 'padding only after Bearer → 400 invalid_request',
    scenario: 'base',
    request: async () => get('/me', [['Authorization', 'Bearer ===']]),
    expect: { status: 400, challenge: INVALID_REQUEST },
  },
  // Route-level scopes: all-of, any-of.
  {
    name: 'requireScopes: granted → 200',
    scenario: 'base',
    request: at('/items'),
    expect: { status: 200, body: { ok: 'read' } },
  },
  {
    name: 'requireScopes: missing → 403 insufficient_scope with scope=',
    scenario: 'base',
    request: at('/items', { scope: 'profile' }),
    expect: {
      status: 403,
      challenge:
        'Bearer scope="read:items", error="insufficient_scope", error_description="Requires scope read:items"',
      body: { error: 'insufficient_scope', error_description: 'Requires scope read:items' },
    },
  },
  {
    name: 'requireScopes: every scope needed, one missing → 403',
    scenario: 'base',
    request: at('/items/all'),
    expect: { status: 403, challenge: /scope="read:items write:items", error="insufficient_scope"/ },
  },
  {
    name: 'requireScopes: both granted → 200',
    scenario: 'base',
    request: at('/items/all', { scope: 'write:items read:items' }),
    expect: { status: 200, body: { ok: 'all' } },
  },
  {
    name: 'requireAnyScope: one of them → 200',
    scenario: 'base',
    request: at('/items', { scope: 'read:items admin' }, 'POST'),
    expect: { status: 200, body: { ok: 'write' } },
  },
  {
    name: 'requireAnyScope: none of them → 403 naming the alternatives',
    scenario: 'base',
    request: at('/items', {}, 'POST'),
    expect: { status: 403, challenge: /scope="write:items admin", error="insufficient_scope"/ },
  },
  {
    name: 'scope guard on a whole router: granted → 200',
    scenario: 'base',
    request: at('/router/x', { scope: 'write:items' }),
    expect: { status: 200, body: { ok: 'router' } },
  },
  {
    name: 'scope guard on a whole router: missing → 403',
    scenario: 'base',
    request: at('/router/x'),
    expect: { status: 403, challenge: /scope="write:items", error="insufficient_scope"/ },
  },
  // Claim checks.
  {
    name: 'requireClaims map: matching → 200',
    scenario: 'base',
    request: at('/admin', { role: 'admin' }),
    expect: { status: 200, body: { ok: 'admin' } },
  },
  {
    name: 'requireClaims map: array claim containing the value → 200',
    scenario: 'base',
    request: at('/admin', { role: ['user', 'admin'] }),
    expect: { status: 200, body: { ok: 'admin' } },
  },
  {
    name: 'requireClaims map: mismatch → 403 insufficient_scope',
    scenario: 'base',
    request: at('/admin', { role: 'user' }),
    expect: {
      status: 403,
      challenge: 'Bearer error="insufficient_scope", error_description="Claim role does not grant access"',
      body: { error: 'insufficient_scope', error_description: 'Claim role does not grant access' },
    },
  },
  {
    name: 'requireClaims predicate: true → 200, false → (next case) 403',
    scenario: 'base',
    request: at('/tenant', { tenant: 't1' }),
    expect: { status: 200, body: { ok: 'tenant' } },
  },
  {
    name: 'requireClaims predicate: false → 403',
    scenario: 'base',
    request: at('/tenant', { tenant: 't2' }),
    expect: { status: 403, challenge: /error="insufficient_scope"/ },
  },
  // CORS preflight carries no credentials: it reaches the app's OPTIONS handler untouched.
  {
    name: 'CORS preflight passes through untouched',
    scenario: 'base',
    request: async () => ({
      method: 'OPTIONS',
      path: '/me',
      headers: [
        ['Origin', 'http://127.0.0.1:1'],
        ['Access-Control-Request-Method', 'GET'],
      ],
    }),
    expect: { status: 204, challenge: null, headers: { 'x-preflight': 'handled' } },
  },
  {
    name: 'OPTIONS without Access-Control-Request-Method is not a preflight → 401',
    scenario: 'base',
    request: async () => ({ method: 'OPTIONS', path: '/me' }),
    expect: { status: 401, challenge: 'Bearer' },
  },
  // Optional mode: no token continues unauthenticated; a bad token is still refused; routes still guard.
  {
    name: 'optional: no token → 200 unauthenticated',
    scenario: 'optional',
    request: async () => get('/me'),
    expect: { status: 200, body: { sub: null, scopes: [] } },
  },
  {
    name: 'optional: valid token → 200 authenticated',
    scenario: 'optional',
    request: signed(),
    expect: { status: 200, body: { sub: 'alice', scopes: ['read:items'] } },
  },
  {
    name: 'optional: bad token still → 401 invalid_token',
    scenario: 'optional',
    request: signed({ aud: 'https://another-api.test' }),
    expect: { status: 401, challenge: INVALID_TOKEN },
  },
  {
    name: 'optional: malformed header still → 400',
    scenario: 'optional',
    request: async () => get('/me', [['Authorization', 'Bearer a b']]),
    expect: { status: 400, challenge: INVALID_REQUEST },
  },
  {
    name: 'optional: scope route without token → 401',
    scenario: 'optional',
    request: async () => get('/items'),
    expect: { status: 401, challenge: 'Bearer', body: MISSING },
  },
  {
    name: 'optional: claim route without token → 401',
    scenario: 'optional',
    request: async () => get('/admin'),
    expect: { status: 401, challenge: 'Bearer', body: MISSING },
  },
  // Token location.
  {
    name: 'cookie: token in the configured cookie → 200',
    scenario: 'cookie',
    request: async (w) => get('/me', [['Cookie', `theme=dark; access_token=${await w.auth.sign()}`]]),
    expect: { status: 200, body: { sub: 'alice', scopes: ['read:items'] } },
  },
  {
    name: 'cookie: header still accepted → 200',
    scenario: 'cookie',
    request: signed(),
    expect: { status: 200 },
  },
  {
    name: 'cookie: header and cookie together → 400 (one method only, RFC 6750 §2)',
    scenario: 'cookie',
    request: async (w) =>
      get('/me', [...bearer(await w.auth.sign()), ['Cookie', `access_token=${await w.auth.sign()}`]]),
    expect: { status: 400, challenge: INVALID_REQUEST },
  },
  {
    name: 'cookie: a cookie is ignored unless configured → 401',
    scenario: 'base',
    request: async (w) => get('/me', [['Cookie', `access_token=${await w.auth.sign()}`]]),
    expect: { status: 401, challenge: 'Bearer' },
  },
  {
    name: 'custom getter: token from X-Access-Token → 200',
    scenario: 'getter',
    request: async (w) => get('/me', [['X-Access-Token', await w.auth.sign()]]),
    expect: { status: 200, body: { sub: 'alice', scopes: ['read:items'] } },
  },
  {
    name: 'custom getter replaces the Authorization header → 401',
    scenario: 'getter',
    request: signed(),
    expect: { status: 401, challenge: 'Bearer' },
  },
  {
    name: 'custom getter: a bad token → 401 invalid_token',
    scenario: 'getter',
    request: async () => get('/me', [['X-Access-Token', 'garbage']]),
    expect: { status: 401, challenge: INVALID_TOKEN },
  },
  // Realm in every challenge.
  {
    name: 'realm: no token → Bearer realm="conformance"',
    scenario: 'realm',
    request: async () => get('/me'),
    expect: { status: 401, challenge: 'Bearer realm="conformance"' },
  },
  {
    name: 'realm: invalid token carries the realm',
    scenario: 'realm',
    request: signed({ aud: 'https://another-api.test' }),
    expect: { status: 401, challenge: /^Bearer realm="conformance", error="invalid_token"/ },
  },
  {
    name: 'realm: insufficient scope carries the realm',
    scenario: 'realm',
    request: at('/items', { scope: 'profile' }),
    expect: {
      status: 403,
      challenge: /^Bearer realm="conformance", scope="read:items", error="insufficient_scope"/,
    },
  },
  {
    name: 'realm: failed claim check carries the realm',
    scenario: 'realm',
    request: at('/admin'),
    expect: { status: 403, challenge: /^Bearer realm="conformance", error="insufficient_scope"/ },
  },
  // Guard options inline with the verifier options.
  {
    name: 'inline guard options (realm, optional) are honoured',
    scenario: 'inline',
    request: async () => get('/items'),
    expect: { status: 401, challenge: 'Bearer realm="inline"' },
  },
  {
    name: 'inline optional: no token → 200',
    scenario: 'inline',
    request: async () => get('/me'),
    expect: { status: 200, body: { sub: null, scopes: [] } },
  },
  // A verifier shared between apps (and guard options as the second argument).
  {
    name: 'shared verifier: valid → 200',
    scenario: 'shared',
    request: signed(),
    expect: { status: 200, body: { sub: 'alice', scopes: ['read:items'] } },
  },
  {
    name: 'shared verifier: guard options still apply',
    scenario: 'shared',
    request: async () => get('/me'),
    expect: { status: 401, challenge: 'Bearer realm="shared"' },
  },
  // What `validate` hooks see of the request.
  {
    name: 'validate hook sees method and path + query',
    scenario: 'context',
    request: async (w) => get('/me?probe=1', bearer(await w.auth.sign())),
    expect: { status: 200, body: { sub: 'alice' } },
  },
  {
    name: 'validate hook can refuse by request context → 401',
    scenario: 'context',
    request: async (w) => get('/me?probe=2', bearer(await w.auth.sign())),
    expect: { status: 401, challenge: INVALID_TOKEN },
  },
  {
    name: 'validate hook sees the headers and the peer address',
    scenario: 'context',
    request: async (w) => get('/me?probe=report', [...bearer(await w.auth.sign()), ['X-Probe', 'yes']]),
    // app.request() has no connection, so no peer; every served adapter reports the loopback client.
    expect: (adapter) => {
      const peer = adapter === 'hono (app.request)' ? 'none' : 'loopback';
      const description = `saw GET /me?probe=report x-probe=yes peer=${peer}`;
      return {
        status: 401,
        challenge: `Bearer error="invalid_token", error_description="${description}"`,
        body: { error: 'invalid_token', error_description: description },
      };
    },
  },
  // Keys from a JWKS endpoint.
  {
    name: 'JWKS: valid token → 200',
    scenario: 'jwks',
    request: signed(),
    expect: { status: 200, body: { sub: 'alice', scopes: ['read:items'] } },
  },
  {
    name: 'JWKS: unknown issuer key (forged) → 401 invalid_token',
    scenario: 'jwks',
    request: async (w) => get('/me', bearer(await w.auth.sign({}, { forge: true }))),
    expect: { status: 401, challenge: INVALID_TOKEN },
  },
  // JWKS unreachable and nothing cached: not the client's fault → 503 + Retry-After, no challenge.
  {
    name: 'JWKS down with a cold cache → 503 + Retry-After',
    scenario: 'jwksDown',
    request: signed(),
    expect: {
      status: 503,
      challenge: null,
      headers: { 'retry-after': /^[1-9]\d*$/ },
      body: { error: 'temporarily_unavailable' },
    },
  },
  // The denylist cannot answer: fail closed (the default) rather than accept a possibly revoked token.
  {
    name: 'denylist unavailable → 503 + Retry-After (fail closed)',
    scenario: 'denylistDown',
    request: signed(),
    expect: {
      status: 503,
      challenge: null,
      headers: { 'retry-after': /^[1-9]\d*$/ },
      body: { error: 'temporarily_unavailable' },
    },
  },
  // The framework's own error handling: status and headers come from the error itself.
  {
    name: "framework's default handler: 401 + challenge",
    scenario: 'framework',
    request: async () => get('/me'),
    expect: { status: 401, challenge: 'Bearer' },
  },
  {
    name: "framework's default handler: 403 + scope challenge",
    scenario: 'framework',
    request: at('/items', { scope: 'profile' }),
    expect: { status: 403, challenge: /scope="read:items", error="insufficient_scope"/ },
  },
  {
    name: "framework's default handler: 400 for two headers",
    scenario: 'framework',
    request: async () => get('/me', [...bearer('a.b.c'), ...bearer('d.e.f')]),
    expect: { status: 400, challenge: INVALID_REQUEST },
  },
  // The app's own error handler sees the JwtGuardError and its stable code.
  {
    name: 'custom error handler: no token',
    scenario: 'custom',
    request: async () => get('/me'),
    expect: { status: 401, challenge: 'Bearer', body: { custom: 'ERR_TOKEN_MISSING' } },
  },
  {
    name: 'custom error handler: insufficient scope',
    scenario: 'custom',
    request: at('/items', { scope: 'profile' }),
    expect: { status: 403, challenge: /insufficient_scope/, body: { custom: 'ERR_INSUFFICIENT_SCOPE' } },
  },
  {
    name: 'custom error handler: failed claim check',
    scenario: 'custom',
    request: at('/admin'),
    expect: { status: 403, body: { custom: 'ERR_CLAIM_CHECK_FAILED' } },
  },
  {
    name: 'custom error handler: expired token',
    scenario: 'custom',
    request: signed({ iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 }),
    expect: { status: 401, challenge: INVALID_TOKEN, body: { custom: expect.stringMatching(/^ERR_/) } },
  },
  // DPoP (RFC 9449): the adapters hand every check to core and render its answers identically.
  {
    name: 'DPoP: bound token with its proof → 200',
    scenario: 'dpop',
    request: dpopAt(),
    expect: { status: 200, body: { sub: 'alice', scopes: ['read:items'] } },
  },
  {
    name: 'DPoP: no credentials → 401 with a Bearer and a DPoP challenge',
    scenario: 'dpop',
    request: async () => get('/me'),
    expect: { status: 401, challenge: `Bearer, DPoP ${DPOP_ALGS}`, body: MISSING },
  },
  {
    name: 'DPoP: unbound Bearer token still works when DPoP is optional → 200',
    scenario: 'dpop',
    request: signed(),
    expect: { status: 200, body: { sub: 'alice', scopes: ['read:items'] } },
  },
  {
    name: 'DPoP: bound token sent as Bearer (downgrade) → 401 invalid_token',
    scenario: 'dpop',
    request: dpopAt({ scheme: 'Bearer', proofBy: null }),
    expect: { status: 401, challenge: INVALID_TOKEN, body: { error: 'invalid_token' } },
  },
  {
    name: 'DPoP: bound token sent as Bearer to an API without the dpop option → 401 invalid_token',
    scenario: 'base',
    request: dpopAt({ scheme: 'Bearer', proofBy: null }),
    expect: { status: 401, challenge: INVALID_TOKEN, body: { error: 'invalid_token' } },
  },
  {
    name: 'DPoP: Bearer token with a DPoP header → 400 invalid_request',
    scenario: 'dpop',
    request: dpopAt({ scheme: 'Bearer', bindTo: null }),
    expect: { status: 400, challenge: INVALID_REQUEST, body: { error: 'invalid_request' } },
  },
  {
    name: 'DPoP: no proof → 401 invalid_dpop_proof with algs',
    scenario: 'dpop',
    request: dpopAt({ proofBy: null }),
    expect: {
      status: 401,
      challenge: `DPoP error="invalid_dpop_proof", error_description="DPoP proof is missing", ${DPOP_ALGS}`,
      body: { error: 'invalid_dpop_proof', error_description: 'DPoP proof is missing' },
    },
  },
  {
    name: 'DPoP: two proofs → 401 invalid_dpop_proof',
    scenario: 'dpop',
    request: dpopAt({ proofs: 2 }),
    expect: {
      status: 401,
      challenge: `DPoP error="invalid_dpop_proof", error_description="Request must carry exactly one DPoP proof", ${DPOP_ALGS}`,
    },
  },
  {
    name: 'DPoP: proof for another method → 401 invalid_dpop_proof',
    scenario: 'dpop',
    request: dpopAt({ htm: 'POST' }),
    expect: { status: 401, challenge: /^DPoP error="invalid_dpop_proof", error_description="DPoP proof htm/ },
  },
  {
    name: 'DPoP: proof for another URI → 401 invalid_dpop_proof',
    scenario: 'dpop',
    request: dpopAt({ htu: `${PUBLIC_URL}/other` }),
    expect: { status: 401, challenge: /^DPoP error="invalid_dpop_proof", error_description="DPoP proof htu/ },
  },
  {
    name: 'DPoP: proof by a key the token is not bound to → 401 invalid_dpop_proof',
    scenario: 'dpop',
    request: dpopAt({ proofBy: 'stranger' }),
    expect: { status: 401, challenge: /^DPoP error="invalid_dpop_proof", error_description="DPoP proof key/ },
  },
  {
    name: 'DPoP: proof with an unbound token → 401 invalid_token under the DPoP scheme',
    scenario: 'dpop',
    request: dpopAt({ bindTo: null }),
    expect: {
      status: 401,
      challenge: `DPoP error="invalid_token", error_description="Token is not bound to a DPoP key", ${DPOP_ALGS}`,
    },
  },
  {
    name: 'DPoP: expired bound token → 401 invalid_token under the DPoP scheme',
    scenario: 'dpop',
    request: dpopAt({
      claims: { iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 },
    }),
    expect: { status: 401, challenge: /^DPoP error="invalid_token", error_description="[^"]+", algs="/ },
  },
  {
    name: 'DPoP: missing scope → 403 insufficient_scope under the DPoP scheme',
    scenario: 'dpop',
    request: dpopAt({ path: '/items', claims: { scope: 'profile' } }),
    expect: {
      status: 403,
      challenge: `DPoP scope="read:items", error="insufficient_scope", error_description="Requires scope read:items", ${DPOP_ALGS}`,
    },
  },
  {
    name: 'DPoP: scope granted → 200 through the route check',
    scenario: 'dpop',
    request: dpopAt({ path: '/items' }),
    expect: { status: 200, body: { ok: 'read' } },
  },
  {
    name: 'DPoP required: unbound Bearer token → 401 invalid_token with a DPoP challenge',
    scenario: 'dpopRequired',
    request: signed(),
    expect: {
      status: 401,
      challenge: `DPoP error="invalid_token", error_description="This resource accepts DPoP tokens only", ${DPOP_ALGS}`,
    },
  },
  {
    name: 'DPoP required: no credentials → 401 with the DPoP challenge alone',
    scenario: 'dpopRequired',
    request: async () => get('/me'),
    expect: { status: 401, challenge: `DPoP ${DPOP_ALGS}`, body: MISSING },
  },
  {
    name: 'DPoP required: bound token with its proof → 200',
    scenario: 'dpopRequired',
    request: dpopAt(),
    expect: { status: 200, body: { sub: 'alice' } },
  },
  {
    name: 'DPoP nonce: proof without the nonce → 401 use_dpop_nonce with a DPoP-Nonce header',
    scenario: 'dpopNonce',
    request: dpopAt(),
    expect: {
      status: 401,
      challenge: /^DPoP error="use_dpop_nonce", error_description="[^"]+", algs="/,
      headers: { 'dpop-nonce': /^[0-9a-z]+\.[A-Za-z0-9_-]{43}$/ },
      body: { error: 'use_dpop_nonce' },
    },
  },
  {
    name: 'DPoP nonce: proof with a nonce from another instance sharing the secret → 200 with the next nonce',
    scenario: 'dpopNonce',
    request: dpopAt({ nonce: true }),
    expect: {
      status: 200,
      body: { sub: 'alice' },
      headers: { 'dpop-nonce': /^[0-9a-z]+\.[A-Za-z0-9_-]{43}$/ },
    },
  },
  {
    name: "DPoP without publicUrl: the request's own scheme and host are the htu → 200",
    scenario: 'dpopOrigin',
    perAdapter: true,
    request: dpopAt({ fromOrigin: true }),
    expect: { status: 200, body: { sub: 'alice' } },
  },
  {
    name: 'DPoP without publicUrl: X-Forwarded-Host / -Proto are not trusted for htu → 401',
    scenario: 'dpopOrigin',
    perAdapter: true,
    request: dpopAt({
      htu: 'https://evil.test/me',
      extraHeaders: [
        ['X-Forwarded-Host', 'evil.test'],
        ['X-Forwarded-Proto', 'https'],
      ],
    }),
    expect: { status: 401, challenge: /^DPoP error="invalid_dpop_proof", error_description="DPoP proof htu/ },
  },
];

function scenarios(world: World): Record<ScenarioName, Scenario> {
  const options: VerifierOptions = {
    issuer: world.auth.issuer,
    audience: AUDIENCE,
    // Static keys keep the adapter behaviour independent of the JWKS cache; the 'jwks' scenarios cover it.
    keys: world.auth.jwks as KeyInput,
    denylist: world.fixture.denylist,
  };
  const remote: VerifierOptions = { ...options, keys: undefined, jwksUri: world.auth.jwksUri };
  return {
    base: { verifier: options, errors: 'library' },
    framework: { verifier: options, errors: 'framework' },
    custom: { verifier: options, errors: 'custom' },
    optional: { verifier: options, guard: { optional: true }, errors: 'library' },
    cookie: { verifier: options, guard: { cookie: 'access_token' }, errors: 'library' },
    getter: { verifier: options, tokenHeader: 'x-access-token', errors: 'library' },
    realm: { verifier: options, guard: { realm: 'conformance' }, errors: 'library' },
    inline: {
      verifier: { ...options, realm: 'inline', optional: true } as VerifierOptions,
      errors: 'library',
    },
    shared: { verifier: world.verifier, guard: { realm: 'shared' }, errors: 'library' },
    jwks: { verifier: remote, errors: 'library' },
    denylistDown: {
      verifier: {
        ...options,
        denylist: () => Promise.reject(new Error('denylist store unreachable')),
      },
      errors: 'library',
    },
    // The request context every adapter hands the verifier has one shape: method, path + query.
    context: {
      verifier: {
        ...options,
        validate: (_result, context) => {
          if (context.url === '/me?probe=report') {
            const probe = headerValues(context.headers ?? {}, 'x-probe').join('|');
            const address = context.clientAddress;
            const peer =
              address === undefined ? 'none' : /^(::ffff:)?127\.|^::1$/.test(address) ? 'loopback' : address;
            throw new InvalidTokenError(
              'ERR_JWT_VALIDATION_FAILED',
              `saw ${context.method} ${context.url} x-probe=${probe} peer=${peer}`,
            );
          }
          if (context.method !== 'GET' || context.url !== '/me?probe=1') {
            throw new InvalidTokenError(
              'ERR_JWT_VALIDATION_FAILED',
              `Unexpected context ${context.method} ${context.url}`,
            );
          }
        },
      },
      errors: 'library',
    },
    jwksDown: { verifier: { ...remote, jwksUri: world.auth.brokenJwksUri }, errors: 'library' },
    dpop: { verifier: { ...options, dpop: { publicUrl: PUBLIC_URL } }, errors: 'library' },
    dpopRequired: {
      verifier: { ...options, dpop: { required: true, publicUrl: PUBLIC_URL } },
      errors: 'library',
    },
    dpopNonce: {
      verifier: { ...options, dpop: { publicUrl: PUBLIC_URL, nonce: { secret: NONCE_SECRET } } },
      errors: 'library',
    },
    dpopOrigin: { verifier: { ...options, dpop: true }, errors: 'library' },
  };
}

export function runConformance(name: string, makeDenylist: () => Promise<DenylistFixture>): void {
  describe(`adapter conformance (${name} denylist)`, () => {
    let world: World;
    const clients = new Map<string, Client>();

    beforeAll(async () => {
      const [auth, fixture, client, stranger] = await Promise.all([
        startAuthServer(),
        makeDenylist(),
        createDpopClient(),
        createDpopClient(),
      ]);
      const verifier = createVerifier({
        issuer: auth.issuer,
        audience: AUDIENCE,
        keys: auth.jwks as KeyInput,
        denylist: fixture.denylist,
      });
      world = { auth, fixture, verifier, client, stranger };
      const built = scenarios(world);
      for (const [adapter, harness] of Object.entries(harnesses)) {
        for (const [scenario, config] of Object.entries(built))
          clients.set(`${adapter}/${scenario}`, await harness(config));
      }
    });

    afterAll(async () => {
      await Promise.all([...clients.values()].map((client) => client.close()));
      await world?.fixture.close();
      await world?.auth.close();
    });

    for (const adapter of Object.keys(harnesses)) {
      describe(adapter, () => {
        test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
          const client = clients.get(`${adapter}/${c.scenario}`) as Client;
          const request = await c.request(world, client.origin);
          const expected = typeof c.expect === 'function' ? c.expect(adapter) : c.expect;
          check(await client.send(request), expected, c.scenario, adapter, request);
        });
      });
    }

    // The table above holds each adapter to the expectation; this holds them to each other, on everything the
    // client sees (status, challenge, Retry-After, JSON body), so a difference the table does not spell out
    // is caught too. The one request is sent to every adapter.
    describe('every adapter gives the same answer', () => {
      const comparable = CASES.filter((c) => typeof c.expect !== 'function' && !c.perAdapter);
      test.each(comparable.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
        const request = await c.request(world, PUBLIC_URL);
        const answers = await Promise.all(
          Object.keys(harnesses).map(async (adapter) => {
            const res = await (clients.get(`${adapter}/${c.scenario}`) as Client).send(request);
            return [adapter, visible(res, c.scenario)] as const;
          }),
        );
        const [first] = answers;
        for (const [adapter, answer] of answers.slice(1)) {
          expect({ adapter, answer }).toEqual({ adapter, answer: first?.[1] });
        }
      });
    });
  });
}

/** What a client can observe of an answer, minus what the frameworks legitimately render differently. */
function visible(res: TestResponse, scenario: ScenarioName): Record<string, unknown> {
  const json = /^application\/json/.test(res.headers['content-type'] ?? '');
  return {
    status: res.status,
    challenge: res.headers['www-authenticate'],
    // Seconds until the next attempt depend on when each adapter's own verifier last tried: compare the form.
    retryAfter: res.headers['retry-after']?.replace(/^[1-9]\d*$/, '<seconds>'),
    // The frameworks' own error pages (Express HTML, Koa text) differ by design; the library's JSON must not.
    body: scenario === 'framework' ? undefined : json ? res.body : undefined,
    json: scenario === 'framework' ? undefined : json,
  };
}

function check(
  res: TestResponse,
  expected: Expectation,
  scenario: ScenarioName,
  adapter: string,
  request: TestRequest,
): void {
  const challenge = res.headers['www-authenticate'];
  // RFC 6750 error descriptions are for humans; they must never echo the credential back.
  for (const token of credentialsOf(request)) {
    expect(String(challenge ?? '')).not.toContain(token);
    expect(typeof res.body === 'string' ? res.body : JSON.stringify(res.body)).not.toContain(token);
  }
  if (res.status !== expected.status) {
    // Say why: the body and challenge explain an unexpected status far better than the number alone.
    throw new Error(
      `expected ${expected.status}, got ${res.status} ${JSON.stringify(res.body)} ${challenge}`,
    );
  }
  if (expected.challenge === null) expect(challenge).toBeUndefined();
  else if (typeof expected.challenge === 'string') expect(challenge).toBe(expected.challenge);
  else if (expected.challenge) expect(challenge).toMatch(expected.challenge);
  for (const [header, value] of Object.entries(expected.headers ?? {})) {
    if (typeof value === 'string') expect(res.headers[header]).toBe(value);
    else expect(res.headers[header]).toMatch(value);
  }
  // The framework's default handlers render their own bodies (HTML, text); only the library's are compared.
  const rendersJson = scenario !== 'framework' || adapter.startsWith('hono');
  if (expected.body !== undefined && rendersJson) expect(res.body).toMatchObject(expected.body as object);
  // Where the library renders the error, the body is JSON with exactly the RFC 6750 fields, nothing more.
  if (res.status >= 400 && scenario !== 'framework' && scenario !== 'custom') {
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body).toEqual({ error: expect.any(String), error_description: expect.any(String) });
  }
}

/** The credentials a request carries (long enough to be recognisable in an answer). */
function credentialsOf(request: TestRequest): string[] {
  const found: string[] = [];
  for (const [name, value] of request.headers ?? []) {
    const lower = name.toLowerCase();
    if (lower === 'authorization') found.push(value.replace(/^\S+\s*/, ''));
    else if (lower === 'x-access-token') found.push(value);
    else if (lower === 'cookie')
      found.push(...[...value.matchAll(/access_token=([^;]+)/g)].map((m) => m[1] as string));
  }
  return found.flatMap((token) => token.split(/,\s*Bearer\s+/)).filter((token) => token.length >= 16);
}
