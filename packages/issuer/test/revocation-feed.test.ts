// GET /revocations over real HTTP on 127.0.0.1 (createNodeListener), read with fetch and a small SSE reader
// written for the test (docs/revocation-feed.md): authentication, discovery, the snapshot then `ready`,
// resuming with Last-Event-ID, `reset`, live entries of every kind, heartbeats, a slow reader dropped at
// maxBufferBytes, and close() ending every stream.
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMemoryDenylist } from '@jwtguard/core';
import {
  createIssuer,
  createNodeListener,
  SESSION_REVOKED_EVENT,
  TOKEN_REVOKED_EVENT,
  type Issuer,
  type IssuerEvent,
  type IssuerOptions,
} from '@jwtguard/issuer';
import { decodeJwt } from 'jose';

const ISS = 'https://auth.example.test';
const AUD = 'https://api.example.test';
const BASIC = `Basic ${Buffer.from('api:api-secret').toString('base64')}`;

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

async function serve(
  extra: Partial<IssuerOptions> = {},
  feed: Partial<IssuerOptions['revocationFeed']> = {},
) {
  const events: IssuerEvent[] = [];
  const issuer = createIssuer({
    issuer: ISS,
    audience: AUD,
    denylist: createMemoryDenylist(),
    clients: [{ id: 'api', secret: 'api-secret' }, { id: 'other', secret: 'other-secret' }, { id: 'web' }],
    revocationFeed: { clients: ['api'], heartbeatInterval: '10s', ...feed },
    onEvent: (event) => events.push(event),
    ...extra,
  });
  issuers.push(issuer);
  const server = createServer(createNodeListener(issuer.handle));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { issuer, base, events };
}

interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
}

/** Reads SSE blocks ("field: value" lines ended by a blank line) off a fetch body. */
function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  return {
    async next(): Promise<SseEvent | undefined> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = {};
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            const field = line.slice(0, colon) as keyof SseEvent;
            event[field] = line.slice(colon + 1).replace(/^ /, '');
          }
          return event;
        }
        const { done, value } = await reader.read();
        if (done) return undefined;
        buffer += decoder.decode(value, { stream: true });
      }
    },
    /** Events up to and including the first of type `type`. */
    async until(type: string): Promise<SseEvent[]> {
      const seen: SseEvent[] = [];
      for (;;) {
        const event = await this.next();
        if (!event) throw new Error(`stream ended before ${type}: ${JSON.stringify(seen)}`);
        seen.push(event);
        if (event.event === type) return seen;
      }
    },
    cancel: () => reader.cancel(),
  };
}

async function subscribe(base: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}/revocations`, { headers: { authorization: BASIC, ...headers } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return sseReader(response.body!);
}

const eventsOf = (set: SseEvent) => decodeJwt(set.data!).events as Record<string, unknown>;

test('discovery advertises revocation_feed_endpoint', async () => {
  const { base } = await serve();
  const metadata = (await (await fetch(`${base}/.well-known/openid-configuration`)).json()) as Record<
    string,
    unknown
  >;
  expect(metadata.revocation_feed_endpoint).toBe(`${ISS}/revocations`);
});

test('401 without credentials, with a wrong secret, for a public or an unlisted client; 405 for POST', async () => {
  const { base } = await serve();
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  for (const authorization of [
    undefined,
    basic('api', 'wrong'),
    basic('web', ''),
    basic('other', 'other-secret'),
  ]) {
    const response = await fetch(`${base}/revocations`, {
      headers: authorization === undefined ? {} : { authorization },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: 'invalid_client' });
  }
  const post = await fetch(`${base}/revocations`, { method: 'POST', headers: { authorization: BASIC } });
  expect(post.status).toBe(405);
});

test('the snapshot: retry, every retained entry in order, then ready with the last id', async () => {
  const { issuer, base } = await serve();
  const set = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
  await issuer.revoke(set.accessToken);
  await issuer.revokeSubject('bob');
  const stream = await subscribe(base);
  const [retry, first, second, ready] = await stream.until('ready');
  expect(retry).toEqual({ retry: '1000' });
  expect(first).toMatchObject({ event: 'set', id: expect.any(String) });
  expect(eventsOf(first!)).toEqual({ [TOKEN_REVOKED_EVENT]: { iss: ISS, jti: set.jti, exp: set.exp } });
  expect(eventsOf(second!)).toHaveProperty([SESSION_REVOKED_EVENT, 'subject', 'sub'], 'bob');
  expect(JSON.parse(ready!.data!)).toEqual({ last: second!.id });
  await stream.cancel();
});

test('resume with Last-Event-ID: only later entries; an unknown id: reset, then the whole log', async () => {
  const { issuer, base } = await serve();
  await issuer.revokeSubject('a');
  await issuer.revokeSubject('b');
  const first = await subscribe(base);
  const [, a, b] = await first.until('ready');
  await first.cancel();

  const resumed = await subscribe(base, { 'last-event-id': a!.id! });
  const after = await resumed.until('ready');
  expect(after.filter((e) => e.event === 'set').map((e) => e.id)).toEqual([b!.id]);
  await resumed.cancel();

  const atHead = await subscribe(base, { 'last-event-id': b!.id! });
  expect((await atHead.until('ready')).slice(1)).toEqual([
    { event: 'ready', data: JSON.stringify({ last: b!.id }) },
  ]);
  await atHead.cancel();

  const reset = await subscribe(base, { 'last-event-id': 'from-another-log.7' });
  const events = await reset.until('ready');
  expect(events.map((e) => e.event ?? 'retry')).toEqual(['retry', 'reset', 'set', 'set', 'ready']);
  await reset.cancel();
});

test('live: each kind of revocation reaches a connected subscriber', async () => {
  const { issuer, base } = await serve();
  const stream = await subscribe(base);
  expect((await stream.until('ready')).at(-1)).toEqual({ event: 'ready', data: '{"last":null}' });

  const a = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
  await issuer.revoke(a.accessToken);
  expect(eventsOf((await stream.until('set')).at(-1)!)).toHaveProperty([TOKEN_REVOKED_EVENT, 'jti'], a.jti);

  await issuer.revokeSubject('bob');
  expect(eventsOf((await stream.until('set')).at(-1)!)).toHaveProperty(
    [SESSION_REVOKED_EVENT, 'subject', 'sub'],
    'bob',
  );

  const reused = await issuer.issueTokens({ sub: 'carol', clientId: 'web' });
  await issuer.refresh(reused.refreshToken!);
  await expect(issuer.refresh(reused.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });
  const [, firstOfFamily] = [await stream.until('set'), await stream.until('set')].map((e) => e.at(-1)!);
  expect(eventsOf(firstOfFamily!)).toHaveProperty(TOKEN_REVOKED_EVENT);

  const family = await issuer.issueTokens({ sub: 'dave', clientId: 'web' });
  await issuer.revoke(family.refreshToken!, { hint: 'refresh_token' });
  expect(eventsOf((await stream.until('set')).at(-1)!)).toHaveProperty(
    [TOKEN_REVOKED_EVENT, 'jti'],
    family.jti,
  );
  await stream.cancel();
});

test('heartbeats carry the issuer time', async () => {
  const { base } = await serve({}, { heartbeatInterval: '50ms' });
  const stream = await subscribe(base);
  await stream.until('ready');
  const before = Date.now();
  const [heartbeat] = (await stream.until('heartbeat')).slice(-1);
  expect(Number(heartbeat!.data)).toBeGreaterThanOrEqual(before - 1);
  expect(Number(heartbeat!.data)).toBeLessThanOrEqual(Date.now());
  await stream.cancel();
});

test('a reader that stops reading is disconnected at maxBufferBytes; others carry on', async () => {
  // A long audience makes each SET ~80 KiB, so even loopback socket buffers (tens of MiB with autotuning)
  // fill after a few hundred revocations.
  const { issuer, base, events } = await serve(
    { audience: [AUD, `https://${'x'.repeat(60_000)}.example.test`] },
    { maxBufferBytes: 256 * 1024 },
  );
  const slow = await new Promise<IncomingMessage>((resolve) => {
    get(`${base}/revocations`, { headers: { authorization: BASIC }, agent: false }, resolve).on(
      'error',
      () => undefined, // the cut connection
    );
  });
  slow.on('error', () => undefined);
  slow.pause(); // never reads again
  const closed = new Promise<void>((resolve) => slow.socket.once('close', () => resolve()));
  const fast = await subscribe(base);
  await fast.until('ready');

  let appended = 0;
  const droppedEvents = () => events.filter((event) => event.type === 'revocation_feed.subscriber_dropped');
  while (droppedEvents().length === 0 && appended < 5000) {
    await issuer.revokeSubject(`user-${appended++}`);
    // The fast reader keeps up, and the event loop turns (sockets flush) between revocations.
    await fast.until('set');
    await new Promise((resolve) => setImmediate(resolve));
  }
  // Far more than maxBufferBytes went out before the drop: the socket took what it could, the issuer held
  // at most maxBufferBytes of it.
  expect(appended * 80_000).toBeGreaterThan(4 * 256 * 1024);
  const [dropped, ...more] = droppedEvents();
  expect(more).toEqual([]); // only the slow one
  expect(dropped).toMatchObject({ clientId: 'api', bufferedBytes: expect.any(Number) });
  if (dropped?.type === 'revocation_feed.subscriber_dropped') {
    expect(dropped.bufferedBytes).toBeLessThanOrEqual(256 * 1024);
  }
  // The connection was cut: what the kernel still held reaches the reader, then the end.
  slow.resume();
  await closed;
  await issuer.revokeSubject('after');
  const tail = await fast.until('set');
  expect(eventsOf(tail.at(-1)!)).toBeDefined();
  await fast.cancel();
});

test('close() ends every stream; a later subscription is refused', async () => {
  const { issuer, base } = await serve();
  const one = await subscribe(base);
  const two = await subscribe(base);
  await one.until('ready');
  await two.until('ready');
  await issuer.close();
  expect(await one.next()).toBeUndefined();
  expect(await two.next()).toBeUndefined();
  const late = await fetch(`${base}/revocations`, { headers: { authorization: BASIC } });
  expect(late.status).toBe(503);
});

test('through handle() with a body nobody reads: the stream holds at most maxBufferBytes, then errors', async () => {
  const events: IssuerEvent[] = [];
  const issuer = createIssuer({
    issuer: ISS,
    audience: AUD,
    clients: [{ id: 'api', secret: 'api-secret' }],
    revocationFeed: { clients: ['api'], maxBufferBytes: 8 * 1024 },
    onEvent: (event) => events.push(event),
  });
  issuers.push(issuer);
  const response = await issuer.handle(
    new Request(`${ISS}/revocations`, { headers: { authorization: BASIC } }),
  );
  expect(response.status).toBe(200);
  for (let i = 0; i < 40 && events.length === 0; i++) await issuer.revokeSubject(`user-${i}`);
  expect(events).toEqual([
    { type: 'revocation_feed.subscriber_dropped', clientId: 'api', bufferedBytes: expect.any(Number) },
  ]);
  await expect(response.body!.getReader().read()).rejects.toThrow(/too slow/);
});
