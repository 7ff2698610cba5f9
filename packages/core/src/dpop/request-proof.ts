// The DPoP proof of one request, end to end: exactly one `DPoP` header (RFC 9449 §4.3 check 1), the proof's
// own checks (proof.ts), the key the token is bound to (§7.1, at a resource server), the server nonce (§8)
// and, last, the replay store (§11.1), so a proof refused for another reason does not use up its id. Shared
// by the resource server (pipeline/sender-constraint-step.ts) and the issuer's token endpoint.
import { headerValues } from '../bearer/header-values.js';
import { InvalidDpopProofError, UnavailableError, UseDpopNonceError } from '../errors.js';
import type { MaybePromise } from '../pipeline/maybe-promise.js';
import type { HeaderInput } from '../types.js';
import type { CompiledDpop } from './options.js';
import { checkProof, type CheckedProof } from './proof.js';

export interface ProofRequest {
  method: string;
  /** The normalised request URI (htu.ts), or undefined when it cannot be known. */
  htu: string | undefined;
  headers: HeaderInput;
  /** The access token sent with the proof (its hash must be `ath`); absent at a token endpoint. */
  accessToken: string | undefined;
  /** The thumbprint the token is bound to (`cnf.jkt`); absent at a token endpoint. */
  boundTo: string | undefined;
}

/** The proof key's thumbprint, and the nonce to hand back when nonces are on. */
export interface AcceptedProof {
  jkt: string;
  nonce?: string;
}

export function checkRequestProof(dpop: CompiledDpop, request: ProofRequest): MaybePromise<AcceptedProof> {
  const proofs = headerValues(request.headers, 'dpop');
  if (proofs.length === 0) throw new InvalidDpopProofError('ERR_DPOP_PROOF_MISSING', 'DPoP proof is missing');
  // A compact JWS has no comma: one in the value is two fields folded into one (Fetch `Headers` join them).
  if (proofs.length > 1 || (proofs[0] as string).includes(',')) {
    throw new InvalidDpopProofError('ERR_DPOP_PROOF_MULTIPLE', 'Request must carry exactly one DPoP proof');
  }
  if (request.htu === undefined)
    throw new InvalidDpopProofError('ERR_DPOP_PROOF_HTU', 'Request URI is unknown');
  const checked = checkProof(
    proofs[0] as string,
    { method: request.method, htu: request.htu, accessToken: request.accessToken },
    dpop.policy,
  );
  const next = (proof: CheckedProof): MaybePromise<AcceptedProof> => {
    // RFC 9449 §7.1: the proof must be made with the key the token is bound to.
    if (request.boundTo !== undefined && proof.jkt !== request.boundTo) {
      throw new InvalidDpopProofError(
        'ERR_DPOP_KEY_MISMATCH',
        'DPoP proof key does not match the token binding',
      );
    }
    return dpop.nonce === undefined ? markUsed(dpop, proof, undefined) : withNonce(dpop, proof);
  };
  return checked instanceof Promise ? checked.then(next) : next(checked);
}

async function withNonce(dpop: CompiledDpop, proof: CheckedProof): Promise<AcceptedProof> {
  const nonces = dpop.nonce as NonNullable<CompiledDpop['nonce']>;
  // RFC 9449 §8: a missing or stale nonce gets a fresh one to retry with, not a bare refusal.
  if (!(await nonces.accepts(proof.nonce))) throw new UseDpopNonceError(await nonces.current());
  return markUsed(dpop, proof, await nonces.current());
}

/** §11.1: the proof's id is used once; keyed by the key's thumbprint too, so one client cannot block another's ids. */
function markUsed(
  dpop: CompiledDpop,
  proof: CheckedProof,
  nonce: string | undefined,
): MaybePromise<AcceptedProof> {
  const accepted = (fresh: boolean): AcceptedProof => {
    if (!fresh) throw new InvalidDpopProofError('ERR_DPOP_PROOF_REPLAYED', 'DPoP proof has been used before');
    return nonce === undefined ? { jkt: proof.jkt } : { jkt: proof.jkt, nonce };
  };
  const expiresAt = Math.ceil(proof.iat + dpop.policy.maxAgeSeconds);
  let answer: boolean | Promise<boolean>;
  try {
    answer = dpop.replayStore.markUsed(`${proof.jkt}:${proof.jti}`, expiresAt);
  } catch (error) {
    throw unavailable(error);
  }
  if (typeof answer === 'boolean') return accepted(answer);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('replay store did not answer in time')), dpop.replayTimeoutMs);
  });
  return Promise.race([answer, timeout]).then(
    (fresh) => {
      clearTimeout(timer);
      return accepted(fresh === true);
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
