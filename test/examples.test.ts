// The three sample APIs (examples/express-api, koa-api, hono-api) answer the same routes the same way: this
// is the contract their READMEs document with curl lines and the demo walks through.
import type { Server } from 'node:http';
import { createServer } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import { generateKeyPairSync, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import request from 'supertest';
import { createVerifier, type Verifier } from '@jwtguard/core';
import { createApp as createExpressApp } from '@jwtguard-example/express-api';
import { createApp as createKoaApp } from '@jwtguard-example/koa-api';
import { createApp as createHonoApp } from '@jwtguard-example/hono-api';

const ISSUER = 'http://127.0.0.1:4000';
const AUDIENCE = 'https://api.example.com';
const NOW = 1_900_000_000;

let privateKey: KeyObject;
let publicJwk: JsonWebKey;
let verifier: Verifier;

beforeAll(() => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  privateKey = pair.privateKey;
  publicJwk = { ...pair.publicKey.export({ format: 'jwk' }), kid: 'sample-key', alg: 'ES256', use: 'sig' };
  verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: publicJwk, clock: () => NOW * 1000 });
});

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

// A compact ES256 JWS (RFC 7515 §7.1, RFC 7518 §3.4: raw r||s signature) signed with node:crypto.
function signJwt(payload: Record<string, unknown>): string {
  const input = `${b64url({ alg: 'ES256', kid: 'sample-key', typ: 'at+jwt' })}.${b64url(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

async function token(claims: Record<string, unknown>, options: { exp?: number } = {}): Promise<string> {
  return Promise.resolve(
    signJwt({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'alice',
      iat: NOW - 10,
      exp: options.exp ?? NOW + 300,
      ...claims,
    }),
  );
}

type ServerFactory = () => Server;

const samples: Array<[string, (guard: Verifier) => ServerFactory]> = [
  ['express-api', (guard) => () => createServer(createExpressApp(guard))],
  ['koa-api', (guard) => () => createServer(createKoaApp(guard).callback())],
  ['hono-api', (guard) => () => createAdaptorServer({ fetch: createHonoApp(guard).fetch }) as Server],
];

describe.each(samples)('%s', (_name, factory) => {
  let server: Server;

  beforeAll(async () => {
    server = factory(verifier)();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  });

  const call = () => request(server);

  it('GET /public needs no token', async () => {
    const res = await call().get('/public');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ message: 'Anyone can read this.' });
  });

  it('GET /items without a token: 401 with a bare Bearer challenge and a JSON body', async () => {
    const res = await call().get('/items');
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.headers['www-authenticate']).not.toMatch(/error=/);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(Object.keys(res.body as object).sort()).toEqual(['error', 'error_description']);
  });

  it('GET /items with read:items: 200 and the list', async () => {
    const res = await call()
      .get('/items')
      .set('Authorization', `Bearer ${await token({ scope: 'read:items' })}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [{ id: 1, name: 'first item' }] });
  });

  it('GET /items without read:items: 403 insufficient_scope naming the scope', async () => {
    const res = await call()
      .get('/items')
      .set('Authorization', `Bearer ${await token({ scope: 'write:items' })}`);
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
    expect(res.headers['www-authenticate']).toMatch(/scope="read:items"/);
    expect(res.body).toMatchObject({ error: 'insufficient_scope' });
  });

  it('GET /items with an expired token: 401 invalid_token', async () => {
    const res = await call()
      .get('/items')
      .set('Authorization', `Bearer ${await token({ scope: 'read:items' }, { exp: NOW - 60 })}`);
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/error="invalid_token"/);
    expect(res.body).toMatchObject({ error: 'invalid_token' });
  });

  it('POST /items needs write:items, then creates the item', async () => {
    const reader = await token({ scope: 'read:items' });
    const denied = await call().post('/items').set('Authorization', `Bearer ${reader}`).send({ name: 'x' });
    expect(denied.status).toBe(403);
    expect(denied.headers['www-authenticate']).toMatch(/scope="write:items"/);

    const writer = await token({ scope: 'read:items write:items' });
    const created = await call()
      .post('/items')
      .set('Authorization', `Bearer ${writer}`)
      .send({ name: 'second item' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: 2, name: 'second item', createdBy: 'alice' });

    const listed = await call().get('/items').set('Authorization', `Bearer ${writer}`);
    expect(listed.body).toEqual({
      items: [
        { id: 1, name: 'first item' },
        { id: 2, name: 'second item', createdBy: 'alice' },
      ],
    });
  });

  it('POST /items with a bad body: 400 invalid_request JSON', async () => {
    const writer = await token({ scope: 'write:items' });
    const res = await call().post('/items').set('Authorization', `Bearer ${writer}`).send({ title: 'x' });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request' });
    expect(typeof (res.body as { error_description?: unknown }).error_description).toBe('string');

    const broken = await call()
      .post('/items')
      .set('Authorization', `Bearer ${writer}`)
      .set('Content-Type', 'application/json')
      .send('{"name": ');
    expect(broken.status).toBe(400);
    expect(broken.body).toMatchObject({ error: 'invalid_request' });
  });

  it('GET /admin is granted by the roles claim, not by scopes', async () => {
    const admin = await token({ scope: 'read:items', roles: ['user', 'admin'] });
    const ok = await call().get('/admin').set('Authorization', `Bearer ${admin}`);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ message: 'Welcome, administrator alice' });

    const single = await token({ roles: 'admin' });
    expect((await call().get('/admin').set('Authorization', `Bearer ${single}`)).status).toBe(200);

    const user = await token({ scope: 'read:items write:items admin', roles: ['user'] });
    const denied = await call().get('/admin').set('Authorization', `Bearer ${user}`);
    expect(denied.status).toBe(403);
    expect(denied.headers['www-authenticate']).toMatch(/error="insufficient_scope"/);
    expect(denied.body).toMatchObject({ error: 'insufficient_scope' });

    expect((await call().get('/admin')).status).toBe(401);
  });

  it('GET /me returns the subject and granted scopes', async () => {
    const res = await call()
      .get('/me')
      .set('Authorization', `Bearer ${await token({ sub: 'bob', scope: 'read:items write:items' })}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ sub: 'bob', scopes: ['read:items', 'write:items'] });
  });

  it('an unknown route behind the guard answers JSON too', async () => {
    const res = await call()
      .get('/nowhere')
      .set('Authorization', `Bearer ${await token({})}`);
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'not_found', error_description: 'No such route' });
  });
});

describe('createApp(options)', () => {
  it.each([
    ['express-api', (o: Parameters<typeof createExpressApp>[0]) => createServer(createExpressApp(o))],
    ['koa-api', (o: Parameters<typeof createKoaApp>[0]) => createServer(createKoaApp(o).callback())],
    [
      'hono-api',
      (o: Parameters<typeof createHonoApp>[0]) =>
        createAdaptorServer({ fetch: createHonoApp(o).fetch }) as Server,
    ],
  ])('%s builds its own verifier from options', async (_name, make) => {
    const server = make({ issuer: ISSUER, audience: AUDIENCE, keys: publicJwk, clock: () => NOW * 1000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const good = await request(server)
        .get('/me')
        .set('Authorization', `Bearer ${await token({ scope: 'read:items' })}`);
      expect(good.status).toBe(200);
      expect(good.body).toEqual({ sub: 'alice', scopes: ['read:items'] });
      // The audience option is applied: a token for another API is refused.
      const foreign = await token({ aud: 'https://other.example.com' });
      const refused = await request(server).get('/me').set('Authorization', `Bearer ${foreign}`);
      expect(refused.status).toBe(401);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
