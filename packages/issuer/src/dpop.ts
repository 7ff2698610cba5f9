// DPoP at the token endpoint (RFC 9449 §5). Proofs are checked by core's createDpopProofVerifier, with the
// rules, replay store and nonces a resource server uses, against `htm` POST and the token endpoint URL as
// discovery advertises it: the URL the client was told to use, not one rebuilt from the request's Host. Core's
// refusals become an authorization server's OAuth errors: 400 invalid_dpop_proof (§5), 400 use_dpop_nonce
// with `DPoP-Nonce` (§8), and 503 when the replay store cannot answer, since a proof whose freshness is
// unknown must not buy a token.
import {
  ConfigurationError,
  createDpopProofVerifier,
  isJwtGuardError,
  UnavailableError,
  UseDpopNonceError,
  type DpopProofVerifier,
  type DpopProofVerifierOptions,
} from '@jwtguard/core';
import { OAuthError } from './oauth-error.js';
import type { IssuerDpopOptions } from './types.js';

/** A compact JWS has no comma: a DPoP header holding one is several proofs (Fetch joins repeated fields). */
const SEPARATOR = ',';

/** An RFC 7638 SHA-256 thumbprint: 32 bytes as unpadded base64url. */
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

export interface TokenEndpointDpop {
  /** The accepted proof algorithms (`dpop_signing_alg_values_supported`). */
  readonly algorithms: readonly string[];
  /**
   * The proof key's thumbprint and the next nonce; undefined for a request without a `DPoP` header (it gets
   * Bearer tokens). Refusals are OAuthErrors.
   */
  check(request: Request): Promise<{ jkt: string; nonce?: string } | undefined>;
}

export function isThumbprint(value: unknown): value is string {
  return typeof value === 'string' && THUMBPRINT.test(value);
}

/** The `dpop` option as core's proof verifier; undefined when DPoP is off. Names are checked beforehand. */
export function compileIssuerDpop(
  option: boolean | IssuerDpopOptions | undefined,
  clock: () => number,
  tokenEndpoint: string,
): TokenEndpointDpop | undefined {
  if (option === undefined || option === false) return undefined;
  if (option !== true && (typeof option !== 'object' || option === null || Array.isArray(option))) {
    throw new ConfigurationError('dpop must be true or { algorithms?, proofMaxAge?, nonce?, replayStore? }');
  }
  const options: IssuerDpopOptions = option === true ? {} : option;
  const verifierOptions: DpopProofVerifierOptions = { clock };
  if (options.algorithms !== undefined) verifierOptions.algorithms = options.algorithms;
  if (options.proofMaxAge !== undefined) verifierOptions.proofMaxAge = options.proofMaxAge;
  if (options.nonce !== undefined) verifierOptions.nonce = options.nonce;
  if (options.replayStore !== undefined) verifierOptions.replayStore = options.replayStore;
  const verifier = createDpopProofVerifier(verifierOptions);
  return {
    algorithms: verifier.challenge.algorithms,
    async check(request) {
      const value = request.headers.get('dpop');
      if (value === null) return undefined;
      return verify(verifier, tokenEndpoint, value.split(SEPARATOR));
    },
  };
}

async function verify(
  verifier: DpopProofVerifier,
  tokenEndpoint: string,
  proofs: string[],
): Promise<{ jkt: string; nonce?: string }> {
  try {
    // §4.3 check 1 (one proof) is core's: it sees each proof of a repeated header as its own value.
    return await verifier.verify({ method: 'POST', url: tokenEndpoint, headers: { dpop: proofs } });
  } catch (error) {
    throw asOAuthError(error);
  }
}

function asOAuthError(error: unknown): unknown {
  if (error instanceof UseDpopNonceError) {
    return new OAuthError(
      'use_dpop_nonce',
      'the authorization server requires a DPoP nonce: retry with the one in DPoP-Nonce',
      { headers: { 'DPoP-Nonce': error.nonce } },
    );
  }
  if (error instanceof UnavailableError) {
    return new OAuthError('temporarily_unavailable', 'DPoP replay protection is unavailable; try again', {
      headers: { 'Retry-After': String(error.retryAfter) },
    });
  }
  if (isJwtGuardError(error) && error.error === 'invalid_dpop_proof') {
    return new OAuthError('invalid_dpop_proof', error.description);
  }
  return error;
}
