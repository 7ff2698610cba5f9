// Node's own header list where the runtime hands Hono one: @hono/node-server passes the IncomingMessage as
// `c.env.incoming`, whose `rawHeaders` keep a repeated Authorization field apart (Fetch `Headers` join it
// into one value) and are read without building a Headers object (~1 µs a request on node-server).
// Every other runtime (Bun, Deno, Workers, `app.request()`) gets undefined and the adapter reads
// `c.req.raw.headers`.
import type { Context } from 'hono';

export function rawHeadersOf(c: Context): string[] | undefined {
  const env: unknown = c.env;
  if (env === null || typeof env !== 'object') return undefined;
  const incoming = (env as { incoming?: { rawHeaders?: unknown } }).incoming;
  const raw = incoming !== null && typeof incoming === 'object' ? incoming.rawHeaders : undefined;
  return Array.isArray(raw) ? (raw as string[]) : undefined;
}
