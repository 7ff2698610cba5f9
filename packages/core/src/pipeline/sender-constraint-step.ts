// Step 5b: sender-constrained tokens. A token bound to a key (`cnf.jkt`, RFC 9449 §6) is accepted only with
// a proof made by that key for this very request; a bound token presented as a plain Bearer token is a
// downgrade and is refused whether or not this verifier has DPoP on (RFC 9449 §7.2), since accepting it
// would make a stolen bound token as good as a bearer one.
import { headerValues } from '../bearer/header-values.js';
import type { CompiledDpop } from '../dpop/options.js';
import { checkProof, type CheckedProof } from '../dpop/proof.js';
import { requestHtu } from '../dpop/htu.js';
import {
  InvalidDpopProofError,
  InvalidRequestError,
  InvalidTokenError,
  UnavailableError,
  UseDpopNonceError,
} from '../errors.js';
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
  // §4.3 check 1: exactly one proof.
  const proofs = headerValues(context.headers ?? {}, 'dpop');
  if (proofs.length === 0) throw new InvalidDpopProofError('ERR_DPOP_PROOF_MISSING', 'DPoP proof is missing');
  if (proofs.length > 1) {
    throw new InvalidDpopProofError('ERR_DPOP_PROOF_MULTIPLE', 'Request must carry exactly one DPoP proof');
  }
  const htu = requestHtu(context.origin, context.url, dpop.publicUrl);
  if (htu === undefined) throw new InvalidDpopProofError('ERR_DPOP_PROOF_HTU', 'Request URI is unknown');
  const checked = checkProof(
    proofs[0] as string,
    { method: context.method ?? '', htu, accessToken: result.token },
    dpop.policy,
  );
  const bind = (proof: CheckedProof): MaybePromise<void> => {
    // RFC 9449 §7.1: the proof must be made with the key the token is bound to.
    if (proof.jkt !== jkt) {
      throw new InvalidDpopProofError(
        'ERR_DPOP_KEY_MISMATCH',
        'DPoP proof key does not match the token binding',
      );
    }
    return dpop.nonce === undefined
      ? markUsed(dpop, result, proof, undefined)
      : withNonce(dpop, result, proof);
  };
  return checked instanceof Promise ? checked.then(bind) : bind(checked);
}

async function withNonce(dpop: CompiledDpop, result: AuthResult, proof: CheckedProof): Promise<void> {
  const nonces = dpop.nonce as NonNullable<CompiledDpop['nonce']>;
  // RFC 9449 §8: a missing or stale nonce gets a fresh one to retry with, not a bare refusal.
  if (!(await nonces.accepts(proof.nonce))) throw new UseDpopNonceError(await nonces.current());
  return markUsed(dpop, result, proof, await nonces.current());
}

/**
 * §11.1: the proof's id is used once. Last, so a proof refused for another reason does not use it up; keyed
 * by the key's thumbprint too, so one client cannot block another's ids.
 */
function markUsed(
  dpop: CompiledDpop,
  result: AuthResult,
  proof: CheckedProof,
  nonce: string | undefined,
): MaybePromise<void> {
  const done = (fresh: boolean): void => {
    if (!fresh) throw new InvalidDpopProofError('ERR_DPOP_PROOF_REPLAYED', 'DPoP proof has been used before');
    result.dpop = nonce === undefined ? { jkt: proof.jkt } : { jkt: proof.jkt, nonce };
  };
  const expiresAt = Math.ceil(proof.iat + dpop.policy.maxAgeSeconds);
  let answer: boolean | Promise<boolean>;
  try {
    answer = dpop.replayStore.markUsed(`${proof.jkt}:${proof.jti}`, expiresAt);
  } catch (error) {
    throw unavailable(error);
  }
  if (typeof answer === 'boolean') return done(answer);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('replay store did not answer in time')), dpop.replayTimeoutMs);
  });
  return Promise.race([answer, timeout]).then(
    (fresh) => {
      clearTimeout(timer);
      done(fresh === true);
    },
    (error: unknown) => {
      clearTimeout(timer);
      throw unavailable(error);
    },
  );
}

function unavailable(error: unknown): UnavailableError {
  // A proof whose freshness cannot be established is not accepted: the store being down must not open a
  // window for replays.
  return new UnavailableError(
    'ERR_DPOP_REPLAY_STORE_UNAVAILABLE',
    'DPoP replay protection is unavailable',
    5,
    {
      cause: error,
    },
  );
}
