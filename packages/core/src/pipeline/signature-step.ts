// Steps 3-4 of the pipeline: the keys a trusted issuer offers for the token's header, then the signature
// (RFC 7515 §5.2 step 8) through the runtime seam.
import { InvalidTokenError } from '../errors.js';
import type { VerificationKey } from '../keys/key-source.js';
import type { SignatureCheck } from '../runtime/crypto-runtime.js';
import { andThen, type MaybePromise } from './maybe-promise.js';

const NO_KEYS: readonly VerificationKey[] = [];

/** The signature to check and the keys that may have made it. */
interface SignatureAttempt {
  check: SignatureCheck;
  keys: readonly VerificationKey[];
  alg: string;
  /** `header.payload` as received: ASCII, since all three segments were decoded strictly. */
  signingInput: string;
  signature: Uint8Array;
}

/**
 * The key that verified the signature; throws (or rejects) when none does. Every candidate for the `kid` is
 * tried: a duplicate kid must not refuse a good token.
 */
export function verifyWithKeys(
  check: SignatureCheck,
  keys: MaybePromise<readonly VerificationKey[]>,
  alg: string,
  signingInput: string,
  signature: Uint8Array,
): MaybePromise<VerificationKey> {
  return andThen(keys, startWith, { check, keys: NO_KEYS, alg, signingInput, signature });
}

function startWith(
  attempt: SignatureAttempt,
  keys: readonly VerificationKey[],
): MaybePromise<VerificationKey> {
  attempt.keys = keys;
  return firstValid(attempt, 0, 0);
}

/**
 * The first key from `index` on (`candidates` of them already tried) whose check passes. A key's first check
 * for an algorithm may be a promise (its conversion); the rest of the list then waits for it.
 */
function firstValid(
  attempt: SignatureAttempt,
  index: number,
  candidates: number,
): MaybePromise<VerificationKey> {
  const { check, keys, alg, signingInput, signature } = attempt;
  // Indexed: static key lists are frozen, and a for-of over a frozen array takes a slow path.
  for (; index < keys.length; index++) {
    const key = keys[index] as VerificationKey;
    if (!key.supports(alg)) continue;
    candidates++;
    // A key that fails to import (e.g. a JWKS entry with a point off its curve) is one candidate that
    // cannot verify, not a reason to refuse a token another candidate signed.
    let answer: MaybePromise<boolean>;
    try {
      answer = check(key, alg, signingInput, signature);
    } catch {
      answer = false;
    }
    if (answer === true) return key;
    if (answer !== false) {
      const next = index + 1;
      const tried = candidates;
      return answer.then(
        (valid) => (valid ? key : firstValid(attempt, next, tried)),
        () => firstValid(attempt, next, tried),
      );
    }
  }
  if (candidates === 0) {
    throw new InvalidTokenError('ERR_JWKS_NO_MATCHING_KEY', 'No key matches the token');
  }
  throw new InvalidTokenError('ERR_JWS_SIGNATURE_INVALID', 'Token signature is invalid');
}
