// The scheme and host a Node-style request (IncomingMessage: Express's `req`, Koa's `ctx.req`) was made to,
// for a DPoP proof's `htu`. Read from the connection (TLS or not) and the Host header only, never from
// `X-Forwarded-*`, which any client can send: behind a proxy, configure `dpop.publicUrl` instead. Typed by
// shape, so core does not depend on node:http.
export interface NodeStyleRequest {
  /** A `TLSSocket` has `encrypted: true`; a plain `Socket` has no such member. */
  socket?: object | null;
  headers?: { host?: string | string[] } | null;
}

export function nodeRequestOrigin(request: NodeStyleRequest | undefined): string | undefined {
  const host = request?.headers?.host;
  if (typeof host !== 'string' || host === '') return undefined;
  const encrypted = (request?.socket as { encrypted?: unknown } | null | undefined)?.encrypted === true;
  return `${encrypted ? 'https' : 'http'}://${host}`;
}
