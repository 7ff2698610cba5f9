// Hono-specific behaviour; the behaviour shared by all adapters is in test/conformance.
import { Context, Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  ConfigurationError,
  InsufficientScopeError,
  JwtGuardError,
  jwtGuard,
  jwtGuardErrorOf,
  requireClaims,
  requireScopes,
  type JwtGuardEnv,
  type KeyInput,
} from '@jwtguard/hono';
import { AUDIENCE, startAuthServer, type TestAuthServer } from '../../../test/conformance/jwks.js';
import { expectContinuesSynchronously } from '../../../test/support/synchronous-continuation.js';

let auth: TestAuthServer;

beforeAll(async () => {
  auth = await startAuthServer();
});

afterAll(() => auth.close());

const options = () => ({ issuer: auth.issuer, audience: AUDIENCE, keys: auth.jwks as KeyInput });
const bearer = async (claims?: Record<string, unknown>) => ({
  Authorization: `Bearer ${await auth.sign(claims)}`,
});

test('c.var.auth is the verified AuthResult', async () => {
  const app = new Hono<JwtGuardEnv>();
  app.use(jwtGuard(options()));
  app.get('/', (c) => c.json({ token: c.var.auth.token, scopes: c.var.auth.scopes, iss: c.var.auth.issuer }));
  const headers = await bearer({ scope: 'a b' });
  const res = await app.request('/', { headers });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({
    token: headers.Authorization.slice(7),
    scopes: ['a', 'b'],
    iss: auth.issuer,
  });
});

test('errors are HTTPExceptions whose response carries status, challenge and JSON body', async () => {
  const caught: unknown[] = [];
  const app = new Hono();
  app.use(jwtGuard(options(), { realm: 'api' }));
  app.get('/', requireScopes('write'), (c) => c.text('never'));
  app.onError((err, c) => {
    caught.push(err);
    return err instanceof HTTPException ? err.getResponse() : c.text('unexpected', 500);
  });
  const res = await app.request('/', { headers: await bearer() });
  expect(res.status).toBe(403);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="api", scope="write"/);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(await res.json()).toEqual({
    error: 'insufficient_scope',
    error_description: 'Requires scope write',
  });
  const err = caught[0] as HTTPException;
  expect(err).toBeInstanceOf(HTTPException);
  expect(err.status).toBe(403);
  expect(err.cause).toBeInstanceOf(InsufficientScopeError);
});

test('jwtGuardErrorOf finds the JwtGuardError behind an HTTPException, and nothing else', async () => {
  const app = new Hono();
  app.use(jwtGuard(options()));
  let found: JwtGuardError | undefined;
  app.onError((err, c) => ((found = jwtGuardErrorOf(err)), c.text('handled', 418)));
  expect((await app.request('/')).status).toBe(418);
  expect(found?.code).toBe('ERR_TOKEN_MISSING');
  expect(jwtGuardErrorOf(new Error('x'))).toBeUndefined();
  expect(jwtGuardErrorOf(new HTTPException(404))).toBeUndefined();
  expect(jwtGuardErrorOf(found)).toBe(found);
});

test('getToken receives the Hono context', async () => {
  const app = new Hono();
  app.use(jwtGuard(options(), { getToken: (c) => c.req.query('token') }));
  app.get('/', (c) => c.text('ok'));
  const token = await auth.sign();
  expect((await app.request(`/?token=${token}`)).status).toBe(200);
  expect((await app.request('/')).status).toBe(401);
});

test('requireClaims failures are HTTPExceptions too', async () => {
  const app = new Hono();
  app.use(jwtGuard(options()));
  app.get('/', requireClaims({ role: 'admin' }), (c) => c.text('ok'));
  const res = await app.request('/', { headers: await bearer({ role: 'user' }) });
  expect(res.status).toBe(403);
  expect(await res.json()).toEqual({
    error: 'insufficient_scope',
    error_description: 'Claim role does not grant access',
  });
});

test('a misspelt option name fails at setup with a suggestion, in either argument', () => {
  expect(() => jwtGuard({ ...options(), optinal: true } as never)).toThrow(
    'jwtGuard(): unknown option "optinal"; did you mean "optional"?',
  );
  expect(() => jwtGuard({ ...options(), denyList: () => false } as never)).toThrow(
    'did you mean "denylist"?',
  );
  expect(() => jwtGuard(options(), { relam: 'api' } as never)).toThrow('did you mean "realm"?');
});

test('misconfiguration fails at setup, not per request', () => {
  expect(() => jwtGuard({ issuer: 'https://a.test/', audience: '' })).toThrow(ConfigurationError);
  expect(() => jwtGuard(options(), { realm: '' })).toThrow(ConfigurationError);
  expect(() => requireClaims({ roles: [] })).toThrow(ConfigurationError);
});

test('with the answer at hand the middleware calls next() before it returns; otherwise once the promise settles', async () => {
  const middleware = jwtGuard(options());
  const call = (authorization: string) => {
    const c = new Context(new Request('http://localhost/', { headers: { authorization } }));
    const calls: unknown[] = [];
    const returned = middleware(c as never, async () => void calls.push('next'));
    const auth = () => c.get('auth' as never) as { payload: { sub?: string } } | undefined;
    return { calls, returned, sub: () => auth()?.payload.sub };
  };
  await expectContinuesSynchronously(await auth.sign({ scope: 'a' }), call);
  // A refusal is a rejected promise carrying Hono's HTTPException, not a synchronous throw.
  const refused = call('Bearer a.b.c');
  expect(refused.calls).toEqual([]);
  await expect(refused.returned).rejects.toBeInstanceOf(HTTPException);
});
