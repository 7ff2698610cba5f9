// createTestIssuer as users would use it: with a core verifier and with each adapter, over real HTTP.
import express from 'express';
import Koa from 'koa';
import { Hono } from 'hono';
import request from 'supertest';
import { createMemoryDenylist, createVerifier, isJwtGuardError, type Verifier } from '@jwtguard/core';
import { jwtGuard as expressGuard, jwtErrorHandler, requireScopes as expressScopes } from '@jwtguard/express';
import { jwtGuard as koaGuard } from '@jwtguard/koa';
import { jwtGuard as honoGuard, type JwtGuardEnv } from '@jwtguard/hono';
import { createMemoryKeyStore } from '@jwtguard/issuer';
import { createTestIssuer, type TestIssuer } from '@jwtguard/testing';

// Unverified decoding, for asserting on what the helpers produced (jose is not a dependency of this package).
const part = (token: string, index: 0 | 1) =>
  JSON.parse(Buffer.from(token.split('.')[index] as string, 'base64url').toString()) as Record<
    string,
    unknown
  >;
const decodeProtectedHeader = (token: string) => part(token, 0);
const decodeJwt = (token: string) => part(token, 1);

let testIssuer: TestIssuer;
let verifier: Verifier;

beforeAll(async () => {
  testIssuer = await createTestIssuer({ claims: { scope: 'read:items' } });
  verifier = createVerifier({ issuer: testIssuer.issuer, audience: testIssuer.audience, typ: 'at+jwt' });
});
afterAll(async () => {
  await testIssuer.close();
});

/** The code the verifier refuses the token with; undefined when it accepts it. Anything else fails the test. */
async function refusal(token: string): Promise<string | undefined> {
  try {
    await verifier.verify(token);
    return undefined;
  } catch (error) {
    if (isJwtGuardError(error)) return error.code;
    throw error;
  }
}

describe('createTestIssuer with a core verifier (discovery on 127.0.0.1)', () => {
  test('issuer is a loopback URL with discovery and JWKS', async () => {
    expect(testIssuer.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const metadata = (await (
      await fetch(`${testIssuer.issuer}/.well-known/openid-configuration`)
    ).json()) as {
      jwks_uri: string;
    };
    expect(metadata.jwks_uri).toBe(testIssuer.jwksUri);
  });

  test('token(): default claims plus overrides', async () => {
    const result = await verifier.verify(await testIssuer.token({ sub: 'alice', role: 'admin' }));
    expect(result.payload).toMatchObject({
      sub: 'alice',
      role: 'admin',
      client_id: 'test-client',
      aud: testIssuer.audience,
    });
    expect(result.scopes).toEqual(['read:items']);
    expect(result.header.typ).toBe('at+jwt');
  });

  test('token() options: expiresIn and typ', async () => {
    const short = await verifier.verify(await testIssuer.token({}, { expiresIn: 60 }));
    expect((short.payload.exp ?? 0) - (short.payload.iat ?? 0)).toBe(60);
    expect(await refusal(await testIssuer.token({}, { typ: 'JWT' }))).toBe('ERR_JWT_CLAIM_INVALID');
  });

  test('negative tokens are refused', async () => {
    expect(await refusal(await testIssuer.expiredToken())).toBe('ERR_JWT_EXPIRED');
    expect(await refusal(await testIssuer.tokenSignedByUnknownKey())).toBe('ERR_JWKS_NO_MATCHING_KEY');
    expect(await refusal(await testIssuer.tokenSignedByUnknownKey({}, { sameKid: true }))).toBe(
      'ERR_JWS_SIGNATURE_INVALID',
    );
    expect(await refusal(await testIssuer.token({ aud: 'https://someone-else.test' }))).toBe(
      'ERR_JWT_CLAIM_INVALID',
    );
  });

  test('rotate(): new tokens use the new key; earlier tokens stay valid', async () => {
    const before = await testIssuer.token();
    const info = await testIssuer.rotate();
    const after = await testIssuer.token();
    expect((await verifier.verify(after)).header.kid).toBe(info.kid);
    expect(await refusal(before)).toBeUndefined();
  });

  test('the instance gives access to the full issuer (refresh tokens)', async () => {
    const set = await testIssuer.instance.issueTokens({ sub: 'bob', clientId: 'web' });
    const next = await testIssuer.instance.refresh(set.refreshToken!);
    expect((await verifier.verify(next.accessToken)).payload.sub).toBe('bob');
  });

  test('a custom clock is used for iat/exp', async () => {
    const fixed = Date.UTC(2030, 0, 1);
    const other = await createTestIssuer({ clock: () => fixed, audience: 'https://x.test' });
    try {
      const token = await other.token();
      const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as {
        iat: number;
      };
      expect(payload.iat).toBe(fixed / 1000);
    } finally {
      await other.close();
    }
  });
});

describe('with the adapters', () => {
  test('Express', async () => {
    const app = express();
    app.use(expressGuard({ issuer: testIssuer.issuer, audience: testIssuer.audience }));
    app.get('/items', expressScopes('read:items'), (req, res) => {
      res.json({ sub: req.auth?.payload.sub });
    });
    app.use(jwtErrorHandler());
    await request(app)
      .get('/items')
      .set('Authorization', `Bearer ${await testIssuer.token()}`)
      .expect(200, { sub: 'test-user' });
    await request(app)
      .get('/items')
      .set('Authorization', `Bearer ${await testIssuer.expiredToken()}`)
      .expect(401);
    await request(app)
      .get('/items')
      .set('Authorization', `Bearer ${await testIssuer.token({ scope: 'other' })}`)
      .expect(403);
  });

  test('Koa', async () => {
    const app = new Koa();
    app.use(koaGuard({ issuer: testIssuer.issuer, audience: testIssuer.audience }));
    app.use((ctx) => {
      ctx.body = { sub: (ctx.state.auth as { payload: { sub?: string } }).payload.sub };
    });
    const server = app.callback();
    await request(server)
      .get('/')
      .set('Authorization', `Bearer ${await testIssuer.token()}`)
      .expect(200, { sub: 'test-user' });
    await request(server)
      .get('/')
      .set('Authorization', `Bearer ${await testIssuer.tokenSignedByUnknownKey()}`)
      .expect(401);
  });

  test('Hono', async () => {
    const app = new Hono<JwtGuardEnv>();
    app.use(honoGuard({ issuer: testIssuer.issuer, audience: testIssuer.audience }));
    app.get('/', (c) => c.json({ sub: c.var.auth.payload.sub }));
    const ok = await app.request('/', { headers: { Authorization: `Bearer ${await testIssuer.token()}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ sub: 'test-user' });
    const expired = await app.request('/', {
      headers: { Authorization: `Bearer ${await testIssuer.expiredToken()}` },
    });
    expect(expired.status).toBe(401);
  });
});

describe('createTestIssuer options and helpers, one by one', () => {
  test('algorithm and audience shape the tokens', async () => {
    const other = await createTestIssuer({ algorithm: 'EdDSA', audience: 'https://orders.test' });
    try {
      const orders = createVerifier({ issuer: other.issuer, audience: 'https://orders.test' });
      const result = await orders.verify(await other.token());
      expect(result.header.alg).toBe('EdDSA');
      expect(result.payload.aud).toBe('https://orders.test');
      expect(other.audience).toBe('https://orders.test');
    } finally {
      await other.close();
    }
  });

  test('host: an IPv6 loopback issuer URL is bracketed and verifiable', async () => {
    const other = await createTestIssuer({ host: '::1' });
    try {
      expect(other.issuer).toMatch(/^http:\/\/\[::1\]:\d+$/);
      const v6 = createVerifier({ issuer: other.issuer, audience: other.audience });
      await expect(v6.verify(await other.token({ sub: 'ipv6-user' }))).resolves.toMatchObject({
        issuer: other.issuer,
        payload: { sub: 'ipv6-user', iss: other.issuer, aud: other.audience },
      });
    } finally {
      await other.close();
    }
  });

  test('issuerOptions reach the underlying issuer (lifetime, denylist)', async () => {
    const denylist = createMemoryDenylist();
    const other = await createTestIssuer({ issuerOptions: { accessTokenLifetime: '2m', denylist } });
    try {
      const set = await other.instance.issueTokens({ sub: 'carol', clientId: 'web' });
      expect(set.expiresIn).toBe(120);
      const guarded = createVerifier({ issuer: other.issuer, audience: other.audience, denylist });
      const token = await other.token();
      await guarded.verify(token);
      await other.instance.revoke(token);
      await expect(guarded.verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED' });
    } finally {
      await other.close();
    }
  });

  test('rotate() is immediate even with a key store of your own', async () => {
    const other = await createTestIssuer({ issuerOptions: { keyStore: createMemoryKeyStore() } });
    try {
      const info = await other.rotate();
      expect(decodeProtectedHeader(await other.token()).kid).toBe(info.kid);
    } finally {
      await other.close();
    }
  });

  test('expiredToken(claims) and tokenSignedByUnknownKey(claims) carry the claims', async () => {
    const expired = decodeJwt(await testIssuer.expiredToken({ sub: 'dave' }));
    expect(expired.sub).toBe('dave');
    expect(expired.exp as number).toBeLessThan(Date.now() / 1000 - 3000);
    expect(decodeJwt(await testIssuer.tokenSignedByUnknownKey({ sub: 'erin' })).sub).toBe('erin');
  });

  test('tokenSignedByUnknownKey: an unpublished kid, or with sameKid the current one', async () => {
    const current = (await testIssuer.instance.keyStatus()).find((key) => key.state === 'current')?.kid;
    const published = (await testIssuer.instance.jwks()).keys.map((key) => key.kid);
    const foreign = decodeProtectedHeader(await testIssuer.tokenSignedByUnknownKey());
    expect(published).not.toContain(foreign.kid);
    const impostor = await testIssuer.tokenSignedByUnknownKey({}, { sameKid: true });
    expect(decodeProtectedHeader(impostor).kid).toBe(current);
    await expect(verifier.verify(impostor)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
  });

  test('close() stops the server', async () => {
    const other = await createTestIssuer();
    const discovery = `${other.issuer}/.well-known/openid-configuration`;
    expect((await fetch(discovery)).status).toBe(200);
    await other.close();
    await expect(fetch(discovery)).rejects.toThrow();
  });
});
