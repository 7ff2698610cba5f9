// createNodeListener over a real node:http server on 127.0.0.1: the Fetch Request it builds (URL origin,
// method, headers, body), the body bound, HEAD, and a handler that throws.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIssuer, createNodeListener } from '@jwtguard/issuer';

const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

async function serve(handle: (request: Request) => Promise<Response>, baseUrl?: string): Promise<number> {
  const server = createServer(createNodeListener(handle, baseUrl));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** What the handler saw, echoed back as JSON. */
const echo = async (request: Request) =>
  Response.json(
    {
      url: request.url,
      method: request.method,
      body: await request.text(),
      accept: request.headers.get('accept'),
    },
    { headers: { 'x-seen': 'yes' } },
  );

function send(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string | string[]>; body?: Buffer },
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        agent: false, // a fresh connection each time: the 413 case closes its socket
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers ?? {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

test('the request URL takes its origin from Host; method, headers and body pass through', async () => {
  const port = await serve(echo);
  const response = await send(port, {
    method: 'POST',
    path: '/token?x=1',
    headers: { host: 'auth.example.test:8443', accept: ['a/b', 'c/d'] },
    body: Buffer.from('grant_type=x'),
  });
  expect(response.status).toBe(200);
  expect(response.headers['x-seen']).toBe('yes');
  expect(JSON.parse(response.body)).toEqual({
    url: 'http://auth.example.test:8443/token?x=1',
    method: 'POST',
    body: 'grant_type=x',
    accept: 'a/b, c/d',
  });
});

test('baseUrl fixes the origin instead of trusting Host', async () => {
  const port = await serve(echo, 'https://auth.example.com');
  const response = await send(port, { path: '/jwks.json', headers: { host: 'evil.example' } });
  expect(JSON.parse(response.body)).toMatchObject({ url: 'https://auth.example.com/jwks.json' });
});

test('a body over 64 KiB is refused with 413 before the handler runs', async () => {
  let calls = 0;
  const port = await serve(async (request) => {
    calls++;
    return echo(request);
  });
  const response = await send(port, {
    method: 'POST',
    path: '/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: Buffer.alloc(70 * 1024, 0x61),
  });
  expect(response.status).toBe(413);
  expect(response.headers.connection).toBe('close');
  expect(JSON.parse(response.body)).toMatchObject({ error: 'invalid_request' });
  expect(calls).toBe(0);
  expect((await send(port, { method: 'POST', body: Buffer.alloc(60 * 1024, 0x61) })).status).toBe(200);
});

test('HEAD gets the headers without a body; a throwing handler is a 500 server_error', async () => {
  const issuer = createIssuer({ issuer: 'http://127.0.0.1', audience: 'https://api.example.test' });
  const port = await serve(issuer.handle);
  const head = await send(port, { method: 'HEAD', path: '/jwks.json' });
  expect(head.status).toBe(200);
  expect(head.headers['cache-control']).toBe('public, max-age=600');
  expect(head.body).toBe('');

  const broken = await serve(async () => {
    throw new Error('secret internals');
  });
  const response = await send(broken, {});
  expect(response.status).toBe(500);
  expect(JSON.parse(response.body)).toEqual({
    error: 'server_error',
    error_description: 'the server could not handle the request',
  });
});
