// What a Node-style request (IncomingMessage: Express's `req`, Koa's `ctx.req`) tells the guard, read the
// same way for every Node adapter. Typed by shape, so core does not depend on node:http.
import type { HeaderInput } from '../types.js';
import { nodePeerCertificateReader } from '../mtls/peer-certificate.js';
import type { GuardRequest } from './guard.js';

export interface NodeStyleRequest {
  method?: string;
  /** Node keeps only the first Authorization header in `headers`; `rawHeaders` shows a repeated one. */
  rawHeaders?: readonly string[];
  headers?: { host?: string | string[] } & Readonly<Record<string, string | readonly string[] | undefined>>;
  /** A `TLSSocket` has `encrypted: true` and `getPeerCertificate`; every socket has `remoteAddress`. */
  socket?: object | null;
}

/**
 * The GuardRequest of a Node-style request. `url` is the framework's path and query as the app was asked
 * (Express `req.originalUrl`, Koa `ctx.originalUrl`); `source` is what `getToken` receives.
 */
export function nodeGuardRequest<Source>(
  request: NodeStyleRequest,
  url: string | undefined,
  source: Source,
): GuardRequest<Source> {
  return {
    method: request.method ?? 'GET',
    url,
    headers: (request.rawHeaders ?? request.headers ?? {}) as HeaderInput,
    clientAddress: (request.socket as { remoteAddress?: string } | null | undefined)?.remoteAddress,
    origin: nodeRequestOrigin(request),
    // RFC 8705 §3: a reader of the TLS client certificate (one per connection), called only for a bound token.
    clientCertificate: nodePeerCertificateReader(request.socket),
    source,
  };
}

/**
 * The scheme and host the request was made to, for a DPoP proof's `htu`: from the connection (TLS or not)
 * and the Host header only, never from `X-Forwarded-*`, which any client can send. Behind a proxy,
 * configure `dpop.publicUrl` instead.
 */
export function nodeRequestOrigin(request: NodeStyleRequest | undefined): string | undefined {
  const host = request?.headers?.host;
  if (typeof host !== 'string' || host === '') return undefined;
  const encrypted = (request?.socket as { encrypted?: unknown } | null | undefined)?.encrypted === true;
  return `${encrypted ? 'https' : 'http'}://${host}`;
}
