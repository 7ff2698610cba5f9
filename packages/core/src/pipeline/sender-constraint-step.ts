// Step 5b: sender-constrained tokens. A token bound to a key (`cnf.jkt`, RFC 9449 §6) is accepted only with
// a proof made by that key for this very request; a bound token presented as a plain Bearer token is a
// downgrade and is refused whether or not this verifier has DPoP on (RFC 9449 §7.2), since accepting it
// would make a stolen bound token as good as a bearer one. A token bound to a client certificate
// (`cnf["x5t#S256"]`, RFC 8705 §3) is accepted only on a request that presented that certificate, and
// refused outright when `mtls` is off, for the same reason.
import { headerValues } from '../bearer/header-values.js';
import type { CompiledDpop } from '../dpop/options.js';
import { requestHtu } from '../dpop/htu.js';
import { checkRequestProof } from '../dpop/request-proof.js';
import { InvalidRequestError, InvalidTokenError } from '../errors.js';
import { boundCertificate, checkCertificateBinding } from '../mtls/certificate-binding.js';
import type { CompiledMtls } from '../mtls/options.js';
import type { AuthResult, RequestContext } from '../types.js';
import type { MaybePromise } from './maybe-promise.js';

/** The key a token is bound to by `cnf.jkt`, if any. Extra `cnf` members are tolerated (RFC 7800 §3.1). */
function boundThumbprint(payload: Readonly<Record<string, unknown>>): string | undefined {
  const cnf = payload.cnf;
  if (cnf === null || typeof cnf !== 'object') return undefined;
  const jkt = (cnf as Record<string, unknown>).jkt;
  return typeof jkt === 'string' ? jkt : undefined;
}

/** Whether this token needs the step at all: the cheap test every request pays. */
export function needsSenderCheck(
  dpop: CompiledDpop | undefined,
  payload: Readonly<Record<string, unknown>>,
  context: RequestContext,
): boolean {
  return dpop !== undefined || context.scheme === 'DPoP' || payload.cnf !== undefined;
}

/** The compiled sender-constraint options (CompiledOptions has both). */
export interface SenderPolicy {
  readonly dpop: CompiledDpop | undefined;
  readonly mtls: CompiledMtls | undefined;
}

/** Refuses (throws or rejects) unless the token may be used as presented; sets `result.dpop` for DPoP. */
export function checkSenderConstraint(
  policy: SenderPolicy,
  result: AuthResult,
  context: RequestContext,
): MaybePromise<void> {
  const x5t = boundCertificate(result.payload);
  if (x5t === undefined) return checkDpop(policy.dpop, result, context);
  // A token bound both ways needs both the certificate and the proof: each binding is a separate promise of
  // the issuer, and dropping either would reopen the theft it prevents. The certificate is checked first: it
  // is synchronous on Node, and a request without it must not spend its proof's `jti` in the replay store.
  const bound = checkCertificateBinding(policy.mtls, x5t, context);
  if (bound instanceof Promise) return bound.then(() => checkDpop(policy.dpop, result, context));
  return checkDpop(policy.dpop, result, context);
}

/** RFC 9449 on the resource server: the DPoP half of the step, as it was before certificate binding. */
function checkDpop(
  dpop: CompiledDpop | undefined,
  result: AuthResult,
  context: RequestContext,
): MaybePromise<void> {
  const jkt = boundThumbprint(result.payload);
  if (context.scheme !== 'DPoP') {
    if (jkt !== undefined) {
      throw new InvalidTokenError(
        'ERR_DPOP_BOUND_TOKEN_AS_BEARER',
        'Token is bound to a DPoP key and must be sent with the DPoP scheme and a proof',
      );
    }
    if (dpop === undefined) return;
    if (headerValues(context.headers ?? {}, 'dpop').length > 0) {
      throw new InvalidRequestError('ERR_INVALID_REQUEST', 'A DPoP proof was sent with a Bearer token');
    }
    if (dpop.required)
      throw new InvalidTokenError('ERR_DPOP_REQUIRED', 'This resource accepts DPoP tokens only');
    return;
  }
  if (dpop === undefined || jkt === undefined) {
    throw new InvalidTokenError('ERR_DPOP_TOKEN_NOT_BOUND', 'Token is not bound to a DPoP key');
  }
  const accepted = checkRequestProof(dpop, {
    method: context.method ?? '',
    htu: requestHtu(context.origin, context.url, dpop.publicUrl),
    headers: context.headers ?? {},
    accessToken: result.token,
    boundTo: jkt,
  });
  if (accepted instanceof Promise) {
    return accepted.then((proof) => {
      result.dpop = proof;
    });
  }
  result.dpop = accepted;
}
