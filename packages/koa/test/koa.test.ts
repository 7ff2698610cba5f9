// Koa-specific behaviour; the behaviour shared by all adapters is in test/conformance.
import Koa from 'koa';
import request from 'supertest';
import {
  ConfigurationError,
  InvalidTokenError,
  jwtErrorHandler,
  jwtGuard,
  requireScopes,
  type AuthResult,
  type KeyInput,
} from '@jwtguard/koa';
import { AUDIENCE, startAuthServer, type TestAuthServer } from '../../../test/conformance/jwks.js';
import { loopbackServers } from '../../../test/support/loopback-servers.js';
import { expectContinuesSynchronously } from '../../../test/support/synchronous-continuation.js';

let auth: TestAuthServer;
const serve = loopbackServers();

beforeAll(async () => {
  auth = await startAuthServer();
});

afterAll(() => auth.close());

function listen(app: Koa) {
  app.silent = true;
  return serve(app.callback());
}

const options = () => ({ issuer: auth.issuer, audience: AUDIENCE, keys: auth.jwks as KeyInput });

test('ctx.state.auth is the verified AuthResult', async () => {
  let seen: AuthResult | undefined;
  const app = new Koa();
  app.use(jwtGuard(options()));
  app.use((ctx) => void ((seen = ctx.state.auth), (ctx.status = 204)));
  const token = await auth.sign({ scope: 'a b' });
  await request(await listen(app))
    .get('/')
    .set('Authorization', `Bearer ${token}`)
    .expect(204);
  expect(seen).toMatchObject({ token, issuer: auth.issuer, scopes: ['a', 'b'], payload: { sub: 'alice' } });
});

test('the thrown error is http-errors compatible and reaches upstream middleware', async () => {
  const errors: unknown[] = [];
  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      errors.push(err);
      ctx.status = 599;
    }
  });
  app.use(jwtGuard(options()));
  await request(await listen(app))
    .get('/')
    .set('Authorization', 'Bearer x.y.z')
    .expect(599);
  const err = errors[0] as InvalidTokenError;
  expect(err).toBeInstanceOf(InvalidTokenError);
  expect({ status: err.status, statusCode: err.statusCode, expose: err.expose }).toEqual({
    status: 401,
    statusCode: 401,
    expose: true,
  });
});

test("Koa's default ctx.onerror sends status, challenge and the client-safe description", async () => {
  const app = new Koa();
  app.use(jwtGuard(options(), { realm: 'api' }));
  app.use(requireScopes('write'));
  const res = await request(await listen(app))
    .get('/')
    .set('Authorization', `Bearer ${await auth.sign()}`);
  expect(res.status).toBe(403);
  expect(res.headers['www-authenticate']).toMatch(
    /^Bearer realm="api", scope="write", error="insufficient_scope"/,
  );
  expect(res.text).toBe('Requires scope write');
});

// What every adapter's JSON rendering looks like is held by the conformance suite; here, its options.
describe('jwtErrorHandler', () => {
  test('body option replaces the body, keeping status and headers', async () => {
    const app = new Koa();
    app.use(jwtErrorHandler({ body: (err, body) => ({ ...body, code: err.code }) }));
    app.use(jwtGuard(options(), { realm: 'api' }));
    const res = await request(await listen(app)).get('/');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
    expect(res.body).toEqual({
      error: 'unauthorized',
      error_description: 'Authentication required',
      code: 'ERR_TOKEN_MISSING',
    });
  });

  test('other errors propagate', async () => {
    const app = new Koa();
    app.use(jwtErrorHandler());
    app.use(() => {
      throw new Error('unrelated');
    });
    const res = await request(await listen(app)).get('/');
    expect(res.status).toBe(500);
    expect(res.text).toBe('Internal Server Error');
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
  expect(() => jwtGuard(options(), { cookie: 'a b' })).toThrow(ConfigurationError);
  expect(() => requireScopes()).toThrow(ConfigurationError);
});

test('with the answer at hand the middleware calls next() before it returns; otherwise once the promise settles', async () => {
  const middleware = jwtGuard(options());
  const call = (authorization: string) => {
    const ctx = {
      method: 'GET',
      originalUrl: '/',
      headers: { authorization },
      req: { rawHeaders: ['Authorization', authorization] },
      state: {} as { auth?: AuthResult },
    };
    const calls: unknown[] = [];
    const returned = middleware(ctx as never, async () => void calls.push('next'));
    return { calls, returned, sub: () => ctx.state.auth?.payload.sub };
  };
  await expectContinuesSynchronously(await auth.sign({ scope: 'a' }), call);
  // A refusal is a rejected promise, as Koa middleware must answer, not a synchronous throw.
  const refused = call('Bearer a.b.c');
  expect(refused.calls).toEqual([]);
  await expect(refused.returned).rejects.toMatchObject({ status: 401 });
});
