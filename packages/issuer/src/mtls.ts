// Certificate-bound access tokens at the token endpoint (RFC 8705 §3.1). The certificate comes from the TLS
// connection the token request arrived on, handed over beside the Web-standard `Request` (which carries no
// TLS information), never from a header: a header is text any client can write. Whether the chain is trusted
// is the TLS server's business; the binding holds whatever it is, because the handshake proved the client
// holds the certificate's private key (RFC 8705 §2.2 allows self-signed client certificates).
import { createHash } from 'node:crypto';
import { ConfigurationError } from '@jwtguard/core';
import type { ClientCertificateSource } from './types.js';

/** An RFC 8705 §3.1 `x5t#S256`: a SHA-256 digest (32 bytes) as unpadded base64url. */
const X5T_S256 = /^[A-Za-z0-9_-]{43}$/;

export function isCertificateThumbprint(value: unknown): value is string {
  return typeof value === 'string' && X5T_S256.test(value);
}

/**
 * RFC 8705 §3.1: the `x5t#S256` of a certificate, base64url(SHA-256(DER)). What a certificate-bound token's
 * `cnf` carries; pass it to `issueTokens({ certificateThumbprint })` or `refresh(token, { certificateThumbprint })`.
 */
export function certificateThumbprint(der: Uint8Array): string {
  if (!(der instanceof Uint8Array) || der.byteLength === 0) {
    throw new ConfigurationError('certificateThumbprint needs the DER bytes of a certificate');
  }
  return createHash('sha256').update(der).digest('base64url');
}

/** The thumbprint of the certificate a request presented, or undefined when it presented none. */
export function presentedThumbprint(source: ClientCertificateSource | undefined): string | undefined {
  const der = typeof source === 'function' ? source() : source;
  return der instanceof Uint8Array && der.byteLength > 0 ? certificateThumbprint(der) : undefined;
}

/** The `certificateThumbprint` of an input, refused when it is not one (it would bind tokens to nothing). */
export function checkedCertificateThumbprint(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (!isCertificateThumbprint(value)) {
    throw new ConfigurationError(
      `${where}: certificateThumbprint must be an RFC 8705 x5t#S256 (base64url SHA-256 of the certificate's DER, 43 characters)`,
    );
  }
  return value;
}
