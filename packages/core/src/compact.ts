// Strict compact JWS parsing (RFC 7515 §7.1). Only the exact serialisation is accepted: three non-empty
// base64url segments without padding or whitespace. Anything looser (padding, `+`/`/`, spaces, JWE's five
// segments) would give one signature several spellings, or let a JWE reach code that expects a JWS.
import { decodeBase64Url } from '#crypto-runtime';
import { InvalidTokenError } from './errors.js';

export interface CompactParts {
  header: string;
  payload: string;
  signature: string;
  /** `header.payload`, the bytes the signature covers. */
  signingInput: string;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** Default cap on the token length, checked before any decoding (a bearer token is small; 8 KiB is ample). */
export const DEFAULT_MAX_TOKEN_LENGTH = 8192;

export function splitCompact(token: unknown, maxLength: number = DEFAULT_MAX_TOKEN_LENGTH): CompactParts {
  if (typeof token !== 'string' || token === '') {
    throw new InvalidTokenError('ERR_JWT_MALFORMED', 'Token is not a compact JWS');
  }
  // Length first: nothing below may spend time on an attacker-sized input.
  if (token.length > maxLength) {
    throw new InvalidTokenError('ERR_JWT_TOO_LARGE', 'Token is too large');
  }
  const segments = token.split('.');
  if (segments.length === 5) {
    // A JWE (RFC 7516 §7.1). Access tokens here are signed, never encrypted: refuse without decrypting.
    throw new InvalidTokenError('ERR_JWS_INVALID', 'Encrypted tokens (JWE) are not accepted');
  }
  if (segments.length !== 3) {
    throw new InvalidTokenError('ERR_JWT_MALFORMED', 'Token must have exactly three segments');
  }
  const [header, payload, signature] = segments as [string, string, string];
  if (!SEGMENT.test(header) || !SEGMENT.test(payload) || !SEGMENT.test(signature)) {
    throw new InvalidTokenError('ERR_JWT_MALFORMED', 'Token segments must be unpadded base64url');
  }
  return { header, payload, signature, signingInput: `${header}.${payload}` };
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const VALUES = new Int8Array(128).fill(-1);
/** The alphabet only (an empty string decodes to no bytes; splitCompact refuses empty segments itself). */
const BASE64URL = /^[A-Za-z0-9_-]*$/;
for (let i = 0; i < ALPHABET.length; i++) VALUES[ALPHABET.charCodeAt(i)] = i;

/**
 * Decode one base64url segment, refusing non-canonical spellings: a length of 4n+1, or unused trailing bits
 * that are not zero. Otherwise `sig` and a sibling differing only in those bits would both verify
 * (signature malleability, which breaks token caches and denylists keyed by the token).
 */
export function decodeSegment(segment: string): Uint8Array {
  const remainder = segment.length % 4;
  if (remainder === 1 || !BASE64URL.test(segment)) {
    throw new InvalidTokenError('ERR_JWT_MALFORMED', 'Invalid base64url segment');
  }
  // The last character of a 4n+2 (4n+3) segment carries 4 (2) bits that encode nothing: they must be zero.
  if (remainder !== 0) {
    const last = VALUES[segment.charCodeAt(segment.length - 1)] ?? 0;
    if ((last & (remainder === 2 ? 0x0f : 0x03)) !== 0) {
      throw new InvalidTokenError('ERR_JWT_MALFORMED', 'Non-canonical base64url segment');
    }
  }
  // The segment is now known canonical; the decoding itself is the runtime's (native on Node).
  return decodeBase64Url(segment);
}
