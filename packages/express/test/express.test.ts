// Express-specific behaviour; the behaviour shared by all adapters is in test/conformance.
import express, { type ErrorRequestHandler } from 'express';
import request from 'supertest';
import {
  ConfigurationError,
  InsufficientScopeError,
  isJwtGuardError,
  jwtErrorHandler,
  jwtGuard,
  requireAnyScope,
  requireClaims,
  requireScopes,
  type AuthResult,
  type KeyInput,
} from '@jwtguard/express';
import { AUDIENCE, startAuthServer, type TestAuthServer } from '../../../test/conformance/jwks.js';
import { loopbackServers } from '../../../test/support/loopback-servers.js';
import { expectContinuesSynchronously } from '../../../test/support/synchronous-continuation.js';

let auth: TestAuthServer;
const listen = loopbackServers();

beforeAll(async () => {
  auth = await startAuthServer();
});

afterAll(() => auth.close());

const options = () => ({ issuer: auth.issuer, audience: AUDIENCE, keys: auth.jwks as KeyInput });

test('req.auth is the verified AuthResult', async () => {
  let seen: AuthResult | undefined;
  const app = express();
  app.use(jwtGuard(options()));
  app.get('/', (req, res) => void ((seen = req.auth), res.end()));
  const token = await auth.sign({ scope: 'a b' });
  await request(await listen(app))
    .get('/')
    .set('Authorization', `Bearer ${token}`)
    .expect(200);
  expect(seen).toMatchObject({ token, issuer: auth.issuer, scopes: ['a', 'b'], payload: { sub: 'alice' } });
  expect(seen?.header).toMatchObject({ alg: 'ES256', kid: 'conformance-1' });
});

test('errors reach next(err) with status, statusCode, expose and headers', async () => {
  const errors: unknown[] = [];
  const app = express();
  app.use(jwtGuard(options()));
  app.get('/', requireScopes('write'), (_req, res) => void res.end());
  const capture: ErrorRequestHandler = (err, _req, res, _next) => {
    errors.push(err);
    res.status(599).end();
  };
  app.use(capture);
  await request(await listen(app))
    .get('/')
    .set('Authorization', `Bearer ${await auth.sign()}`)
    .expect(599);
  const err = errors[0] as InsufficientScopeError;
  expect(err).toBeInstanceOf(InsufficientScopeError);
  expect(isJwtGuardError(err)).toBe(true);
  expect({ status: err.status, statusCode: err.statusCode, expose: err.expose }).toEqual({
    status: 403,
    statusCode: 403,
    expose: true,
  });
  expect(err.headers['WWW-Authenticate']).toContain('scope="write"');
});

test("Express's default handler sends the status and the challenge", async () => {
  const app = express();
  app.use(jwtGuard(options(), { realm: 'api' }));
  const res = await request(await listen(app)).get('/');
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toBe('Bearer realm="api"');
});

// What every adapter's JSON rendering looks like is held by the conformance suite; here, its options.
describe('jwtErrorHandler', () => {
  test('body option replaces the body, keeping status and headers', async () => {
    const app = express();
    app.use(jwtGuard(options()));
    app.use(jwtErrorHandler({ body: (err, body) => ({ ...body, code: err.code }) }));
    const res = await request(await listen(app)).get('/');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.body).toEqual({
      error: 'unauthorized',
      error_description: 'Authentication required',
      code: 'ERR_TOKEN_MISSING',
    });
  });

  test('other errors pass through to the next handler', async () => {
    const app = express();
    app.get('/', () => {
      throw new Error('unrelated');
    });
    app.use(jwtErrorHandler());
    app.use(
      ((err, _req, res, _next) =>
        void res.status(500).json({ passed: (err as Error).message })) as ErrorRequestHandler,
    );
    const res = await request(await listen(app)).get('/');
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ passed: 'unrelated' });
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
  expect(() => jwtGuard(options(), { realm: 'bad"realm' })).toThrow(ConfigurationError);
  expect(() => requireScopes()).toThrow(ConfigurationError);
  expect(() => requireAnyScope('two words')).toThrow(ConfigurationError);
  expect(() => requireClaims({})).toThrow(ConfigurationError);
});

test('with the answer at hand the middleware continues synchronously; otherwise once the promise settles', async () => {
  const middleware = jwtGuard(options());
  const call = (authorization: string) => {
    const req = {
      method: 'GET',
      originalUrl: '/',
      headers: { authorization },
      rawHeaders: ['Authorization', authorization],
    } as unknown as express.Request;
    const calls: unknown[] = [];
    middleware(req, {} as express.Response, (err?: unknown) => void calls.push(err ?? 'next'));
    return { calls, sub: () => req.auth?.payload.sub };
  };
  await expectContinuesSynchronously(await auth.sign({ scope: 'a' }), call);
  // A refusal goes to next(err) as soon.
  const refused = call('Bearer a.b.c');
  expect(refused.calls).toHaveLength(1);
  expect(isJwtGuardError(refused.calls[0])).toBe(true);
});
