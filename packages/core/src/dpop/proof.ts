// Checking one DPoP proof (RFC 9449 §4.3) against the request it came with. Each check refuses with its own
// code, so a client (or an operator reading logs) can tell which rule a proof broke. The proof is attacker
// input until its signature is checked with the key it carries; what that signature proves is only that
// the sender holds the key, so every claim is then compared with the request itself.
import { InvalidDpopProofError } from '../errors.js';
import { splitSegments, decodeSegment } from '../jws/compact.js';
import { parseJsonObject } from '../jws/strict-json.js';
import { jwkRejectionReason, verificationKeyFromJwk } from '../keys/jwk-import.js';
import type { VerificationKey } from '../keys/key-source.js';
import { andThen, type MaybePromise } from '../pipeline/maybe-promise.js';
import { sha256Base64Url, verifySignature } from '../runtime/crypto-runtime.js';
import { LRUCache } from 'lru-cache';
import { normaliseHtu } from './htu.js';
import { jwkThumbprint, thumbprintInput } from './thumbprint.js';
import type { JWK } from 'jose';

/** How proofs are checked: fixed at construction. */
export interface ProofPolicy {
  /** Accepted proof algorithms (asymmetric only). */
  algorithms: ReadonlySet<string>;
  /** Seconds a proof's `iat` may be from the server's clock, in either direction. */
  maxAgeSeconds: number;
  /** Largest accepted proof, checked before any decoding. */
  maxLength: number;
  clock: () => number;
}

/** What the request says, for the proof to be compared with. */
export interface ProofExpectation {
  /** The request method as received: `htm` must equal it exactly (RFC 9110 methods are case-sensitive). */
  method: string;
  /** The normalised request URI without query and fragment (htu.ts). */
  htu: string;
  /** The access token sent with the proof: `ath` must be its hash. Absent at a token endpoint. */
  accessToken: string | undefined;
}

/** A proof whose signature, claims and key passed: what the caller binds and records. */
export interface CheckedProof {
  /** RFC 7638 thumbprint of the proof key: what `cnf.jkt` must equal. */
  jkt: string;
  jti: string;
  iat: number;
  /** The `nonce` claim, for the caller to check when it hands out nonces. */
  nonce: unknown;
}

interface ProofKey {
  key: VerificationKey;
  jkt: MaybePromise<string>;
}

/** A stable client reuses one key for every proof: import it and hash its thumbprint once, not per request. */
const proofKeys = new LRUCache<string, ProofKey>({ max: 1000 });

const invalid = (code: ConstructorParameters<typeof InvalidDpopProofError>[0], description: string) =>
  new InvalidDpopProofError(code, description);

/** A proof header seen before: parsed once, with the key it carries (a client sends the same one each time). */
interface ProofHeader {
  typ: unknown;
  alg: unknown;
  crit: unknown;
  jwk: unknown;
  /** The key, once imported for an algorithm it fits. */
  key: ProofKey | undefined;
}

/**
 * Proof headers by their encoded segment: a stable client's proofs share one, so its JSON, the key policy
 * and the thumbprint input are worked out once, not per request. Bounded; only headers that parse are kept.
 */
const proofHeaders = new LRUCache<string, ProofHeader>({ max: 1000 });

function headerOf(segment: string): ProofHeader {
  let header = proofHeaders.get(segment);
  if (header === undefined) {
    const parsed = parseJsonObject(decodeSegment(segment), 'header');
    header = { typ: parsed.typ, alg: parsed.alg, crit: parsed.crit, jwk: parsed.jwk, key: undefined };
    proofHeaders.set(segment, header);
  }
  return header;
}

export function checkProof(
  proof: string,
  expected: ProofExpectation,
  policy: ProofPolicy,
): MaybePromise<CheckedProof> {
  // §4.3 checks 2-3: a well-formed compact JWS whose header and payload are JSON objects.
  let parts: ReturnType<typeof splitSegments>;
  let header: ProofHeader;
  let payload: Record<string, unknown>;
  let signature: Uint8Array;
  try {
    parts = splitSegments(proof, policy.maxLength);
    header = headerOf(parts.header);
    payload = parseJsonObject(decodeSegment(parts.payload), 'payload');
    signature = decodeSegment(parts.signature);
  } catch {
    throw invalid('ERR_DPOP_PROOF_MALFORMED', 'DPoP proof is not a well-formed JWT');
  }
  // §4.3 check 4: exactly this media type, so no other kind of JWT can be replayed as a proof.
  if (header.typ !== 'dpop+jwt') throw invalid('ERR_DPOP_PROOF_TYP', 'DPoP proof typ must be dpop+jwt');
  // §4.3 check 5: an asymmetric algorithm we accept; `none` and MACs are never in the set.
  const alg = header.alg;
  if (typeof alg !== 'string' || !policy.algorithms.has(alg)) {
    throw invalid('ERR_DPOP_PROOF_ALG', 'DPoP proof algorithm is not accepted');
  }
  if (header.crit !== undefined) throw invalid('ERR_DPOP_PROOF_MALFORMED', 'DPoP proof uses crit');
  // §4.3 check 7: a public key, under the same key policy as access-token keys (sizes, curves, no private
  // members: a proof carrying `d` has leaked its own key).
  const proofKey = (header.key ??= keyOf(header.jwk));
  if (!proofKey.key.supports(alg)) {
    throw invalid('ERR_DPOP_PROOF_ALG', 'DPoP proof algorithm does not fit its key');
  }
  let valid: MaybePromise<boolean>;
  try {
    valid = verifySignature(proofKey.key, alg, parts.signingInput, signature);
  } catch {
    valid = false;
  }
  const afterSignature = (ok: boolean): MaybePromise<CheckedProof> => {
    // §4.3 check 6.
    if (!ok) throw invalid('ERR_DPOP_PROOF_SIGNATURE', 'DPoP proof signature is invalid');
    return checkClaims(payload, proofKey.jkt, expected, policy);
  };
  return valid instanceof Promise
    ? valid.then(afterSignature, () => afterSignature(false))
    : afterSignature(valid);
}

function keyOf(jwk: unknown): ProofKey {
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) {
    throw invalid('ERR_DPOP_PROOF_JWK', 'DPoP proof has no jwk header');
  }
  const members = jwk as Record<string, unknown>;
  const input = thumbprintInput(members);
  const reason = input === undefined ? 'unsupported key' : jwkRejectionReason(members as JWK);
  if (input === undefined || reason !== undefined) {
    throw invalid('ERR_DPOP_PROOF_JWK', 'DPoP proof key is not an acceptable public key');
  }
  let found = proofKeys.get(input);
  if (found === undefined) {
    // Built from the thumbprint's members only, so two spellings of one key share an entry and nothing
    // else in the header (kid, alg, use) can change what the cached key accepts.
    const key = verificationKeyFromJwk(JSON.parse(input) as JWK);
    found = { key, jkt: jwkThumbprint(input) };
    proofKeys.set(input, found);
  }
  return found;
}

function checkClaims(
  payload: Record<string, unknown>,
  jkt: MaybePromise<string>,
  expected: ProofExpectation,
  policy: ProofPolicy,
): MaybePromise<CheckedProof> {
  const { jti, htm, htu, iat } = payload;
  // §4.3 check 8 and §11.1: the id the replay store keys on; bounded so a proof cannot fill a store's key.
  if (typeof jti !== 'string' || jti === '' || jti.length > 256) {
    throw invalid('ERR_DPOP_PROOF_JTI', 'DPoP proof has no usable jti');
  }
  // §4.3 check 8: the method exactly as the request used it.
  if (htm !== expected.method)
    throw invalid('ERR_DPOP_PROOF_HTM', 'DPoP proof htm does not match the request');
  // §4.3 check 9: the request URI without query and fragment, after normalisation.
  if (normaliseHtu(htu) !== expected.htu) {
    throw invalid('ERR_DPOP_PROOF_HTU', 'DPoP proof htu does not match the request');
  }
  // §4.3 check 11: a fresh proof. The window is the whole tolerance: the access token's clockTolerance
  // does not widen it, or a proof could be kept for later use that much longer.
  const now = policy.clock() / 1000;
  if (typeof iat !== 'number' || !Number.isFinite(iat) || Math.abs(now - iat) > policy.maxAgeSeconds) {
    throw invalid('ERR_DPOP_PROOF_IAT', 'DPoP proof iat is outside the accepted window');
  }
  const checked = (thumbprint: string): CheckedProof => ({ jkt: thumbprint, jti, iat, nonce: payload.nonce });
  if (expected.accessToken === undefined) return andThen(jkt, passThumbprint, checked);
  // §4.3 check 12: the proof was made for this very access token.
  const ath = payload.ath;
  if (typeof ath !== 'string') throw invalid('ERR_DPOP_PROOF_ATH', 'DPoP proof has no ath');
  return andThen(sha256Base64Url(expected.accessToken), matchAth, { ath, jkt, checked });
}

function passThumbprint(checked: (jkt: string) => CheckedProof, jkt: string): CheckedProof {
  return checked(jkt);
}

function matchAth(
  state: { ath: string; jkt: MaybePromise<string>; checked: (jkt: string) => CheckedProof },
  hash: string,
): MaybePromise<CheckedProof> {
  if (state.ath !== hash)
    throw invalid('ERR_DPOP_PROOF_ATH', 'DPoP proof ath does not match the access token');
  return andThen(state.jkt, passThumbprint, state.checked);
}
