// The client certificate of a Node TLS connection, for adapters on Node (Express's `req.socket`, Koa's
// `ctx.req.socket`, @hono/node-server's `c.env.incoming.socket`). Typed by shape, so core imports nothing
// from node:tls and still runs on every runtime; anything that is not a TLS socket has no certificate.

/** Structural stand-in for Node's `TLSSocket`. */
interface PeerCertificateSocket {
  getPeerCertificate?: (detailed: boolean) => { raw?: unknown } | null | undefined;
}

type CertificateReader = () => Uint8Array | undefined;

// One reader per connection, made on its first request: keep-alive requests reuse it. A closure made per
// request instead cost about 0.45 µs on the guard's fast path (a request of ~0.8 µs with a cached token),
// against ~0.05 µs for this lookup; the certificate itself is still read only when a bound token asks.
const readers = new WeakMap<object, CertificateReader>();

/**
 * A function answering the DER bytes of the certificate the peer presented in the TLS handshake
 * (`getPeerCertificate(false).raw`; undefined when it sent none or the socket is gone), for
 * `GuardRequest.clientCertificate`. Undefined for anything that is not a TLS socket. The reader reads at
 * call time (a renegotiated connection answers its current certificate), and only a certificate-bound token
 * calls it: copying the certificate out of OpenSSL is work other requests need not do.
 */
export function nodePeerCertificateReader(socket: unknown): CertificateReader | undefined {
  if (socket === null || typeof socket !== 'object') return undefined;
  let reader = readers.get(socket);
  if (reader !== undefined) return reader;
  if (typeof (socket as PeerCertificateSocket).getPeerCertificate !== 'function') return undefined;
  reader = () => readPeerCertificate(socket as PeerCertificateSocket);
  readers.set(socket, reader);
  return reader;
}

function readPeerCertificate(socket: PeerCertificateSocket): Uint8Array | undefined {
  try {
    const raw = socket.getPeerCertificate?.(false)?.raw;
    return raw instanceof Uint8Array && raw.byteLength > 0 ? raw : undefined;
  } catch {
    // A socket that is not what it looks like reads as "no certificate", which refuses a bound token.
    return undefined;
  }
}
