import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import {
  ConfigurationError,
  InvalidRequestError,
  InvalidTokenError,
  UnauthorizedError,
  createGuard,
  createVerifier,
  type GuardRequest,
  type HeaderInput,
  type JwtPayload,
  type RequestContext,
  type Verifier,
  type VerifierOptions,
} from '@jwtguard/core';

const ISSUER = 'https://issuer.guard.test/';
const AUDIENCE = 'https://api.guard.test';
const NOW = 1_800_000_000;
const clock = (): number => NOW * 1000;

let privateKey: CryptoKey;
let jwk: JWK;
let options: VerifierOptions;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  jwk = { ...(await exportJWK(pair.publicKey)), kid: 'g1', alg: 'ES256' };
  options = { issuer: ISSUER, audience: AUDIENCE, keys: jwk, clock };
});

function sign(claims: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT({ sub: 'alice', scope: 'read', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: 'g1' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(NOW)
    .setExpirationTime(NOW + 300)
    .sign(privateKey);
}

interface FakeRequest {
  id: string;
}

function req(
  headers: HeaderInput,
  extra: Partial<GuardRequest<FakeRequest>> = {},
): GuardRequest<FakeRequest> {
  return { method: 'GET', url: '/r', headers, source: { id: 'r1' }, ...extra };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('createGuard', () => {
  test('verifies the bearer token from the Authorization header', async () => {
    const guard = createGuard(options);
    const auth = await guard.authenticate(req({ authorization: `Bearer ${await sign()}` }));
    expect(auth?.payload.sub).toBe('alice');
    expect(auth?.scopes).toEqual(['read']);
  });

  test('builds one verifier at setup and reuses it', async () => {
    const guard = createGuard(options);
    const first = guard.verifier;
    await guard.authenticate(req({ authorization: `Bearer ${await sign()}` }));
    await guard.authenticate(req({ authorization: `Bearer ${await sign()}` }));
    expect(guard.verifier).toBe(first);
  });

  test('accepts a shared verifier and takes guard options from the second argument', async () => {
    const verifier = createVerifier(options);
    const guard = createGuard(verifier, { realm: 'shared', optional: true });
    expect(guard.verifier).toBe(verifier);
    expect(guard.realm).toBe('shared');
    expect(guard.optional).toBe(true);
    expect(await guard.authenticate(req({}))).toBeUndefined();
  });

  test('guard options mixed into verifier options are split off (and the second argument wins)', async () => {
    const guard = createGuard({ ...options, realm: 'inline', optional: true }, { realm: 'explicit' });
    expect(guard.realm).toBe('explicit');
    expect(guard.optional).toBe(true);
    expect(await guard.authenticate(req({}))).toBeUndefined();
  });

  test('no token → UnauthorizedError (401, no error code)', async () => {
    const err = await failure(createGuard(options).authenticate(req({})));
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect((err as UnauthorizedError).headers['WWW-Authenticate']).toBe('Bearer');
  });

  test('optional: no token → undefined, but a bad token is still refused', async () => {
    const guard = createGuard(options, { optional: true });
    expect(await guard.authenticate(req({}))).toBeUndefined();
    await expect(guard.authenticate(req({ authorization: 'Bearer abc.def.ghi' }))).rejects.toBeInstanceOf(
      InvalidTokenError,
    );
    await expect(guard.authenticate(req({ authorization: 'Bearer a b' }))).rejects.toBeInstanceOf(
      InvalidRequestError,
    );
  });

  test('realm is set on every JwtGuardError it throws', async () => {
    const guard = createGuard(options, { realm: 'api' });
    const missing = (await failure(guard.authenticate(req({})))) as UnauthorizedError;
    expect(missing.headers['WWW-Authenticate']).toBe('Bearer realm="api"');
    const bad = (await failure(
      guard.authenticate(req({ authorization: 'Bearer x.y.z' })),
    )) as InvalidTokenError;
    expect(bad.headers['WWW-Authenticate']).toMatch(/^Bearer realm="api", error="invalid_token"/);
    const twice = (await failure(
      guard.authenticate(req(['Authorization', 'Bearer a', 'Authorization', 'Bearer b'])),
    )) as InvalidRequestError;
    expect(twice.realm).toBe('api');
  });

  test('a repeated Authorization header in raw headers is a 400', async () => {
    const token = await sign();
    const err = await failure(
      createGuard(options).authenticate(
        req(['Authorization', `Bearer ${token}`, 'Authorization', `Bearer ${token}`]),
      ),
    );
    expect(err).toBeInstanceOf(InvalidRequestError);
  });

  test('cookie: reads the named cookie, and only when configured', async () => {
    const token = await sign();
    const cookieHeader = { cookie: `a=1; access_token=${token}` };
    expect(
      (await createGuard(options, { cookie: 'access_token' }).authenticate(req(cookieHeader)))?.token,
    ).toBe(token);
    await expect(createGuard(options).authenticate(req(cookieHeader))).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
  });

  test('getToken: called with the framework request; replaces the header lookup', async () => {
    const token = await sign();
    const seen: FakeRequest[] = [];
    const guard = createGuard<JwtPayload, FakeRequest>(options, {
      getToken: (source) => (seen.push(source), token),
    });
    const auth = await guard.authenticate(req({ authorization: 'Bearer ignored a b' }));
    expect(auth?.token).toBe(token);
    expect(seen).toEqual([{ id: 'r1' }]);
  });

  test('getToken returning undefined or "" means no token', async () => {
    for (const value of [undefined, '']) {
      const guard = createGuard<JwtPayload, FakeRequest>(options, { getToken: () => value });
      await expect(guard.authenticate(req({}))).rejects.toBeInstanceOf(UnauthorizedError);
    }
  });

  test('errors that are not JwtGuardErrors propagate unchanged', async () => {
    const boom = new Error('getter failed');
    const guard = createGuard<JwtPayload, FakeRequest>(options, {
      getToken: () => {
        throw boom;
      },
    });
    expect(await failure(guard.authenticate(req({})))).toBe(boom);
  });

  test('the request context reaches the verifier (validate hook)', async () => {
    const contexts: RequestContext[] = [];
    const guard = createGuard({ ...options, validate: (_result, context) => void contexts.push(context) });
    const headers = { authorization: `Bearer ${await sign()}` };
    await guard.authenticate(req(headers, { method: 'POST', url: '/items?x=1', clientAddress: '127.0.0.1' }));
    expect(contexts).toEqual([{ method: 'POST', url: '/items?x=1', headers, clientAddress: '127.0.0.1' }]);
  });
});

describe('authenticateNow', () => {
  test('answers the result itself when nothing must be awaited, a promise when something must', async () => {
    const guard = createGuard(options);
    const token = await sign();
    // The first use of a key converts it for node:crypto, which is awaited once.
    const first = guard.authenticateNow(req({ authorization: `Bearer ${token}` }));
    expect(first).toBeInstanceOf(Promise);
    await first;
    const now = guard.authenticateNow(req({ authorization: `Bearer ${token}` }));
    expect(now).not.toBeInstanceOf(Promise);
    expect(now).toMatchObject({ payload: { sub: 'alice' } });
    // An async validate hook must be awaited: then the answer is a promise.
    const hooked = createGuard({ ...options, validate: async () => undefined });
    const later = hooked.authenticateNow(req({ authorization: `Bearer ${token}` }));
    expect(later).toBeInstanceOf(Promise);
    await expect(later).resolves.toMatchObject({ payload: { sub: 'alice' } });
  });

  test('throws a refusal made before any await, with the realm, and authenticate rejects with the same', async () => {
    const guard = createGuard(options, { realm: 'api' });
    const request = req({ authorization: 'Bearer a.b.c' });
    let thrown: unknown;
    try {
      guard.authenticateNow(request);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidTokenError);
    expect(thrown).toMatchObject({ realm: 'api' });
    expect(await failure(guard.authenticate(request))).toMatchObject({
      code: thrown && (thrown as InvalidTokenError).code,
      realm: 'api',
    });
    expect(() => guard.authenticateNow(req({}))).toThrow(UnauthorizedError);
    expect(createGuard(options, { optional: true }).authenticateNow(req({}))).toBeUndefined();
  });

  test('a shared verifier whose verify returns a foreign thenable is awaited, never taken for an answer', async () => {
    const refusal = new InvalidTokenError('ERR_JWT_EXPIRED', 'Token has expired');
    const verifier = {
      verify: () =>
        ({
          then: (_resolve: unknown, reject: (reason: unknown) => void) => reject(refusal),
        }) as unknown as Promise<never>,
      warmUp: async () => undefined,
    };
    const guard = createGuard(verifier);
    const outcome = guard.authenticateNow(req({ authorization: `Bearer ${await sign()}` }));
    expect(outcome).toBeInstanceOf(Promise);
    await expect(outcome).rejects.toBe(refusal);
  });

  test('the synchronous path is part of the Verifier contract: a verifier copied to a new object (as one made by another copy of core is) keeps it', async () => {
    const verifier = createVerifier(options);
    expect(typeof verifier.verifyNow).toBe('function');
    const token = await sign();
    await verifier.verify(token); // converts the key once
    const copy: Verifier = { ...verifier };
    const now = createGuard(copy).authenticateNow(req({ authorization: `Bearer ${token}` }));
    expect(now).not.toBeInstanceOf(Promise);
    expect(now).toMatchObject({ payload: { sub: 'alice' } });
  });

  test('a verifier of your own without verifyNow is awaited; one whose verifyNow answers a foreign thenable too', async () => {
    const refusal = new InvalidTokenError('ERR_JWT_EXPIRED', 'Token has expired');
    const real = createVerifier(options);
    const token = await sign();
    await real.verify(token);
    const withoutNow = createGuard({ verify: real.verify, warmUp: real.warmUp });
    const later = withoutNow.authenticateNow(req({ authorization: `Bearer ${token}` }));
    expect(later).toBeInstanceOf(Promise);
    await expect(later).resolves.toMatchObject({ payload: { sub: 'alice' } });
    const thenable = { then: (_resolve: unknown, reject: (reason: unknown) => void) => reject(refusal) };
    const foreign = createGuard({
      verify: real.verify,
      verifyNow: () => thenable as unknown as Promise<never>,
      warmUp: real.warmUp,
    });
    const outcome = foreign.authenticateNow(req({ authorization: `Bearer ${token}` }));
    expect(outcome).toBeInstanceOf(Promise);
    await expect(outcome).rejects.toBe(refusal);
  });

  test('the token.rejected event of a malformed bearer token comes before its 400; with a cookie configured the header is checked first', async () => {
    const events: string[] = [];
    const guard = createGuard({ ...options, onEvent: (event) => events.push(event.type) });
    expect(await failure(guard.authenticate(req({ authorization: 'Bearer a b' })))).toMatchObject({
      status: 400,
    });
    expect(events).toEqual(['token.rejected']);
    const withCookie = createGuard({ ...options, cookie: 'at', onEvent: (event) => events.push(event.type) });
    const err = await failure(
      withCookie.authenticate(req({ authorization: 'Bearer a b', cookie: `at=${await sign()}` })),
    );
    expect(err).toMatchObject({
      status: 400,
      message: 'Authorization must be "Bearer" followed by one token',
    });
    expect(events).toEqual(['token.rejected']);
  });

  test('a bearer token outside the b64token syntax is a 400, as extractToken says, even though it is checked only on refusal', async () => {
    const guard = createGuard(options);
    for (const header of ['Bearer a b', 'Bearer a.b.c%', 'Bearer ==a', 'Bearer é.é.é']) {
      const err = await failure(guard.authenticate(req({ authorization: header })));
      expect(err).toBeInstanceOf(InvalidRequestError);
      expect(err).toMatchObject({
        status: 400,
        message: 'Authorization must be "Bearer" followed by one token',
      });
    }
    // b64token characters base64url does not use (~ + / =) are syntax, so the verifier's 401 stands.
    expect(await failure(guard.authenticate(req({ authorization: 'Bearer a~b.c+d.e/f=' })))).toMatchObject({
      status: 401,
    });
  });
});

describe('isPreflight', () => {
  const guard = () => createGuard(options);

  test.each<[string, HeaderInput]>([
    ['a header record', { 'access-control-request-method': 'GET' }],
    ['raw headers', ['Access-Control-Request-Method', 'GET']],
    ['Fetch Headers', new Headers({ 'Access-Control-Request-Method': 'GET' })],
  ])('OPTIONS with Access-Control-Request-Method (%s) is a preflight', (_form, headers) => {
    expect(guard().isPreflight('OPTIONS', headers)).toBe(true);
    expect(guard().isPreflight('options', headers)).toBe(true);
  });

  test('OPTIONS without the header, or another method with it, is not', () => {
    expect(guard().isPreflight('OPTIONS', { origin: 'https://a.test' })).toBe(false);
    expect(guard().isPreflight('GET', { 'access-control-request-method': 'GET' })).toBe(false);
    expect(guard().isPreflight('OPTIONS', { 'access-control-request-method': undefined })).toBe(false);
  });
});

describe('configuration is checked at setup', () => {
  test.each<[string, object]>([
    ['a realm with a quote', { realm: 'a"b' }],
    ['an empty realm', { realm: '' }],
    ['a cookie name with a space', { cookie: 'access token' }],
    ['a non-boolean optional', { optional: 'yes' }],
    ['a non-function getToken', { getToken: 'authorization' }],
    ['getToken together with cookie', { getToken: () => undefined, cookie: 'at' }],
  ])('%s is refused', (_name, guardOptions) => {
    expect(() => createGuard(options, guardOptions)).toThrow(ConfigurationError);
  });

  test('neither options nor a verifier is refused', () => {
    expect(() => createGuard(null as unknown as VerifierOptions)).toThrow(ConfigurationError);
  });

  test("the verifier's own validation still runs (no audience)", () => {
    expect(() => createGuard({ issuer: ISSUER, keys: jwk } as VerifierOptions)).toThrow(ConfigurationError);
  });
});
