// DPoP proofs outside the verifier: an authorization server's token endpoint (RFC 9449 §5) checks the proof
// of a token request with the same rules, replay store and nonces as a resource server, then binds the
// tokens it issues to the proof key's thumbprint.
import { assertKnownOptions } from '../config/option-names.js';
import type { DpopChallenge, DpopOptions, HeaderInput } from '../types.js';
import { normaliseHtu } from './htu.js';
import { DPOP_OPTION_NAMES, compileDpop } from './options.js';
import { checkRequestProof, type AcceptedProof } from './request-proof.js';

export interface DpopProofVerifierOptions extends DpopOptions {
  /** Milliseconds since the epoch (default Date.now). */
  clock?: () => number;
}

export interface DpopProofRequest {
  method: string;
  /** The absolute URL the request was made to (query and fragment are ignored). */
  url: string;
  headers: HeaderInput;
  /** At a resource: the access token sent with the proof (checked against `ath`). */
  accessToken?: string;
  /** At a resource, or for a refresh bound to a key: the thumbprint the proof key must have. */
  boundTo?: string;
}

export interface DpopProofVerifier {
  /** What a `DPoP` challenge names (`algs`). */
  readonly challenge: DpopChallenge;
  /**
   * Resolves the proof key's thumbprint (and, with nonces on, the nonce to send back in `DPoP-Nonce`), or
   * rejects with InvalidDpopProofError, UseDpopNonceError, or UnavailableError when the replay store is down.
   */
  verify(request: DpopProofRequest): Promise<AcceptedProof>;
  /** The nonce to hand out now, when nonces are on. */
  nonce(): Promise<string> | undefined;
}

// Everything `dpop` takes, and the clock.
const OPTION_NAMES: readonly string[] = [...DPOP_OPTION_NAMES, 'clock'];

/**
 * @example
 * const proofs = createDpopProofVerifier({ nonce: { secret: process.env.DPOP_NONCE_SECRET! } });
 * const { jkt } = await proofs.verify({ method: 'POST', url: 'https://auth.example.com/token', headers });
 */
export function createDpopProofVerifier(options: DpopProofVerifierOptions = {}): DpopProofVerifier {
  assertKnownOptions('createDpopProofVerifier()', options, OPTION_NAMES);
  const { clock = Date.now, ...dpopOptions } = options;
  const dpop = compileDpop(dpopOptions, clock) as NonNullable<ReturnType<typeof compileDpop>>;
  return {
    challenge: dpop.challenge,
    async verify(request) {
      return checkRequestProof(dpop, {
        method: request.method,
        htu: normaliseHtu(request.url),
        headers: request.headers,
        accessToken: request.accessToken,
        boundTo: request.boundTo,
      });
    },
    nonce: () => dpop.nonce?.current(),
  };
}
