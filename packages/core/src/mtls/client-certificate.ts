// Which certificate a request presented (RFC 8705 §3: "the protected resource MUST obtain the client
// certificate used for mutual TLS"). Either the TLS connection's own, handed over by the adapter, or, on a
// request from a proxy named in `mtls.trustedProxy`, the one that proxy forwards in the RFC 9440 `Client-Cert`
// header. Never both: on a connection from the proxy, the TLS certificate (if any) is the proxy's own, and
// from anyone else the header is text the client wrote.
import { headerValues } from '../bearer/header-values.js';
import { InvalidRequestError } from '../errors.js';
import { decodeBase64Url } from '../runtime/crypto-runtime.js';
import type { HeaderInput, RequestContext } from '../types.js';
import type { CompiledMtls } from './options.js';

/** The DER certificate the request presented, or undefined when it presented none. */
export function presentedCertificate(mtls: CompiledMtls, context: RequestContext): Uint8Array | undefined {
  const proxies = mtls.trustedProxies;
  const peer = context.clientAddress;
  if (proxies !== undefined && peer !== undefined && proxies.has(peer)) {
    return forwardedCertificate(context.headers);
  }
  const source = context.clientCertificate;
  const der = typeof source === 'function' ? source() : source;
  return der instanceof Uint8Array && der.byteLength > 0 ? der : undefined;
}

// RFC 9440 §2.2: the field is an RFC 8941 Byte Sequence, `:` standard base64 of the DER `:`. Surrounding
// spaces are what a structured-field parser skips; anything else (two fields, which Node and Fetch join with
// ", ", a list, parameters) does not match.
const BYTE_SEQUENCE = /^[ \t]*:([A-Za-z0-9+/]+={0,2}):[ \t]*$/;

/**
 * The certificate in the trusted proxy's `Client-Cert` header; undefined without the header. A header that
 * is not exactly one byte sequence is refused (400) rather than read as "no certificate": it means the
 * proxy is not doing what this configuration trusts it to do.
 */
export function forwardedCertificate(headers: HeaderInput | undefined): Uint8Array | undefined {
  const values = headerValues(headers ?? {}, 'client-cert');
  if (values.length === 0) return undefined;
  const match = values.length === 1 ? BYTE_SEQUENCE.exec(values[0] as string) : null;
  const der = match === null ? undefined : decodeBase64(match[1] as string);
  if (der === undefined || der.byteLength === 0) {
    throw new InvalidRequestError(
      'ERR_INVALID_REQUEST',
      'The Client-Cert header from the trusted proxy is not one RFC 9440 byte sequence',
    );
  }
  return der;
}

/** Standard base64 (RFC 4648 §4), padded or not, through the seam's strict base64url decoder. */
function decodeBase64(text: string): Uint8Array | undefined {
  const unpadded = text.replace(/=+$/, '');
  // Padding, when present, completes the last group of four exactly.
  if (unpadded.length !== text.length && text.length % 4 !== 0) return undefined;
  return decodeBase64Url(unpadded.replace(/\+/g, '-').replace(/\//g, '_'));
}
