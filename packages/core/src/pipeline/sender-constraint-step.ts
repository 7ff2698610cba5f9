// Step 5b: sender-constrained tokens. A token bound to a key (`cnf.jkt`, RFC 9449 §6) is accepted only with
// a proof made by that key for this very request; a bound token presented as a plain Bearer token is a
// downgrade and is refused whether or not this verifier has DPoP on (RFC 9449 §7.2), since accepting it
// would make a stolen bound token as good as a bearer one.
import { headerValues } from '../bearer/header-values.js';
import type { CompiledDpop } from '../dpop/options.js';
import { requestHtu } from '../dpop/htu.js';
import { checkRequestProof } from '../dpop/request-proof.js';
import { InvalidRequestError, InvalidTokenError } from '../errors.js';
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

/** Refuses (throws or rejects) unless the token may be used as presented; sets `result.dpop` for DPoP. */
export function checkSenderConstraint(
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
