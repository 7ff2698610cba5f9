// The token handed to revokeToken as a string, read without verifying it: revoking needs no proof that the
// token is valid (a forged token is refused by the verifier anyway). It is still read with the verifier's own
// strict parsing (jws/compact.ts, jws/strict-json.ts): a looser reader could see another `iss` or `jti` than
// the verifier does (a duplicate member name, say: parsers disagree on which one wins), file the revocation
// under them, and leave the token it was meant to refuse accepted.
import { decodeSegment, splitCompact } from '../jws/compact.js';
import { parseJsonObject } from '../jws/strict-json.js';
import type { AuthResult } from '../types.js';

/** What a store reads of a token it revokes or checks: the token itself, its claims, its issuer. */
export type RevocableToken = Pick<AuthResult, 'token' | 'payload' | 'issuer'>;

/** The claims of `token`; a TypeError (a bad argument, not a bad request) when the verifier would refuse its form. */
export function readUnverifiedToken(token: string): RevocableToken {
  let payload: Record<string, unknown>;
  try {
    payload = parseJsonObject(decodeSegment(splitCompact(token).payload), 'payload');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TypeError(`revokeToken: not a compact JWS the verifier could accept (${reason})`, {
      cause: error,
    });
  }
  return { token, payload, issuer: typeof payload.iss === 'string' ? payload.iss : '' };
}
