// The push revocation feed end to end, both ends built by this project: @jwtguard/issuer serves its SET feed
// over HTTP on 127.0.0.1, @jwtguard/feed keeps an API's denylist from it, and a verifier with no Redis refuses
// a logged-out token once the event arrives (docs/revocation-feed.md).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createVerifier, type AuthResult } from '@jwtguard/core';
import { createFeedDenylist, type FeedDenylist } from '@jwtguard/feed';
import { createIssuer, createNodeListener, type Issuer } from '@jwtguard/issuer';

const AUDIENCE = 'https://api.feed-e2e.test';
const API_CLIENT = { id: 'orders-api', secret: 'orders-api-feed-secret-long-enough' };

let server: Server;
let issuer: Issuer;
let feed: FeedDenylist;

beforeAll(async () => {
  const bound: { handle?: (request: Request) => Promise<Response> } = {};
  server = createServer(
    createNodeListener(async (request) =>
      bound.handle ? bound.handle(request) : new Response(null, { status: 503 }),
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = createIssuer({
    issuer: url,
    audience: AUDIENCE,
    clients: [{ id: 'web' }, API_CLIENT],
    revocationFeed: { clients: [API_CLIENT.id], heartbeatInterval: '200ms' },
  });
  await issuer.ready();
  bound.handle = (request) => issuer.handle(request);
  feed = createFeedDenylist({
    url: `${url}/revocations`,
    issuer: url,
    audience: AUDIENCE,
    clientId: API_CLIENT.id,
    clientSecret: API_CLIENT.secret,
    maxStaleness: '2s',
  });
  await feed.ready();
});

afterAll(async () => {
  await feed?.close();
  await issuer?.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** The verifier's answer for `token`: the result, or the refusal's code. */
async function answer(token: string): Promise<AuthResult | string> {
  const verifier = createVerifier({
    issuer: issuer.issuer,
    audience: AUDIENCE,
    jwksUri: issuer.jwksUri,
    denylist: feed,
  });
  return verifier.verify(token).catch((error: { code: string }) => error.code);
}

async function refusedWithin(token: string, ms: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if ((await answer(token)) === 'ERR_JWT_REVOKED') return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`still accepted after ${ms} ms`);
}

test('a revoked access token is refused by an API fed only by the feed', async () => {
  const { accessToken } = await issuer.issueTokens({ sub: 'alice', clientId: 'web', scope: 'read' });
  await expect(answer(accessToken)).resolves.toMatchObject({ payload: { sub: 'alice' } });
  await issuer.revoke(accessToken);
  await refusedWithin(accessToken, 2000);
});

test('log out everywhere: every earlier token of the subject is refused, a later one is not', async () => {
  const first = await issuer.issueTokens({ sub: 'bob', clientId: 'web', scope: 'read' });
  const second = await issuer.issueTokens({ sub: 'bob', clientId: 'web', scope: 'read' });
  await issuer.revokeSubject('bob');
  await refusedWithin(first.accessToken, 2000);
  await refusedWithin(second.accessToken, 2000);
  await new Promise((resolve) => setTimeout(resolve, 1100)); // the cutoff is a NumericDate: a later second
  const later = await issuer.issueTokens({ sub: 'bob', clientId: 'web', scope: 'read' });
  await expect(answer(later.accessToken)).resolves.toMatchObject({ payload: { sub: 'bob' } });
});

test('a refresh token presented twice (reuse) revokes the family: its live access token is refused', async () => {
  const set = await issuer.issueTokens({ sub: 'carol', clientId: 'web', scope: 'read' });
  const next = await issuer.refresh(set.refreshToken!, { clientId: 'web' });
  await expect(issuer.refresh(set.refreshToken!, { clientId: 'web' })).rejects.toMatchObject({
    error: 'invalid_grant',
  });
  await refusedWithin(next.accessToken, 2000);
});

test('an API that joins later learns every live revocation from the snapshot', async () => {
  const { accessToken } = await issuer.issueTokens({ sub: 'dave', clientId: 'web', scope: 'read' });
  await issuer.revoke(accessToken);
  await refusedWithin(accessToken, 2000);
  const late = createFeedDenylist({
    url: `${issuer.issuer}/revocations`,
    issuer: issuer.issuer,
    audience: AUDIENCE,
    clientId: API_CLIENT.id,
    clientSecret: API_CLIENT.secret,
  });
  try {
    await late.ready();
    const verifier = createVerifier({
      issuer: issuer.issuer,
      audience: AUDIENCE,
      jwksUri: issuer.jwksUri,
      denylist: late,
    });
    await expect(verifier.verify(accessToken)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED' });
  } finally {
    await late.close();
  }
});
