// createTestIssuer as users would use it: with a core verifier and with each adapter, over real HTTP.
import express from 'express';
import Koa from 'koa';
import { Hono } from 'hono';
import request from 'supertest';
import { createVerifier, type Verifier } from '@jwtguard/core';
import { jwtGuard as expressGuard, jwtErrorHandler, requireScopes as expressScopes } from '@jwtguard/express';
import { jwtGuard as koaGuard } from '@jwtguard/koa';
import { jwtGuard as honoGuard, type JwtGuardEnv } from '@jwtguard/hono';
import { createTestIssuer, type TestIssuer } from '@jwtguard/testing';

let testIssuer: TestIssuer;
let verifier: Verifier;

beforeAll(async () => {
  testIssuer = await createTestIssuer({ claims: { scope: 'read:items' } });
  verifier = createVerifier({ issuer: testIssuer.issuer, audience: testIssuer.audience, typ: 'at+jwt' });
});
afterAll(async () => {
  await testIssuer.close();
});

async function refusal(token: string): Promise<string | undefined> {
  try {
    await verifier.verify(token);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? 'unknown';
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
    expect(await refusal(await testIssuer.token({}, { typ: 'JWT' }))).toBeDefined();
  });

  test('negative tokens are refused', async () => {
    expect(await refusal(await testIssuer.expiredToken())).toBe('ERR_JWT_EXPIRED');
    expect(await refusal(await testIssuer.tokenSignedByUnknownKey())).toBeDefined();
    expect(await refusal(await testIssuer.tokenSignedByUnknownKey({}, { sameKid: true }))).toBeDefined();
    expect(await refusal(await testIssuer.token({ aud: 'https://someone-else.test' }))).toBeDefined();
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
