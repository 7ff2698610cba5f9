// RFC 8705 §3: a token carrying `cnf["x5t#S256"]` (§3.1: base64url of the SHA-256 of the DER certificate)
// is accepted only on a request that presented that very certificate, so a stolen token is useless without
// the client's private key, which the TLS handshake proved (CertificateVerify). The binding itself is the
// check: the certificate's chain need not be trusted, which is what lets clients use self-signed ones (§2.2).
import { InvalidTokenError } from '../errors.js';
import type { MaybePromise } from '../pipeline/maybe-promise.js';
import type { RequestContext } from '../types.js';
import { presentedCertificate } from './client-certificate.js';
import type { CompiledMtls } from './options.js';

/**
 * The value of `cnf["x5t#S256"]` as the token has it (not necessarily a string), or undefined when the token
 * is not bound to a certificate. Other `cnf` members are tolerated (RFC 7800 §3.1).
 */
export function boundCertificate(payload: Readonly<Record<string, unknown>>): unknown {
  const cnf = payload.cnf;
  if (cnf === null || typeof cnf !== 'object') return undefined;
  return (cnf as Record<string, unknown>)['x5t#S256'];
}

/** Refuses (throws or rejects) unless the request presented the certificate `x5t` names. */
export function checkCertificateBinding(
  mtls: CompiledMtls | undefined,
  x5t: unknown,
  context: RequestContext,
): MaybePromise<void> {
  // Accepting a certificate-bound token without looking at the certificate would make it a bearer token
  // again: whoever stole it could use it. A resource that does not check certificates refuses it instead.
  if (mtls === undefined) {
    throw new InvalidTokenError(
      'ERR_MTLS_BINDING_UNSUPPORTED',
      'Token is bound to a client certificate, which this resource does not check',
    );
  }
  if (typeof x5t !== 'string') {
    throw new InvalidTokenError('ERR_JWT_CLAIM_INVALID', 'Token confirmation x5t#S256 is not a string', {
      claim: 'cnf',
    });
  }
  const der = presentedCertificate(mtls, context);
  if (der === undefined) {
    throw new InvalidTokenError(
      'ERR_MTLS_CERTIFICATE_MISSING',
      'Token is bound to a client certificate and the request presented none',
    );
  }
  const thumbprint = mtls.thumbprint(der);
  if (thumbprint instanceof Promise) return thumbprint.then((actual) => matches(actual, x5t));
  matches(thumbprint, x5t);
}

// A plain comparison: neither side is secret (the thumbprint is in the token, the certificate is public).
function matches(actual: string, expected: string): void {
  if (actual !== expected) {
    throw new InvalidTokenError(
      'ERR_MTLS_CERTIFICATE_MISMATCH',
      'Token is bound to another client certificate than the one presented',
    );
  }
}
