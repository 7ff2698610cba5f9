// Verifying a Security Event Token with core's verifier, so a SET is held to exactly the JWS policy an access
// token is (RFC 8725: canonical base64url, no duplicate members, alg bound to the key, never `none`), plus the
// SET's own rules: `typ` secevent+jwt (RFC 8417 §2.3, so an access or ID token is never taken for a SET), no
// `exp` required (RFC 8417 §2.2 leaves it out), `iat` and `jti` required (§2.2). A refusal is classified so
// the feed can report it and the push receiver can answer the RFC 8935 §2.4 error code.
import {
  createVerifier,
  InvalidTokenError,
  isJwtGuardError,
  type IssuerConfig,
  type KeyInput,
} from '@jwtguard/core';
import { readRevocation, SetRejection, type Revocation } from './set-events.js';

/** Whose SETs are accepted, and how they are checked: shared by the feed denylist and the push receiver. */
export interface SetVerifierOptions {
  /**
   * The transmitters whose SETs are accepted: an issuer URL (keys from its discovery document, or
   * `jwksUri`/`keys` below), or a list of them, each `{ issuer, jwksUri?, keys? }` with its own keys.
   */
  issuer: string | Array<string | IssuerConfig>;
  /** This receiver's audience: a SET for another is refused. */
  audience: string | string[];
  jwksUri?: string;
  keys?: KeyInput | KeyInput[];
  algorithms?: string[];
  /** As the verifier's (default 5 s). */
  clockTolerance?: number | string;
  fetch?: typeof fetch;
  clock?: () => number;
}

export interface VerifiedSet {
  /** The SET's issuer (the transmitter) and `jti`. */
  iss: string;
  jti: string;
  revocation: Revocation;
}

/**
 * `verify(set)` resolves the SET's revocation, or rejects with a SetRejection; a JwtGuardError with status
 * 503 (the transmitter's keys cannot be fetched) is passed on as it is: nothing is known about that SET yet.
 */
export function createSetVerifier(options: SetVerifierOptions): (set: string) => Promise<VerifiedSet> {
  const verifier = createVerifier({
    issuer: options.issuer,
    audience: options.audience,
    jwksUri: options.jwksUri,
    keys: options.keys,
    algorithms: options.algorithms,
    clockTolerance: options.clockTolerance,
    fetch: options.fetch,
    clock: options.clock,
    typ: 'secevent+jwt',
    requireExp: false,
    requiredClaims: ['iat', 'jti'],
    // Each SET is verified once: caching verified SETs would only hold memory.
    cache: { tokens: false },
  });

  return async (set) => {
    let payload: Record<string, unknown>;
    try {
      payload = (await verifier.verify(set)).payload;
    } catch (error) {
      if (error instanceof InvalidTokenError) throw classify(error, set);
      if (isJwtGuardError(error) && error.status === 503) throw error;
      throw new SetRejection('malformed', 'the SET could not be verified', { cause: error });
    }
    const revocation = readRevocation(payload);
    return { iss: payload.iss as string, jti: payload.jti as string, revocation };
  };
}

function classify(error: InvalidTokenError, set: string): SetRejection {
  const cause = { cause: error };
  // An unsecured JWS (RFC 7515 Appendix A.5) has an empty signature: it authenticates nobody, whatever
  // else is wrong with it (core refuses the empty segment before reading anything).
  if (set.endsWith('.')) return new SetRejection('unsigned', 'the SET is unsigned', cause);
  if (error.claim === 'iss') return new SetRejection('issuer', 'the SET issuer is not trusted', cause);
  if (error.claim === 'aud') return new SetRejection('audience', 'the SET is for another audience', cause);
  if (error.claim === 'typ') return new SetRejection('typ', 'the SET typ is not secevent+jwt', cause);
  switch (error.code) {
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return new SetRejection('key', 'the SET algorithm is not accepted', cause);
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return new SetRejection('key', 'no key of the issuer matches the SET', cause);
    case 'ERR_JWS_SIGNATURE_INVALID':
      return new SetRejection('signature', 'the SET signature is invalid', cause);
    default:
      return new SetRejection('malformed', `the SET is not valid: ${error.description}`, cause);
  }
}
