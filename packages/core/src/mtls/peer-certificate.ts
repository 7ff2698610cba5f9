// The client certificate of a Node TLS connection, for adapters on Node (Express's `req.socket`, Koa's
// `ctx.req.socket`, @hono/node-server's `c.env.incoming.socket`). Typed by shape, so core imports nothing
// from node:tls and still runs on every runtime; anything that is not a TLS socket has no certificate.

/** Structural stand-in for Node's `TLSSocket`. */
interface PeerCertificateSocket {
  getPeerCertificate?: (detailed: boolean) => { raw?: unknown } | null | undefined;
}

/**
 * DER bytes of the certificate the peer presented in the TLS handshake (`getPeerCertificate(false).raw`),
 * or undefined: a plain socket, a client that sent none, a socket already gone. Call it lazily (pass
 * `() => nodePeerCertificate(socket)` as `clientCertificate`): reading the certificate copies it out of
 * OpenSSL, which only a certificate-bound token needs.
 */
export function nodePeerCertificate(socket: unknown): Uint8Array | undefined {
  try {
    const read = (socket as PeerCertificateSocket | null | undefined)?.getPeerCertificate;
    if (typeof read !== 'function') return undefined;
    const raw = read.call(socket, false)?.raw;
    return raw instanceof Uint8Array && raw.byteLength > 0 ? raw : undefined;
  } catch {
    // A socket that is not what it looks like reads as "no certificate", which refuses a bound token.
    return undefined;
  }
}
