import {
  createVerifier,
  InvalidTokenError,
  UnavailableError,
  type JwtGuardEvent,
  type VerifierOptions,
} from '../src/index.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSecretKey } from 'node:crypto';
import { hmacSigner } from './support/forge.js';
import {
  AUDIENCE,
  ISSUER,
  MATRIX,
  NOW,
  NOW_MS,
  claims,
  makeKey,
  signToken,
  type TestKey,
} from './support/keys.js';

const clock = (): number => NOW_MS;

function verifierFor(keys: VerifierOptions['keys'], extra: Partial<VerifierOptions> = {}) {
  return createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys, clock, ...extra });
}

describe('algorithm matrix', () => {
  const keys = new Map<string, TestKey>();
  beforeAll(async () => {
    for (const alg of MATRIX) keys.set(alg, await makeKey(alg));
  });

  test.each(MATRIX)('%s verifies from a JWK and refuses a tampered payload', async (alg) => {
    const key = keys.get(alg) as TestKey;
    const verifier = verifierFor(key.jwk);
    const token = await signToken(key, claims({ scope: 'read write' }));
    const result = await verifier.verify(token);
    expect(result.payload.sub).toBe('user-1');
    expect(result.header.alg).toBe(alg);
    expect(result.issuer).toBe(ISSUER);
    expect(result.scopes).toEqual(['read', 'write']);
    expect(result.token).toBe(token);

    const [h, , s] = token.split('.');
    const other = await signToken(key, claims({ sub: 'admin' }));
    const tampered = `${h}.${other.split('.')[1]}.${s}`;
    await expect(verifier.verify(tampered)).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_INVALID',
      status: 401,
    });
  });

  test.each(MATRIX.filter((alg) => alg !== 'HS256'))(
    '%s verifies from PEM, KeyObject and CryptoKey',
    async (alg) => {
      const key = keys.get(alg) as TestKey;
      const token = await signToken(key);
      for (const input of [
        key.pem,
        key.keyObject,
        key.publicKey,
        { keys: [key.jwk] },
        { key: key.pem as string, kid: key.kid },
      ]) {
        await expect(verifierFor(input as VerifierOptions['keys']).verify(token)).resolves.toMatchObject({
          issuer: ISSUER,
        });
      }
    },
  );

  test('HS256 verifies from a Uint8Array, a string secret (UTF-8 bytes) and a secret KeyObject', async () => {
    const text = 'a-string-secret-that-is-at-least-32-bytes-long';
    const fromText: TestKey = {
      ...(await makeKey('HS256')),
      signer: await hmacSigner(new TextEncoder().encode(text)),
    };
    await expect(verifierFor(text).verify(await signToken(fromText))).resolves.toBeDefined();
    const key = await makeKey('HS256');
    const token = await signToken(key);
    await expect(verifierFor(key.secret).verify(token)).resolves.toBeDefined();
    await expect(verifierFor(createSecretKey(key.secret as Uint8Array)).verify(token)).resolves.toBeDefined();
  });

  test('rotation: tokens of the old and the new key both verify; a removed key no longer does', async () => {
    const oldKey = await makeKey('ES256');
    const newKey = await makeKey('ES256');
    const both = verifierFor([oldKey.jwk, newKey.jwk]);
    await expect(both.verify(await signToken(oldKey))).resolves.toBeDefined();
    await expect(both.verify(await signToken(newKey))).resolves.toBeDefined();
    const onlyNew = verifierFor([newKey.jwk]);
    await expect(onlyNew.verify(await signToken(oldKey))).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
  });

  test('duplicate kid: every candidate is tried, so a legitimate token is not refused', async () => {
    const a = await makeKey('ES256', 'same');
    const b = await makeKey('ES256', 'same');
    const verifier = verifierFor([a.jwk, b.jwk]);
    await expect(verifier.verify(await signToken(a))).resolves.toBeDefined();
    await expect(verifier.verify(await signToken(b))).resolves.toBeDefined();
  });

  test('a candidate key that fails to import does not refuse a token another candidate signed', async () => {
    const good = await makeKey('ES256', 'same');
    const offCurve = { ...good.jwk, x: good.jwk.y, y: good.jwk.x };
    const verifier = verifierFor([offCurve, good.jwk]);
    await expect(verifier.verify(await signToken(good))).resolves.toBeDefined();
    const alone = verifierFor([offCurve]);
    await expect(alone.verify(await signToken(good))).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_INVALID',
    });
  });

  test('a key bound to an alg (JWK alg or {key, alg}) does not verify another alg of the same type', async () => {
    const rsa = await makeKey('RS256');
    const ps = { ...rsa, alg: 'PS256', signer: (await makeKey('PS256')).signer };
    const verifier = verifierFor(
      { key: rsa.pem as string, alg: 'RS256' },
      { algorithms: ['RS256', 'PS256'] },
    );
    await expect(verifier.verify(await signToken(rsa))).resolves.toBeDefined();
    await expect(verifier.verify(await signToken(ps))).rejects.toMatchObject({
      code: 'ERR_JWKS_NO_MATCHING_KEY',
    });
  });
});

describe('pipeline', () => {
  let key: TestKey;
  beforeAll(async () => {
    key = await makeKey('ES256');
  });

  test('several issuers, each with its own keys and audience; iss picks the keys', async () => {
    const other = await makeKey('ES256');
    const verifier = createVerifier({
      issuer: [
        { issuer: ISSUER, keys: key.jwk },
        { issuer: 'https://tenant-b.test/', keys: other.jwk, audience: 'api-b' },
      ],
      audience: AUDIENCE,
      clock,
    });
    await expect(verifier.verify(await signToken(key))).resolves.toMatchObject({ issuer: ISSUER });
    const b = await signToken(other, claims({ iss: 'https://tenant-b.test/', aud: 'api-b' }));
    await expect(verifier.verify(b)).resolves.toMatchObject({ issuer: 'https://tenant-b.test/' });
    // Tenant B's key cannot sign for tenant A, even with A's kid.
    const crossed = await signToken({ ...other, kid: key.kid }, claims());
    await expect(verifier.verify(crossed)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
    // Tenant B's audience is its own.
    const wrongAud = await signToken(other, claims({ iss: 'https://tenant-b.test/' }));
    await expect(verifier.verify(wrongAud)).rejects.toMatchObject({
      code: 'ERR_JWT_CLAIM_INVALID',
      claim: 'aud',
    });
  });

  test("an issuer's own keys replace the top-level keys; issuers without keys share the top-level ones", async () => {
    const shared = await makeKey('ES256');
    const own = await makeKey('ES256');
    const verifier = createVerifier({
      issuer: [ISSUER, { issuer: 'https://tenant-b.test/', keys: own.jwk }],
      keys: shared.jwk,
      audience: AUDIENCE,
      clock,
    });
    await expect(verifier.verify(await signToken(shared))).resolves.toMatchObject({ issuer: ISSUER });
    const b = (key: TestKey) => signToken(key, claims({ iss: 'https://tenant-b.test/' }));
    await expect(verifier.verify(await b(own))).resolves.toMatchObject({ issuer: 'https://tenant-b.test/' });
    await expect(verifier.verify(await b(shared))).rejects.toMatchObject({ status: 401 });
  });

  test("an issuer's own algorithms replace the top-level allow-list", async () => {
    const [es, rs] = await Promise.all([makeKey('ES256'), makeKey('RS256')]);
    const verifier = createVerifier({
      issuer: [{ issuer: ISSUER, algorithms: ['ES256'] }, 'https://tenant-b.test/'],
      keys: [es.jwk, rs.jwk],
      algorithms: ['ES256', 'RS256'],
      audience: AUDIENCE,
      clock,
    });
    await expect(verifier.verify(await signToken(es))).resolves.toBeDefined();
    await expect(verifier.verify(await signToken(rs))).rejects.toMatchObject({
      code: 'ERR_JOSE_ALG_NOT_ALLOWED',
    });
    const b = await signToken(rs, claims({ iss: 'https://tenant-b.test/' }));
    await expect(verifier.verify(b)).resolves.toMatchObject({ issuer: 'https://tenant-b.test/' });
  });

  test('an unknown issuer is refused before any key lookup (the JWKS server sees no request)', async () => {
    let requests = 0;
    const server: Server = createServer((_req, res) => {
      requests++;
      res.end('{"keys":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const verifier = createVerifier({
        issuer: `${base}/`,
        audience: AUDIENCE,
        jwksUri: `${base}/jwks`,
        clock,
      });
      const token = await signToken(key, claims({ iss: 'https://evil.test/' }));
      await expect(verifier.verify(token)).rejects.toMatchObject({
        code: 'ERR_JWT_CLAIM_INVALID',
        claim: 'iss',
      });
      expect(requests).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('validate sees the result and the request context; its errors become invalid_token', async () => {
    const seen: unknown[] = [];
    const verifier = verifierFor(key.jwk, {
      validate: (result, context) => {
        seen.push([result.payload.sub, context.clientAddress]);
        if (context.clientAddress !== '127.0.0.1') throw new Error('secret internal reason');
      },
    });
    const token = await signToken(key);
    await expect(verifier.verify(token, { clientAddress: '127.0.0.1' })).resolves.toBeDefined();
    const error = await verifier.verify(token, { clientAddress: '10.0.0.1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidTokenError);
    expect(error).toMatchObject({ code: 'ERR_JWT_VALIDATION_FAILED', status: 401 });
    expect((error as Error).message).not.toContain('secret internal reason');
    expect(seen).toEqual([
      ['user-1', '127.0.0.1'],
      ['user-1', '10.0.0.1'],
    ]);
  });

  test('denylist: a function or a Denylist object, consulted only after the signature', async () => {
    const asked: string[] = [];
    const denylist = (result: { payload: { jti?: string } }) => {
      asked.push(result.payload.jti as string);
      return result.payload.jti === 'revoked';
    };
    const verifier = verifierFor(key.jwk, { denylist });
    await expect(verifier.verify(await signToken(key, claims({ jti: 'fine' })))).resolves.toBeDefined();
    await expect(verifier.verify(await signToken(key, claims({ jti: 'revoked' })))).rejects.toMatchObject({
      code: 'ERR_JWT_REVOKED',
      status: 401,
    });
    const forged = (await signToken(key, claims({ jti: 'forged' }))).replace(/\.[^.]+$/, '.AAAA');
    await expect(verifier.verify(forged)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
    const expired = await signToken(key, claims({ jti: 'expired', exp: NOW - 100 }));
    await expect(verifier.verify(expired)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    expect(asked).toEqual(['fine', 'revoked']);

    const object = verifierFor(key.jwk, { denylist: { isRevoked: async () => true } });
    await expect(object.verify(await signToken(key))).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED' });
  });

  test('denylist failure: closed (default) → 503 with Retry-After; open → accepted, with an event', async () => {
    const events: JwtGuardEvent[] = [];
    const failing = () => {
      throw new Error('redis down');
    };
    const closed = verifierFor(key.jwk, { denylist: failing, onEvent: (e) => events.push(e) });
    const error = await closed.verify(await signToken(key)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnavailableError);
    expect(error).toMatchObject({ status: 503, code: 'ERR_DENYLIST_UNAVAILABLE' });
    expect((error as UnavailableError).headers['Retry-After']).toBeDefined();
    expect(events).toContainEqual({ type: 'denylist.unavailable', reason: 'redis down' });

    const open = verifierFor(key.jwk, { denylist: failing, denylistFailure: 'open' });
    await expect(open.verify(await signToken(key))).resolves.toBeDefined();
  });

  test('denylistTimeout: an answer slower than the bound counts as unavailable', async () => {
    const slow = () => new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 100));
    const token = await signToken(key);
    // The default bound (250 ms) waits for a 100 ms answer; a 20 ms bound does not.
    await expect(verifierFor(key.jwk, { denylist: slow }).verify(token)).resolves.toBeDefined();
    await expect(
      verifierFor(key.jwk, { denylist: slow, denylistTimeout: '20ms' }).verify(token),
    ).rejects.toMatchObject({
      status: 503,
      code: 'ERR_DENYLIST_UNAVAILABLE',
    });
    const hanging = () => new Promise<boolean>(() => undefined);
    const open = verifierFor(key.jwk, { denylist: hanging, denylistTimeout: 0.02, denylistFailure: 'open' });
    await expect(open.verify(token)).resolves.toBeDefined();
  });

  test('onEvent reports accepted and rejected tokens with the code; a throwing listener changes nothing', async () => {
    const events: JwtGuardEvent[] = [];
    const verifier = verifierFor(key.jwk, { onEvent: (e) => events.push(e) });
    await verifier.verify(await signToken(key));
    await verifier.verify(await signToken(key, claims({ exp: NOW - 60 }))).catch(() => undefined);
    expect(events).toEqual([
      { type: 'token.accepted', issuer: ISSUER, kid: key.kid, cached: false },
      { type: 'token.rejected', code: 'ERR_JWT_EXPIRED', issuer: ISSUER },
    ]);
    const throwing = verifierFor(key.jwk, {
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    await expect(throwing.verify(await signToken(key))).resolves.toBeDefined();
  });

  test('scopeClaim selects where scopes come from', async () => {
    const token = await signToken(key, claims({ scope: 'a b', permissions: ['read:items'] }));
    await expect(verifierFor(key.jwk).verify(token)).resolves.toMatchObject({ scopes: ['a', 'b'] });
    await expect(verifierFor(key.jwk, { scopeClaim: 'permissions' }).verify(token)).resolves.toMatchObject({
      scopes: ['read:items'],
    });
  });

  test('warmUp imports static keys', async () => {
    await expect(verifierFor(key.jwk).warmUp()).resolves.toBeUndefined();
  });

  test('verify never throws: every refusal is a rejected promise, handled by the caller without warnings', async () => {
    const verifier = verifierFor(key.jwk);
    const unhandled: unknown[] = [];
    const listener = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', listener);
    try {
      for (const bad of [undefined, '', 'a.b', 'a.b.c', '%%%.%%%.%%%', 'x'.repeat(100_000)]) {
        let pending: Promise<unknown> | undefined;
        expect(() => {
          pending = verifier.verify(bad as string);
        }).not.toThrow();
        expect(pending).toBeInstanceOf(Promise);
        await expect(pending).rejects.toMatchObject({ status: 401 });
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });

  test('a non-string token is an invalid_token, not a crash', async () => {
    const verifier = verifierFor(key.jwk);
    await expect(verifier.verify(undefined as unknown as string)).rejects.toMatchObject({
      code: 'ERR_JWT_MALFORMED',
    });
    await expect(verifier.verify({} as unknown as string)).rejects.toMatchObject({ status: 401 });
  });
});

describe('through discovery and a JWKS served on 127.0.0.1', () => {
  const published: TestKey[] = [];
  const requests: string[] = [];
  let server: Server;
  let issuer: string;

  beforeAll(async () => {
    for (const alg of MATRIX.filter((a) => a !== 'HS256')) published.push(await makeKey(alg));
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      if (req.url === '/.well-known/openid-configuration') {
        res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}jwks` }));
      } else if (req.url === '/jwks') {
        res.end(JSON.stringify({ keys: published.map((key) => key.jwk) }));
      } else {
        res.statusCode = 404;
        res.end('{}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const remote = () => createVerifier({ issuer, audience: AUDIENCE, clock });

  test('every asymmetric algorithm of the matrix verifies with keys from discovery', async () => {
    const verifier = remote();
    for (const key of published) {
      const result = await verifier.verify(await signToken(key, claims({ iss: issuer })));
      expect(result).toMatchObject({ issuer, header: { alg: key.alg, kid: key.kid } });
    }
    expect(requests.filter((url) => url === '/jwks')).toHaveLength(1);
  });

  test('HS256 is impossible with a JWKS, including RS256→HS256 with the published key as secret', async () => {
    const rsa = published.find((key) => key.alg === 'RS256') as TestKey;
    const verifier = remote();
    for (const secret of [JSON.stringify(rsa.jwk), rsa.pem as string]) {
      const forged = await signToken(
        { ...rsa, alg: 'HS256', signer: await hmacSigner(new TextEncoder().encode(secret)) },
        claims({ iss: issuer }),
      );
      await expect(verifier.verify(forged)).rejects.toMatchObject({
        code: 'ERR_JOSE_ALG_NOT_ALLOWED',
        status: 401,
      });
    }
  });

  test('a foreign key using a published kid is refused', async () => {
    const real = published.find((key) => key.alg === 'ES256') as TestKey;
    const foreign = await makeKey('ES256', real.kid);
    await expect(remote().verify(await signToken(foreign, claims({ iss: issuer })))).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_INVALID',
    });
  });
});
