// RFC 8935 push end to end, both ends built by this project, over real HTTP on 127.0.0.1: @jwtguard/issuer
// with `revocationFeed.push` POSTs each revocation SET to a receiver made with @jwtguard/feed's
// createSetReceiver in front of core's memory denylist (docs/revocation-feed.md). Also: a receiver answering
// 503 twice gets the SET on a retry, a 400 refusal (RFC 8935 §2.3) is not retried, an entry past retention
// is not retried, and close() stops the retries.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryDenylist, createVerifier, type Denylist } from '@jwtguard/core';
import { createSetReceiver } from '@jwtguard/feed';
import {
  createIssuer,
  createNodeListener,
  type Issuer,
  type IssuerEvent,
  type IssuerOptions,
} from '@jwtguard/issuer';

const AUDIENCE = 'https://api.push-e2e.test';
const API_CLIENT = { id: 'orders-api', secret: 'orders-api-feed-secret-long-enough' };
const PUSH_TOKEN = 'Bearer push-e2e-receiver-token';

const servers: Server[] = [];
const issuers: Issuer[] = [];
afterEach(async () => {
  await Promise.all(issuers.splice(0).map((issuer) => issuer.close()));
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

/** A Fetch-style handler served on 127.0.0.1 (createNodeListener); answers its origin. */
async function serve(handler: (request: Request) => Promise<Response>): Promise<string> {
  const server = createServer(createNodeListener(handler));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** An issuer served on 127.0.0.1 (the receiver fetches its JWKS), pushing to `receiverUrl`. */
async function pushingIssuer(receiverUrl: string, extra: Partial<IssuerOptions> = {}) {
  const events: IssuerEvent[] = [];
  const bound: { handle?: (request: Request) => Promise<Response> } = {};
  const url = await serve(async (request) =>
    bound.handle ? bound.handle(request) : new Response(null, { status: 503 }),
  );
  const issuer = createIssuer({
    issuer: url,
    audience: AUDIENCE,
    clients: [{ id: 'web' }, API_CLIENT],
    revocationFeed: {
      clients: [API_CLIENT.id],
      push: [{ url: receiverUrl, authorization: PUSH_TOKEN }],
    },
    onEvent: (event) => events.push(event),
    ...extra,
  });
  issuers.push(issuer);
  await issuer.ready();
  bound.handle = (request) => issuer.handle(request);
  return { issuer, events };
}

async function until(check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Whether the verifier, with `denylist`, refuses `token` as revoked. */
async function refused(issuer: Issuer, denylist: Denylist, token: string): Promise<boolean> {
  const verifier = createVerifier({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    jwksUri: issuer.jwksUri,
    denylist,
  });
  return verifier.verify(token).then(
    () => false,
    (error: { code: string }) => error.code === 'ERR_JWT_REVOKED',
  );
}

const ofType = (events: IssuerEvent[], type: IssuerEvent['type']) => events.filter((e) => e.type === type);

test('a revocation at the issuer lands in the denylist behind createSetReceiver', async () => {
  const denylist = createMemoryDenylist();
  const authorizations: (string | null)[] = [];
  const bound: { receive?: (request: Request) => Promise<Response> } = {};
  const receiverOrigin = await serve(async (request) => {
    authorizations.push(request.headers.get('authorization'));
    // The receiver checks the transmitter's credential before anything else.
    if (request.headers.get('authorization') !== PUSH_TOKEN) return new Response(null, { status: 401 });
    return bound.receive ? bound.receive(request) : new Response(null, { status: 503 });
  });
  const { issuer, events } = await pushingIssuer(`${receiverOrigin}/security-events`);
  bound.receive = createSetReceiver({ issuer: issuer.issuer, audience: AUDIENCE, denylist });

  const tokens = await issuer.issueTokens({ sub: 'alice', clientId: 'web', scope: 'read' });
  expect(await refused(issuer, denylist, tokens.accessToken)).toBe(false);
  await issuer.revoke(tokens.accessToken);
  await until(() => refused(issuer, denylist, tokens.accessToken));

  const other = await issuer.issueTokens({ sub: 'bob', clientId: 'web', scope: 'read' });
  await issuer.revokeSubject('bob');
  await until(() => refused(issuer, denylist, other.accessToken));
  expect(authorizations.every((value) => value === PUSH_TOKEN)).toBe(true);
  // revokeSubject may also push token events for the live access tokens of bob's refresh families.
  expect(ofType(events, 'revocation_push.delivered').length).toBeGreaterThanOrEqual(2);
  expect(ofType(events, 'revocation_push.refused')).toHaveLength(0);
  expect(JSON.stringify(events)).not.toContain(PUSH_TOKEN);
});

test('a receiver that answers 503 twice, then 202, gets the SET after retries', async () => {
  const denylist = createMemoryDenylist();
  let posts = 0;
  const bound: { receive?: (request: Request) => Promise<Response> } = {};
  const receiverOrigin = await serve(async (request) => {
    posts += 1;
    if (posts <= 2) return new Response(null, { status: 503 });
    return bound.receive!(request);
  });
  const { issuer, events } = await pushingIssuer(`${receiverOrigin}/security-events`);
  bound.receive = createSetReceiver({ issuer: issuer.issuer, audience: AUDIENCE, denylist });

  const tokens = await issuer.issueTokens({ sub: 'carol', clientId: 'web', scope: 'read' });
  await issuer.revoke(tokens.accessToken);
  await until(() => refused(issuer, denylist, tokens.accessToken));
  expect(posts).toBe(3);
  expect(ofType(events, 'revocation_push.retry')).toMatchObject([
    { attempt: 1, reason: 'HTTP 503' },
    { attempt: 2, reason: 'HTTP 503' },
  ]);
  expect(ofType(events, 'revocation_push.delivered')).toMatchObject([{ attempts: 3, status: 202 }]);
});

test('a 400 refusal from createSetReceiver (another audience) is reported and not retried', async () => {
  const denylist = createMemoryDenylist();
  let posts = 0;
  const bound: { receive?: (request: Request) => Promise<Response> } = {};
  const receiverOrigin = await serve(async (request) => {
    posts += 1;
    return bound.receive!(request);
  });
  const { issuer, events } = await pushingIssuer(`${receiverOrigin}/security-events`);
  bound.receive = createSetReceiver({
    issuer: issuer.issuer,
    audience: 'https://another-api.test',
    denylist,
  });

  const tokens = await issuer.issueTokens({ sub: 'dave', clientId: 'web', scope: 'read' });
  await issuer.revoke(tokens.accessToken);
  await until(() => ofType(events, 'revocation_push.refused').length === 1);
  await new Promise((resolve) => setTimeout(resolve, 1200)); // longer than the first retry delay
  expect(posts).toBe(1);
  expect(ofType(events, 'revocation_push.refused')[0]).toMatchObject({
    status: 400,
    err: 'invalid_audience',
  });
  expect(ofType(events, 'revocation_push.retry')).toHaveLength(0);
});

test('an entry past retention is not retried', async () => {
  let posts = 0;
  const receiverOrigin = await serve(async () => {
    posts += 1;
    return new Response(null, { status: 503 });
  });
  let now = Date.now();
  const { issuer, events } = await pushingIssuer(`${receiverOrigin}/security-events`, {
    clock: () => now,
  });
  const tokens = await issuer.issueTokens({ sub: 'erin', clientId: 'web', scope: 'read' });
  await issuer.revoke(tokens.accessToken);
  await until(() => ofType(events, 'revocation_push.retry').length === 1);
  now = tokens.exp * 1000 + 60_000; // past the token's exp plus the clock tolerance: no longer retained
  await until(() => ofType(events, 'revocation_push.dropped').length === 1);
  const sent = posts;
  await new Promise((resolve) => setTimeout(resolve, 1200));
  expect(posts).toBe(sent);
  expect(ofType(events, 'revocation_push.dropped')[0]).toMatchObject({ reason: 'expired' });
});

test('close() stops the retries', async () => {
  let posts = 0;
  const receiverOrigin = await serve(async () => {
    posts += 1;
    return new Response(null, { status: 503 });
  });
  const { issuer, events } = await pushingIssuer(`${receiverOrigin}/security-events`);
  const tokens = await issuer.issueTokens({ sub: 'frank', clientId: 'web', scope: 'read' });
  await issuer.revoke(tokens.accessToken);
  await until(() => ofType(events, 'revocation_push.retry').length === 1);
  await issuer.close();
  const sent = posts;
  const reported = events.length;
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(posts).toBe(sent);
  expect(events).toHaveLength(reported);
});

test('misspelt push option names and non-loopback http urls are refused', () => {
  const options = (push: unknown): IssuerOptions =>
    ({
      issuer: 'https://auth.example.test',
      audience: AUDIENCE,
      clients: [API_CLIENT],
      revocationFeed: { clients: [API_CLIENT.id], push },
    }) as IssuerOptions;
  expect(() => createIssuer(options([{ uri: 'https://api.example.test/events' }]))).toThrow(/uri/);
  expect(() => createIssuer(options([{ url: 'http://api.example.test/events' }]))).toThrow(/https/);
});
