// RFC 8935 push from the issuer (revocation-push.ts) over real HTTP on 127.0.0.1: the request a receiver
// gets (§2), delivery on 202, a 400 refusal not retried (§2.3), retries with backoff on 503 / network errors
// only while the entry is retained, the bounded queue, close() stopping the loops, and the option checks.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIssuer, type Issuer, type IssuerEvent, type IssuerOptions } from '@jwtguard/issuer';
import { createRevocationPush, type RevocationPush } from '../src/revocation-push.js';

interface Received {
  method: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

const servers: Server[] = [];
const pushes: RevocationPush[] = [];
const issuers: Issuer[] = [];
afterEach(async () => {
  await Promise.all(pushes.splice(0).map((push) => push.close()));
  await Promise.all(issuers.splice(0).map((issuer) => issuer.close()));
  await Promise.all(
    servers.splice(0).map((server) => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    }),
  );
});

/** A receiver on 127.0.0.1 answering each POST with `answer(n)` (n from 1); answers its URL and what it got. */
async function receiver(answer: (n: number, response: ServerResponse) => void) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      received.push({ method: request.method, headers: request.headers, body });
      answer(received.length, response);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events?k=secret`, received };
}

const accepted = (_n: number, response: ServerResponse) => response.writeHead(202).end();

function push(url: string, clock: () => number = Date.now, extra: { maxQueue?: number } = {}) {
  const events: IssuerEvent[] = [];
  const instance = createRevocationPush({
    receivers: [{ url, authorization: 'Bearer push-secret' }],
    clock,
    emit: (event) => events.push(event),
    initialDelay: 20,
    maxDelay: 40,
    ...extra,
  });
  pushes.push(instance);
  return { instance, events };
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const entry = (id: string, expiresAt = Date.now() + 60_000) => ({ id, set: `set-${id}`, expiresAt });
const noSecrets = (events: IssuerEvent[]) => {
  const text = JSON.stringify(events);
  expect(text).not.toContain('push-secret');
  expect(text).not.toContain('k=secret');
  expect(text).not.toContain('set-');
};

test('POSTs each SET as application/secevent+jwt with Accept and Authorization, in order (RFC 8935 §2)', async () => {
  const { url, received } = await receiver(accepted);
  const { instance, events } = push(url);
  instance.enqueue(entry('a'));
  instance.enqueue(entry('b'));
  await until(() => events.length === 2);
  expect(received.map((r) => r.body)).toEqual(['set-a', 'set-b']);
  expect(received[0]).toMatchObject({
    method: 'POST',
    headers: {
      'content-type': 'application/secevent+jwt',
      accept: 'application/json',
      authorization: 'Bearer push-secret',
    },
  });
  expect(events).toEqual([
    { type: 'revocation_push.delivered', receiver: url.split('?')[0], id: 'a', status: 202, attempts: 1 },
    { type: 'revocation_push.delivered', receiver: url.split('?')[0], id: 'b', status: 202, attempts: 1 },
  ]);
  noSecrets(events);
});

test('503 twice, then 202: delivered on the third attempt, after two retry events', async () => {
  const { url, received } = await receiver((n, response) => response.writeHead(n <= 2 ? 503 : 202).end());
  const { instance, events } = push(url);
  instance.enqueue(entry('a'));
  await until(() => events.some((e) => e.type === 'revocation_push.delivered'));
  expect(received).toHaveLength(3);
  expect(events.map((e) => e.type)).toEqual([
    'revocation_push.retry',
    'revocation_push.retry',
    'revocation_push.delivered',
  ]);
  expect(events[0]).toMatchObject({ attempt: 1, reason: 'HTTP 503' });
  expect(events[2]).toMatchObject({ attempts: 3 });
});

test('a 400 with an RFC 8935 §2.3 error body is a refusal: reported, not retried, the next SET goes', async () => {
  const { url, received } = await receiver((n, response) => {
    if (n === 1) {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ err: 'invalid_audience', description: 'not for this audience' }));
    } else response.writeHead(202).end();
  });
  const { instance, events } = push(url);
  instance.enqueue(entry('a'));
  instance.enqueue(entry('b'));
  await until(() => events.length === 2);
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(received.map((r) => r.body)).toEqual(['set-a', 'set-b']);
  expect(events[0]).toEqual({
    type: 'revocation_push.refused',
    receiver: url.split('?')[0],
    id: 'a',
    status: 400,
    err: 'invalid_audience',
    description: 'not for this audience',
  });
  expect(events[1]).toMatchObject({ type: 'revocation_push.delivered', id: 'b' });
});

test('network errors are retried; an entry past retention is dropped, not retried', async () => {
  // Nothing listens on this port once the server is closed.
  const { url } = await receiver(accepted);
  const closed = servers.pop()!;
  await new Promise((resolve) => closed.close(resolve));
  let now = Date.now();
  const { instance, events } = push(url, () => now);
  instance.enqueue(entry('a', now + 1000));
  await until(() => events.filter((e) => e.type === 'revocation_push.retry').length >= 2);
  expect(events[0]).toMatchObject({ type: 'revocation_push.retry', id: 'a' });
  now += 1000; // the entry's retention ends
  await until(() => events.some((e) => e.type === 'revocation_push.dropped'));
  const retries = events.filter((e) => e.type === 'revocation_push.retry').length;
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(events.filter((e) => e.type === 'revocation_push.retry')).toHaveLength(retries);
  expect(events.at(-1)).toEqual({
    type: 'revocation_push.dropped',
    receiver: url.split('?')[0],
    reason: 'expired',
    ids: ['a'],
  });
  noSecrets(events);
});

test('an entry already past retention is never sent', async () => {
  const { url, received } = await receiver(accepted);
  const { instance, events } = push(url);
  instance.enqueue(entry('old', Date.now() - 1));
  instance.enqueue(entry('live'));
  await until(() => events.length === 2);
  expect(received.map((r) => r.body)).toEqual(['set-live']);
  expect(events[0]).toMatchObject({ type: 'revocation_push.dropped', reason: 'expired', ids: ['old'] });
});

test('the queue is bounded: expired entries go first, then a live entry is refused with an event', async () => {
  const { url } = await receiver((_n, response) => response.writeHead(503).end());
  let now = Date.now();
  const { instance, events } = push(url, () => now, { maxQueue: 2 });
  instance.enqueue(entry('in-flight', now + 60_000));
  instance.enqueue(entry('short', now + 10));
  instance.enqueue(entry('long', now + 60_000));
  now += 10; // 'short' is no longer retained
  instance.enqueue(entry('next', now + 60_000)); // room made by dropping 'short'
  instance.enqueue(entry('overflow', now + 60_000)); // only live entries wait: refused
  const dropped = events.filter((e) => e.type === 'revocation_push.dropped');
  expect(dropped).toEqual([
    { type: 'revocation_push.dropped', receiver: url.split('?')[0], reason: 'expired', ids: ['short'] },
    { type: 'revocation_push.dropped', receiver: url.split('?')[0], reason: 'queue_full', ids: ['overflow'] },
  ]);
});

test('close() stops retrying and resolves once the loop has stopped', async () => {
  const { url, received } = await receiver((_n, response) => response.writeHead(503).end());
  const { instance, events } = push(url);
  instance.enqueue(entry('a'));
  await until(() => received.length >= 2);
  await instance.close();
  const sent = received.length;
  const reported = events.length;
  await new Promise((resolve) => setTimeout(resolve, 150));
  expect(received).toHaveLength(sent);
  expect(events).toHaveLength(reported);
  instance.enqueue(entry('b')); // ignored after close
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(received).toHaveLength(sent);
});

describe('createIssuer revocationFeed.push', () => {
  const base = (push: unknown): IssuerOptions =>
    ({
      issuer: 'https://auth.example.test',
      audience: 'https://api.example.test',
      clients: [{ id: 'api', secret: 'api-secret' }],
      revocationFeed: { clients: ['api'], push },
    }) as IssuerOptions;

  test('a misspelt name in a receiver is refused', () => {
    expect(() =>
      createIssuer(base([{ url: 'https://api.example.test/events', authorisation: 'x' }])),
    ).toThrow(/revocationFeed\.push\[0\].*authorisation/s);
    expect(() =>
      createIssuer({ ...base(undefined), revocationFeed: { clients: ['api'], pushes: [] } as never }),
    ).toThrow(/pushes/);
  });

  test.each([
    ['http://api.example.test/events', /https/],
    ['http://10.0.0.5/events', /https/],
    ['ftp://127.0.0.1/events', /https/],
    ['not a url', /absolute URL/],
    ['https://user:pass@api.example.test/events', /credentials/],
    ['https://api.example.test/events#x', /fragment/],
  ])('url %s is refused', (url, message) => {
    expect(() => createIssuer(base([{ url }]))).toThrow(message);
  });

  test('https anywhere and http on loopback are accepted; push must be an array', async () => {
    for (const url of [
      'https://api.example.test/events',
      'http://127.0.0.1:8080/events',
      'http://[::1]:8080/events',
      'http://localhost:8080/events',
    ]) {
      issuers.push(createIssuer(base([{ url, authorization: 'Bearer t' }])));
    }
    expect(() => createIssuer(base({ url: 'https://api.example.test/events' }))).toThrow(/array/);
    expect(() => createIssuer(base([{ url: 'https://a.example.test/', authorization: '' }]))).toThrow(
      /authorization/,
    );
  });
});
