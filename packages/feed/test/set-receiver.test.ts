// createSetReceiver over real HTTP (a loopback node:http server handing each request to the Web-standard
// handler): RFC 8935 §2.2 acceptance (202) into core's memory denylist and @jwtguard/redis's, §2.3 error
// bodies with the §2.4 codes, replays, CAEP session-revoked from a second transmitter with its own keys,
// and 503 when the store is down.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { createMemoryDenylist, type JwtPayload } from '@jwtguard/core';
import { createRedisDenylist } from '@jwtguard/redis';
import { createSetReceiver, type SetReceiverEvent, type SetReceiverOptions } from '../src/index.js';
import { tokenOf } from '../../../test/contracts/denylist.js';
import {
  AUDIENCE,
  newSigningKey,
  publicJwk,
  SESSION_REVOKED,
  signJws,
  TOKEN_REVOKED,
  type SigningKey,
} from './feed-server.js';

const ISSUER = 'https://issuer.receiver.test';
const IDP = 'https://idp.receiver.test';
const issuerKey = newSigningKey('issuer-key');
const idpKey = newSigningKey('idp-key');
const now = () => Math.floor(Date.now() / 1000);
const servers: Server[] = [];

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Serves `handler` on loopback, translating node:http to Request/Response. */
async function serve(handler: (request: Request) => Promise<Response>): Promise<string> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(name, value);
    }
    const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks);
    const response = await handler(
      new Request(`http://127.0.0.1${req.url ?? '/'}`, { method: req.method, headers, body }),
    );
    const head: Record<string, string> = {};
    response.headers.forEach((value, name) => void (head[name] = value));
    res.writeHead(response.status, head);
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
}

function set(
  claims: Record<string, unknown>,
  options: { key?: SigningKey; iss?: string; header?: Record<string, unknown> } = {},
): string {
  const payload = { iss: options.iss ?? ISSUER, aud: AUDIENCE, iat: now(), jti: randomUUID(), ...claims };
  return signJws({ typ: 'secevent+jwt', ...options.header }, payload, options.key ?? issuerKey);
}

const tokenRevoked = (jti: string, iss = ISSUER) => ({
  events: { [TOKEN_REVOKED]: { iss, jti, exp: now() + 600 } },
});
const sessionRevoked = (sub: string, iss = ISSUER, before = now()) => ({
  events: { [SESSION_REVOKED]: { subject: { format: 'iss_sub', iss, sub }, event_timestamp: before } },
});

async function post(url: string, body: string, contentType = 'application/secevent+jwt') {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': contentType, Accept: 'application/json' },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? undefined : (JSON.parse(text) as unknown),
    headers: response.headers,
  };
}

async function receiverWith(options: Partial<SetReceiverOptions> = {}) {
  const denylist = createMemoryDenylist();
  const events: SetReceiverEvent[] = [];
  const url = await serve(
    createSetReceiver({
      issuer: [
        { issuer: ISSUER, keys: publicJwk(issuerKey) },
        { issuer: IDP, keys: publicJwk(idpKey) },
      ],
      audience: AUDIENCE,
      denylist,
      onEvent: (event) => events.push(event),
      ...options,
    }),
  );
  const token = (claims: JwtPayload) =>
    tokenOf({ iss: ISSUER, sub: 'alice', jti: randomUUID(), iat: now() - 10, exp: now() + 600, ...claims });
  return { url, denylist, events, token };
}

test('202 for a token revocation and a subject cutoff, applied to the memory denylist', async () => {
  const { url, denylist, token } = await receiverWith();
  expect(await post(url, set(tokenRevoked('t-1')))).toMatchObject({ status: 202, body: undefined });
  expect(await post(url, set(sessionRevoked('bob')))).toMatchObject({ status: 202 });
  expect(denylist.isRevoked(token({ jti: 't-1' }))).toBe(true);
  expect(denylist.isRevoked(token({ sub: 'bob' }))).toBe(true);
  expect(denylist.isRevoked(token({}))).toBe(false);
});

test('CAEP session-revoked from a second transmitter with its own keys, also with the subject in sub_id', async () => {
  const { url, denylist } = await receiverWith();
  expect(await post(url, set(sessionRevoked('dana', IDP), { iss: IDP, key: idpKey }))).toMatchObject({
    status: 202,
  });
  const ssf = set(
    {
      sub_id: { format: 'iss_sub', iss: IDP, sub: 'erin' },
      events: { [SESSION_REVOKED]: { event_timestamp: now() } },
    },
    { iss: IDP, key: idpKey },
  );
  expect(await post(url, ssf)).toMatchObject({ status: 202 });
  const idpToken = (sub: string) => tokenOf({ iss: IDP, sub, iat: now() - 10, exp: now() + 600 });
  expect(await denylist.isRevoked(idpToken('dana'))).toBe(true);
  expect(await denylist.isRevoked(idpToken('erin'))).toBe(true);
});

test('a replayed SET is acknowledged again (202), applied once and reported', async () => {
  const { url, events } = await receiverWith();
  const body = set(tokenRevoked('once'));
  expect((await post(url, body)).status).toBe(202);
  expect((await post(url, body)).status).toBe(202);
  expect(events.map((event) => event.type)).toEqual(['set.applied', 'set.replayed']);
});

test('400 with the RFC 8935 error code for each kind of refused SET, and nothing applied', async () => {
  const { url, denylist, token } = await receiverWith();
  const payload = set(tokenRevoked('unsigned')).split('.')[1] ?? '';
  const cases: Array<[string, string, string?]> = [
    ['invalid_request', 'not a jwt'],
    ['invalid_request', set(tokenRevoked('wrong-type')), 'application/jwt'],
    ['invalid_request', set(tokenRevoked('at'), { header: { typ: 'at+jwt' } })],
    ['invalid_request', set({ events: { ...tokenRevoked('two').events, ...sessionRevoked('two').events } })],
    ['invalid_request', set({ events: { 'urn:example:unknown': {} } })],
    ['invalid_key', set(tokenRevoked('unknown-kid'), { key: newSigningKey('nobody') })],
    [
      'authentication_failed',
      set(tokenRevoked('bad-sig'), { key: { ...newSigningKey(), kid: issuerKey.kid } }),
    ],
    [
      'authentication_failed',
      `${Buffer.from('{"alg":"none","typ":"secevent+jwt"}').toString('base64url')}.${payload}.`,
    ],
    [
      'invalid_issuer',
      set(tokenRevoked('stranger', 'https://stranger.test'), { iss: 'https://stranger.test' }),
    ],
    ['invalid_audience', set({ ...tokenRevoked('other-aud'), aud: 'https://other-api.test' })],
    // The IdP speaking about the issuer's users: a transmitter revokes only its own subjects and tokens.
    ['access_denied', set(sessionRevoked('alice', ISSUER), { iss: IDP, key: idpKey })],
  ];
  for (const [err, body, contentType] of cases) {
    const response = await post(url, body, contentType);
    expect({ err, status: response.status, body: response.body }).toEqual({
      err,
      status: 400,
      body: { err, description: expect.any(String) as string },
    });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  }
  expect(denylist.size).toBe(0);
  expect(denylist.isRevoked(token({ sub: 'alice' }))).toBe(false);
});

test('405 for another method; a body past maxBodyBytes is refused', async () => {
  const { url } = await receiverWith({ maxBodyBytes: 100 });
  expect((await fetch(url)).status).toBe(405);
  expect(await post(url, set(tokenRevoked('big')))).toMatchObject({
    status: 400,
    body: { err: 'invalid_request' },
  });
});

test('503 with Retry-After when the store fails, so the transmitter retries; the retry is then applied', async () => {
  const memory = createMemoryDenylist();
  let down = true;
  const flaky = {
    revoke: (entry: { iss?: string; jti: string; exp: number }) => {
      if (down) throw new Error('store down');
      memory.revoke(entry);
    },
    revokeSubject: (entry: { iss: string; sub: string; before?: number }) => memory.revokeSubject(entry),
  };
  const { url } = await receiverWith({ denylist: flaky });
  const body = set(tokenRevoked('retry-me'));
  const first = await post(url, body);
  expect(first.status).toBe(503);
  expect(first.headers.get('retry-after')).toBe('5');
  down = false;
  expect((await post(url, body)).status).toBe(202);
  expect(memory.size).toBe(1);
});

test('applies to the Redis denylist as well', async () => {
  const redis = createRedisDenylist({ prefix: `jwtguard-feed-test:${randomUUID()}:` });
  try {
    await redis.ready();
    const { url, token } = await receiverWith({ denylist: redis });
    expect((await post(url, set(tokenRevoked('in-redis')))).status).toBe(202);
    expect(await redis.isRevoked(token({ jti: 'in-redis' }))).toBe(true);
  } finally {
    await redis.close();
  }
});

test('options: unknown names refused, a denylist without revoke refused', () => {
  const base = { issuer: ISSUER, audience: AUDIENCE, denylist: createMemoryDenylist() };
  expect(() => createSetReceiver({ ...base, audiences: AUDIENCE } as SetReceiverOptions)).toThrow(
    /unknown option "audiences"; did you mean "audience"/,
  );
  expect(() => createSetReceiver({ ...base, denylist: {} as SetReceiverOptions['denylist'] })).toThrow(
    /revoke/,
  );
});
