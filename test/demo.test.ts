// examples/demo end to end (the `pnpm demo` walkthrough, in process with its transcript captured) and the
// contract of examples/auth-server that the demo and the sample READMEs rely on.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createMemoryDenylist, createVerifier, type Verifier } from '@jwtguard/core';
import type { IssuerEvent } from '@jwtguard/issuer';
import {
  DEFAULT_AUDIENCE,
  DEMO_SERVICE,
  hashPassword,
  startAuthServer,
  verifyPassword,
  type AuthServer,
  type AuthServerOptions,
} from '@jwtguard-example/auth-server';
import { runDemo } from '@jwtguard-example/demo';

const REDIS_URL = 'redis://127.0.0.1:6379';

describe('the demo', () => {
  it('exits 1, after cleaning up, when it cannot start', async () => {
    const lines: string[] = [];
    const port = await freePort(); // nothing listens there: the Redis denylist cannot sync
    const result = await runDemo({
      write: (line) => lines.push(line),
      redisUrl: `redis://127.0.0.1:${port}`,
    });
    expect(result.exitCode).toBe(1);
    expect(result.failures).toBe(1);
    expect(lines.join('\n')).toMatch(/✗ the demo started: no: /);
  });

  it('walks through every step of the lifecycle and exits 0 (denylist in memory)', async () => {
    const lines: string[] = [];
    const result = await runDemo({ write: (line) => lines.push(line), redisUrl: undefined });
    // On failure, the whole transcript is in the diff: what was sent and what came back.
    const failed = result.results.filter((step) => !step.ok);
    expect({ failed, transcript: failed.length > 0 ? lines : [] }).toEqual({ failed: [], transcript: [] });
    expect(result.failures).toBe(0);
    expect(result.exitCode).toBe(0);
    const sections = new Set(result.results.map((step) => step.section));
    expect([...sections]).toEqual([
      'Access control: Express, Koa and Hono give the same answers',
      'An expired token',
      'Scheduled key rotation under constant load',
      'Refresh-token rotation and reuse detection',
      'Logout',
      'Logout everywhere',
      'Push revocation: an API with no shared Redis learns of a logout over the feed',
      'DPoP: a token bound to the client key is useless without it',
      'mTLS: a token bound to a client certificate',
    ]);
    // RFC 8705: over HTTPS, the certificate-bound token works with its certificate only.
    expect(
      result.results
        .filter((step) => step.section === 'mTLS: a token bound to a client certificate')
        .map((step) => [step.label, step.ok]),
    ).toEqual([
      ['carol gets a token bound to her certificate: cnf["x5t#S256"] is its thumbprint', true],
      ['carol, with her certificate: GET /items', true],
      ['thief, another certificate from the same CA', true],
      ['thief, no certificate at all', true],
    ]);
    // A copied DPoP-bound token is refused by every API, with or without a proof of another key.
    for (const api of ['express-api', 'koa-api', 'hono-api']) {
      expect(
        result.results.filter((step) => step.label.startsWith('thief') && step.label.endsWith(api)),
      ).toEqual([
        { section: expect.any(String), label: `thief, token as Bearer → ${api}`, ok: true },
        { section: expect.any(String), label: `thief, proof by another key → ${api}`, ok: true },
      ]);
    }
    // Every API answered in every multi-API step, and the transcript says so line by line.
    for (const api of ['express-api', 'koa-api', 'hono-api']) {
      expect(result.results.filter((step) => step.label.endsWith(`→ ${api}`)).length).toBeGreaterThan(10);
    }
    expect(lines.filter((line) => line.includes('✓')).length).toBe(result.results.length);
    expect(lines.join('\n')).toMatch(/denylist {5}in memory/);
    expect(lines.join('\n')).toMatch(/\d+ requests to the three APIs during \d+ rotations: refused: 0/);
  });

  it('shares revocations through Redis when given a Redis URL', async () => {
    const lines: string[] = [];
    const result = await runDemo({ write: (line) => lines.push(line), redisUrl: REDIS_URL });
    const failed = result.results.filter((step) => !step.ok);
    expect({ failed, transcript: failed.length > 0 ? lines : [] }).toEqual({ failed: [], transcript: [] });
    expect(result.exitCode).toBe(0);
    expect(lines.join('\n')).toContain('Redis at redis://127.0.0.1:6379');
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function call(url: string, init: RequestInit = {}): Promise<Reply> {
  const response = await fetch(url, init);
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

const postJson = (url: string, body: unknown, token?: string) =>
  call(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const bearer = (url: string, token: string) =>
  call(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } });

function refreshAt(auth: AuthServer, refreshToken: string): Promise<Reply> {
  return call(`${auth.url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: auth.clientId,
      refresh_token: refreshToken,
    }).toString(),
  });
}

function decodePayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'));
}

interface Pair {
  access: string;
  refresh: string;
}

async function loginAs(auth: AuthServer, username: string, password = `${username}-password`): Promise<Pair> {
  const reply = await postJson(`${auth.url}/login`, { username, password });
  expect(reply.status).toBe(200);
  return { access: reply.body.access_token as string, refresh: reply.body.refresh_token as string };
}

describe('examples/auth-server', () => {
  let auth: AuthServer;
  let verifier: Verifier;

  beforeAll(async () => {
    auth = await startAuthServer();
    // The APIs' view: keys by discovery from the auth server, revocations from its denylist.
    verifier = createVerifier({ issuer: auth.url, audience: DEFAULT_AUDIENCE, denylist: auth.denylist });
  });
  afterAll(() => auth.close());

  it('serves discovery and the JWKS of the issuer', async () => {
    const discovery = await call(`${auth.url}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect(discovery.body).toMatchObject({ issuer: auth.url, jwks_uri: `${auth.url}/jwks.json` });
    const jwks = await call(`${auth.url}/jwks.json`);
    expect((jwks.body.keys as unknown[]).length).toBeGreaterThanOrEqual(2); // current + next
  });

  it('logs a demo user in with their scopes and claims', async () => {
    const reply = await postJson(`${auth.url}/login`, { username: 'alice', password: 'alice-password' });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 900,
      scope: 'read:items write:items',
    });
    expect(typeof reply.body.refresh_token).toBe('string');
    const result = await verifier.verify(reply.body.access_token as string);
    expect(result.payload.sub).toBe('alice');
    expect(result.scopes).toEqual(['read:items', 'write:items']);

    const bob = await verifier.verify((await loginAs(auth, 'bob')).access);
    expect(bob.scopes).toEqual(['read:items']);
    expect(bob.payload.roles).toBeUndefined();
    const carol = await verifier.verify((await loginAs(auth, 'carol')).access);
    expect(carol.payload.roles).toEqual(['admin']);
  });

  it('answers 401 for a wrong password and an unknown user alike', async () => {
    const wrong = await postJson(`${auth.url}/login`, { username: 'alice', password: 'bob-password' });
    const unknown = await postJson(`${auth.url}/login`, { username: 'mallory', password: 'x' });
    for (const reply of [wrong, unknown]) {
      expect(reply.status).toBe(401);
      expect(reply.body).toEqual({
        error: 'invalid_credentials',
        error_description: 'unknown username or wrong password',
      });
    }
  });

  it.each<[string, string | Record<string, unknown>]>([
    ['not JSON', '{"username": '],
    ['a JSON array', '[1, 2]'],
    ['JSON null', 'null'],
    ['an empty body', ''],
    ['no password', { username: 'alice' }],
    ['a numeric username', { username: 42, password: 'x' }],
    ['an empty username', { username: '', password: 'x' }],
    ['an oversized username', { username: 'a'.repeat(201), password: 'x' }],
  ])('answers 400 invalid_request to a login with %s, never 500', async (_case, body) => {
    const reply = await postJson(`${auth.url}/login`, body);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe('invalid_request');
    expect(typeof reply.body.error_description).toBe('string');
  });

  it('refuses other content types and methods with 400 and 405', async () => {
    const form = await call(`${auth.url}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=alice&password=alice-password',
    });
    expect(form.status).toBe(400);
    const get = await call(`${auth.url}/login`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const oversized = await postJson(`${auth.url}/login`, { username: 'alice', password: 'x'.repeat(9000) });
    expect(oversized.status).toBe(400);
  });

  it('rotates the refresh token and revokes the family when an old one comes back', async () => {
    const first = await loginAs(auth, 'alice');
    const rotated = await refreshAt(auth, first.refresh);
    expect(rotated.status).toBe(200);
    const second = {
      access: rotated.body.access_token as string,
      refresh: rotated.body.refresh_token as string,
    };
    expect(second.refresh).not.toBe(first.refresh);
    await expect(verifier.verify(second.access)).resolves.toBeDefined();

    const reused = await refreshAt(auth, first.refresh);
    expect(reused.status).toBe(400);
    expect(reused.body.error).toBe('invalid_grant');
    expect((await refreshAt(auth, second.refresh)).status).toBe(400);
    await expect(verifier.verify(second.access)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED' });
  });

  it('issues client_credentials tokens to the demo service, authenticated by its secret', async () => {
    const grant = (secret: string) =>
      call(`${auth.url}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${DEMO_SERVICE.id}:${secret}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials&scope=read:items',
      });
    const reply = await grant(DEMO_SERVICE.secret);
    expect(reply.status).toBe(200);
    expect(reply.body.refresh_token).toBeUndefined();
    const result = await verifier.verify(reply.body.access_token as string);
    expect(result.payload.sub).toBe('demo-service');
    expect(result.scopes).toEqual(['read:items']);
    const wrong = await grant('not-the-secret');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
  });

  it('logs out: the access token is denylisted and the refresh token dies with it', async () => {
    const pair = await loginAs(auth, 'bob');
    await expect(verifier.verify(pair.access)).resolves.toBeDefined();
    const out = await postJson(`${auth.url}/logout`, { refresh_token: pair.refresh }, pair.access);
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ logged_out: true });
    await expect(verifier.verify(pair.access)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED' });
    expect((await refreshAt(auth, pair.refresh)).status).toBe(400);
    // RFC 7009: logging out again, or with a token nobody issued, is not an error.
    expect((await postJson(`${auth.url}/logout`, { refresh_token: pair.refresh }, pair.access)).status).toBe(
      200,
    );
    expect((await postJson(`${auth.url}/logout`, { refresh_token: 'unknown' })).status).toBe(200);
  });

  it('logout with only the access token revokes it; with nothing is a 400', async () => {
    const pair = await loginAs(auth, 'bob');
    expect((await bearer(`${auth.url}/logout`, pair.access)).status).toBe(200);
    await expect(verifier.verify(pair.access)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED' });
    const nothing = await postJson(`${auth.url}/logout`, {});
    expect(nothing.status).toBe(400);
    expect(nothing.body.error).toBe('invalid_request');
  });

  it('logs out everywhere: every earlier token of the user is refused, other users are not', async () => {
    const laptop = await loginAs(auth, 'alice');
    const phone = await loginAs(auth, 'alice');
    const bob = await loginAs(auth, 'bob');
    const out = await bearer(`${auth.url}/logout-everywhere`, laptop.access);
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ logged_out_everywhere: true, sub: 'alice' });
    await expect(verifier.verify(phone.access)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED' });
    expect((await refreshAt(auth, phone.refresh)).status).toBe(400);
    await expect(verifier.verify(bob.access)).resolves.toBeDefined();
    // A revoked token cannot be used to call it again.
    expect((await bearer(`${auth.url}/logout-everywhere`, laptop.access)).status).toBe(401);
  });

  it('logout-everywhere without a token is a 401 with a Bearer challenge', async () => {
    const reply = await call(`${auth.url}/logout-everywhere`, { method: 'POST' });
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer realm="auth-server"/);
    expect(reply.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const forged = await bearer(`${auth.url}/logout-everywhere`, 'e30.e30.AAAA');
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('rotates keys on demand for an administrator only', async () => {
    const bob = await loginAs(auth, 'bob');
    const denied = await bearer(`${auth.url}/keys/rotate`, bob.access);
    expect(denied.status).toBe(403);
    expect(denied.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);

    const carol = await loginAs(auth, 'carol');
    const rotated = await bearer(`${auth.url}/keys/rotate`, carol.access);
    expect(rotated.status).toBe(200);
    const kid = rotated.body.kid as string;
    const jwks = await call(`${auth.url}/jwks.json`);
    expect((jwks.body.keys as Array<{ kid: string }>).map((key) => key.kid)).toContain(kid);
    // The new key has been published only since startup: it signs once verifiers' JWKS caches (10 min)
    // can have picked it up, not before.
    expect(Date.parse(rotated.body.activates_at as string)).toBeGreaterThan(Date.now() + 9 * 60_000);
    const next = await loginAs(auth, 'bob');
    const header = JSON.parse(Buffer.from(next.access.split('.')[0] as string, 'base64url').toString());
    expect(header.kid).not.toBe(kid);
  });
});

describe('startAuthServer options', () => {
  const servers: AuthServer[] = [];
  const start = async (options: AuthServerOptions) => {
    const server = await startAuthServer(options);
    servers.push(server);
    return server;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });

  it('port and host: listens where asked', async () => {
    const port = await freePort();
    const auth = await start({ port, host: '127.0.0.1' });
    expect(auth.url).toBe(`http://127.0.0.1:${port}`);
    expect((await call(`${auth.url}/.well-known/openid-configuration`)).body.issuer).toBe(auth.url);
  });

  it('users: only the configured users can log in', async () => {
    const auth = await start({
      users: [{ username: 'dave', password: 'pw-of-dave', scope: ['read:items'] }],
    });
    expect(auth.usernames).toEqual(['dave']);
    const dave = await postJson(`${auth.url}/login`, { username: 'dave', password: 'pw-of-dave' });
    expect(dave.status).toBe(200);
    expect(dave.body.scope).toBe('read:items');
    expect(
      (await postJson(`${auth.url}/login`, { username: 'alice', password: 'alice-password' })).status,
    ).toBe(401);
  });

  it('audience, clock and accessTokenLifetime shape the access token', async () => {
    const now = Date.UTC(2030, 0, 1);
    const auth = await start({
      audience: 'https://other.example',
      clock: () => now,
      accessTokenLifetime: '2m',
    });
    const pair = await loginAs(auth, 'alice');
    expect(decodePayload(pair.access)).toMatchObject({
      aud: 'https://other.example',
      iat: now / 1000,
      exp: now / 1000 + 120,
    });
  });

  it('denylist: logout writes into the denylist passed in', async () => {
    const denylist = createMemoryDenylist();
    const auth = await start({ denylist });
    expect(auth.denylist).toBe(denylist);
    const pair = await loginAs(auth, 'bob');
    expect(denylist.size).toBe(0);
    await bearer(`${auth.url}/logout`, pair.access);
    expect(denylist.size).toBe(1);
  });

  it('rotation, clock and onEvent: the schedule runs on the injected clock', async () => {
    let now = Date.UTC(2030, 0, 1);
    const events: IssuerEvent[] = [];
    const auth = await start({
      clock: () => now,
      rotation: { every: '1h', checkInterval: false },
      onEvent: (event) => events.push(event),
    });
    const before = (await auth.issuer.keyStatus()).find((key) => key.state === 'current')?.kid;
    await auth.issuer.tick();
    expect(events).toEqual([]);
    now += 61 * 60_000;
    await auth.issuer.tick();
    expect(events.map((event) => event.type)).toEqual(['keys.rotated']);
    const after = (await auth.issuer.keyStatus()).find((key) => key.state === 'current')?.kid;
    expect(after).not.toBe(before);
  });

  it('jwksCacheLifetime: the JWKS is served with that max-age', async () => {
    const auth = await start({ jwksCacheLifetime: '3m' });
    const jwks = await call(`${auth.url}/jwks.json`);
    expect(jwks.headers.get('cache-control')).toBe('public, max-age=180');
  });
});

describe('demo user passwords', () => {
  it('are stored as salted scrypt hashes and checked in constant time', async () => {
    const one = await hashPassword('correct horse');
    const two = await hashPassword('correct horse');
    expect(one).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(one).not.toContain('correct horse');
    expect(one).not.toBe(two); // a fresh salt each time
    await expect(verifyPassword('correct horse', one)).resolves.toBe(true);
    await expect(verifyPassword('correct horse!', one)).resolves.toBe(false);
    await expect(verifyPassword('correct horse', 'plain text')).resolves.toBe(false);
    await expect(verifyPassword('x', 'scrypt$16384$8$1$c2FsdA$c2hvcnQ')).resolves.toBe(false);
    const [, , , , salt, hash] = one.split('$');
    await expect(verifyPassword('correct horse', `scrypt$1000$8$1$${salt}$${hash}`)).resolves.toBe(false);
  });
});
