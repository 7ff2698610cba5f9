// Strict compact JWS parsing (RFC 7515 §7.1). Only the exact serialisation is accepted: three non-empty
// base64url segments without padding or whitespace. Anything looser (padding, `+`/`/`, spaces, JWE's five
// segments) would give one signature several spellings, or let a JWE reach code that expects a JWS.
import { decodeBase64Url } from '../runtime/crypto-runtime.js';
import { defaults } from '../defaults.js';
import { InvalidTokenError } from '../errors.js';
import { freezeMembers, parseJsonObject } from './strict-json.js';

export interface CompactParts {
  header: string;
  payload: string;
  signature: string;
  /** `header.payload`, the bytes the signature covers. */
  signingInput: string;
}

/** Three non-empty base64url segments; the dots are outside the class, so the match cannot backtrack. */
const COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Default cap on the token length, checked before any decoding (a bearer token is small; 8 KiB is ample). */

export function splitCompact(token: unknown, maxLength: number = defaults.maxTokenLength): CompactParts {
  const parts = splitSegments(token, maxLength);
  if (!COMPACT.test(token as string)) {
    throw new InvalidTokenError('ERR_JWT_MALFORMED', 'Token segments must be unpadded base64url');
  }
  return parts;
}

/**
 * splitCompact without the alphabet scan: size, exactly three non-empty segments. Only for a caller that
 * passes every segment through decodeSegment (or decodeHeader) before trusting any of it, as the verifier
 * does: on Node the decoding refuses exactly the characters the scan would, in the same native pass.
 */
export function splitSegments(token: unknown, maxLength: number = defaults.maxTokenLength): CompactParts {
  if (typeof token !== 'string' || token === '') {
    throw new InvalidTokenError('ERR_JWT_MALFORMED', 'Token is not a compact JWS');
  }
  // Length first: nothing below may spend time on an attacker-sized input.
  if (token.length > maxLength) {
    throw new InvalidTokenError('ERR_JWT_TOO_LARGE', 'Token is too large');
  }
  const first = token.indexOf('.');
  const second = first === -1 ? -1 : token.indexOf('.', first + 1);
  if (second === -1 || token.indexOf('.', second + 1) !== -1) {
    if (token.split('.').length === 5) {
      // A JWE (RFC 7516 §7.1). Access tokens here are signed, never encrypted: refuse without decrypting.
      throw new InvalidTokenError('ERR_JWS_INVALID', 'Encrypted tokens (JWE) are not accepted');
    }
    throw new InvalidTokenError('ERR_JWT_MALFORMED', 'Token must have exactly three segments');
  }
  if (first === 0 || second === first + 1 || second === token.length - 1) {
    throw new InvalidTokenError('ERR_JWT_MALFORMED', 'Token segments must not be empty');
  }
  // Slices, not a concatenation: the signing input is read as it stands in the token.
  return {
    header: token.slice(0, first),
    payload: token.slice(first + 1, second),
    signature: token.slice(second + 1),
    signingInput: token.slice(0, second),
  };
}

/** The alphabet only, used to name the reason for a refusal. */
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Decode one base64url segment, refusing non-canonical spellings: characters outside the alphabet,
 * padding, a length of 4n+1, or unused trailing bits that are not zero. Otherwise `sig` and a sibling
 * differing only in those bits would both verify (signature malleability, which breaks token caches and
 * denylists keyed by the token). The decoding and the check are the runtime's (native on Node).
 */
export function decodeSegment(segment: string): Uint8Array {
  const bytes = decodeBase64Url(segment);
  if (bytes !== undefined) return bytes;
  // Refused: only now spend time on naming why.
  const wellFormed = segment.length % 4 !== 1 && BASE64URL.test(segment);
  throw new InvalidTokenError(
    'ERR_JWT_MALFORMED',
    wellFormed ? 'Non-canonical base64url segment' : 'Invalid base64url segment',
  );
}

interface KnownHeader {
  /** The segment text, copied: a slice of a request's token would keep that whole token alive. */
  readonly segment: string;
  readonly header: Readonly<Record<string, unknown>>;
}

/** Decoded protected headers by segment text; see decodeHeader. */
const headers = new Map<string, KnownHeader>();
const HEADER_MEMO_ENTRIES = 64;
const HEADER_MEMO_SEGMENT_LENGTH = 512;
let last: KnownHeader | undefined;

/**
 * The protected header of a compact JWS, decoded and parsed (strictly, as decodeSegment and
 * parseJsonObject do). Every token of one signing key carries the same header, and the parsed form is a
 * pure function of the segment text, so the last few are remembered and shared: most requests skip
 * decoding and parsing the header. Shared, so read-only: nested values are frozen, and the object itself is
 * never handed out (results get a copy) nor changed by the verifier. Bounded in entries and entry size, so headers that vary (an
 * attacker's) only churn the memo, never grow it.
 */
export function decodeHeader(segment: string): Readonly<Record<string, unknown>> {
  // The last header first: comparing a short segment is cheaper than hashing it for the Map, and a
  // request's segment is a new string each time, so its hash is never cached.
  if (last !== undefined && segment === last.segment) return last.header;
  const known = headers.get(segment);
  if (known !== undefined) {
    last = known;
    return known.header;
  }
  const header = freezeMembers(parseJsonObject(decodeSegment(segment), 'header'));
  if (segment.length <= HEADER_MEMO_SEGMENT_LENGTH) {
    if (headers.size >= HEADER_MEMO_ENTRIES) headers.clear();
    // A parsed string is a new string: a slice of the token (which V8 may keep as a view of it) is not.
    const copy = JSON.parse(JSON.stringify(segment)) as string;
    headers.set(copy, { segment: copy, header });
  }
  return header;
}
