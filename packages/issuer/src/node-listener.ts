// Serve Web-standard handlers from node:http without a framework: the request becomes a Fetch `Request`
// (body buffered, bounded), the `Response` is written back. Enough for an issuer's few small endpoints. On
// node:https the TLS socket's client certificate goes beside the request (RFC 8705 §3.1 binding), through
// core's reader: read only when the token endpoint binds to it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { nodePeerCertificateReader } from '@jwtguard/core';
import type { HandlerContext } from './types.js';

const MAX_BODY_BYTES = 64 * 1024;

export type NodeListener = (request: IncomingMessage, response: ServerResponse) => void;

/** Resolves once `res` can take more data, or has closed. */
function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Write an event stream as it is produced, reading the next chunk only when the socket has taken the last
 * one, so the producer sees a slow client in its own queue. The client going away cancels the stream.
 */
async function streamBody(body: ReadableStream<Uint8Array>, res: ServerResponse): Promise<void> {
  const reader = body.getReader();
  const cancel = () => void reader.cancel().catch(() => undefined);
  res.on('close', cancel);
  // The producer may error the stream while this loop waits for the socket to drain (a subscriber dropped
  // as too slow): cut the connection then, not when the socket next drains.
  reader.closed.catch(() => res.destroy());
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      if (!res.write(value)) await writable(res);
    }
    res.end();
  } catch {
    // The stream errored (a subscriber dropped as too slow): cut the connection, unsent data included.
    res.destroy();
  } finally {
    res.off('close', cancel);
  }
}

/**
 * @example
 * http.createServer(createNodeListener(issuer.handle)).listen(4000, '127.0.0.1');
 * // mTLS (RFC 8705): ask for client certificates; the binding, not the chain, is what the token relies on.
 * https.createServer({ key, cert, requestCert: true, rejectUnauthorized: false }, createNodeListener(issuer.handle));
 */
export function createNodeListener(
  handle: (request: Request, context?: HandlerContext) => Promise<Response>,
  baseUrl?: string,
): NodeListener {
  return (req, res) => {
    void (async () => {
      try {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of req as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) {
            // Stop reading, answer, then drop the connection: the rest of the body is never buffered.
            res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
            res.end(
              JSON.stringify({ error: 'invalid_request', error_description: 'request body too large' }),
              () => req.destroy(),
            );
            return;
          }
          chunks.push(chunk);
        }
        const headers = new Headers();
        for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
          headers.append(req.rawHeaders[i] as string, req.rawHeaders[i + 1] as string);
        }
        const origin = baseUrl ?? `http://${req.headers.host ?? '127.0.0.1'}`;
        const method = req.method ?? 'GET';
        const body =
          chunks.length > 0 && method !== 'GET' && method !== 'HEAD' ? Buffer.concat(chunks) : undefined;
        const request = new Request(new URL(req.url ?? '/', origin), {
          method,
          headers,
          ...(body ? { body } : {}),
        });
        const clientCertificate = nodePeerCertificateReader(req.socket);
        const response = await handle(request, clientCertificate === undefined ? {} : { clientCertificate });
        const outgoing: Record<string, string> = {};
        response.headers.forEach((value, name) => {
          outgoing[name] = value;
        });
        res.writeHead(response.status, outgoing);
        const type = response.headers.get('content-type') ?? '';
        if (response.body && method !== 'HEAD' && /^text\/event-stream\b/i.test(type)) {
          res.flushHeaders();
          await streamBody(response.body, res);
          return;
        }
        res.end(method === 'HEAD' ? undefined : Buffer.from(await response.arrayBuffer()));
      } catch {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            error: 'server_error',
            error_description: 'the server could not handle the request',
          }),
        );
      }
    })();
  };
}
