// The revocation rule: which tokens a revocation refuses, and for how long. It is decided here once for every
// Denylist store (createMemoryDenylist in this folder, createRedisDenylist in @jwtguard/redis), so a token is
// refused or accepted by the same rule wherever the list lives; test/contracts/denylist.ts holds every store
// to it.
//
// Which tokens:
// - revoke({ iss, jti, exp }): the token with this `jti` from `iss`; without `iss`, from every issuer (filed
//   under ANY_ISSUER). A `jti` is meant to be unique across issuers (RFC 7519 §4.1.7).
// - revokeToken(token): that token, under its own issuer: by its `jti`, or by the SHA-256 of its signing
//   input when it has none (revocation-id.ts). A token without `iss` is refused with a TypeError: no verifier
//   accepts it (the issuer is always checked), and filing it under every issuer would let whoever hands in a
//   crafted token revoke a `jti` for every issuer. Revoking a `jti` everywhere is `revoke({ jti, exp })`.
// - revokeSubject({ iss, sub, before }): every token of `sub` from `iss` issued before `before`. `iss` is
//   required: a `sub` is unique only within its issuer (RFC 7519 §4.1.2), so a cutoff for every issuer would
//   also log out another issuer's user who happens to have the same `sub`.
//
// For how long:
// - a token entry until `exp` + clockTolerance: past that the verifier refuses the token by itself;
// - a token without `exp` (accepted only with requireExp: false) for maxTokenLifetime + clockTolerance from
//   the revocation: no token is meant to live longer, and an entry without an end would grow the list
//   without bound;
// - a subject cutoff until `before` + maxTokenLifetime + clockTolerance, when every token issued before it
//   has expired.
// An entry already past its end is not stored, and revocations never weaken: of two entries for the same
// token or subject, the later expiry and the later cutoff win.
import { toMilliseconds } from '../config/duration.js';
import { defaults } from '../defaults.js';
import type { AuthResult } from '../types.js';
import { jtiRevocationId, revocationId, type RevocationId } from './revocation-id.js';
import { readUnverifiedToken } from './unverified-token.js';

/**
 * The issuer a revocation without `iss` is filed under. No token can claim it: revokeToken refuses it as an
 * `iss`, and the verifier only accepts configured issuers.
 */
export const ANY_ISSUER = '\u0000*';

export interface RevocationRuleOptions {
  clockTolerance?: number | string;
  maxTokenLifetime?: number | string;
  /** Milliseconds since the epoch (default Date.now): "now" for a token without `exp` and a default cutoff. */
  clock?: () => number;
}

/** A revoked token: its id under its issuer, and when the entry stops mattering (ms since the epoch). */
export interface TokenEntry extends RevocationId {
  expiresAtMs: number;
}

/** A subject cutoff (NumericDate seconds, fractional allowed), and when it stops mattering (ms). */
export interface CutoffEntry {
  iss: string;
  sub: string;
  cutoff: number;
  expiresAtMs: number;
}

export interface RevocationRule {
  /** maxTokenLifetime + clockTolerance (ms): how long a cutoff, or a token without `exp`, can matter. */
  readonly longestMs: number;
  /** The entry of a revoke({ iss, jti, exp }) call; a TypeError for a missing `jti` or a non-numeric `exp`. */
  jti(entry: { iss?: string; jti: string; exp: number }): TokenEntry;
  /** The entry of a revokeToken call; a TypeError for a malformed token or one without `iss`. */
  token(token: AuthResult | string): Promise<TokenEntry>;
  /** The entry of a revokeSubject call (`before` defaults to now, fractional); a TypeError for bad arguments. */
  subject(entry: { iss: string; sub: string; before?: number }): CutoffEntry;
  /** When the cutoff `before` (seconds) stops mattering (ms). */
  cutoffExpiresAt(before: number): number;
}

export function revocationRule(options: RevocationRuleOptions): RevocationRule {
  const clock = options.clock ?? Date.now;
  const toleranceMs = toMilliseconds(options.clockTolerance ?? defaults.clockTolerance, 'clockTolerance');
  const longestMs =
    toMilliseconds(options.maxTokenLifetime ?? defaults.maxTokenLifetime, 'maxTokenLifetime') + toleranceMs;

  const tokenExpiresAt = (exp: unknown): number =>
    isNumericDate(exp) ? exp * 1000 + toleranceMs : clock() + longestMs;
  const cutoffExpiresAt = (before: number): number => before * 1000 + longestMs;

  return {
    longestMs,
    jti({ iss, jti, exp }) {
      if (typeof jti !== 'string' || jti === '')
        throw new TypeError('revoke: jti must be a non-empty string');
      if (!isNumericDate(exp)) throw new TypeError('revoke: exp must be a NumericDate');
      // An empty `iss` is more likely a missing value than a wish to revoke for every issuer.
      if (iss !== undefined && (typeof iss !== 'string' || iss === ''))
        throw new TypeError('revoke: iss must be a non-empty string, or left out for every issuer');
      return { ...jtiRevocationId(iss ?? ANY_ISSUER, jti), expiresAtMs: tokenExpiresAt(exp) };
    },
    async token(token) {
      const target = typeof token === 'string' ? readUnverifiedToken(token) : token;
      if (typeof target.issuer !== 'string' || target.issuer === '') {
        throw new TypeError(
          'revokeToken: the token has no iss; use revoke({ jti, exp }) to revoke a jti for every issuer',
        );
      }
      if (target.issuer === ANY_ISSUER) throw new TypeError('revokeToken: the token claims a reserved iss');
      return { ...(await revocationId(target)), expiresAtMs: tokenExpiresAt(target.payload.exp) };
    },
    subject({ iss, sub, before }) {
      if (typeof iss !== 'string' || iss === '')
        throw new TypeError('revokeSubject: iss must be a non-empty string');
      if (typeof sub !== 'string' || sub === '')
        throw new TypeError('revokeSubject: sub must be a non-empty string');
      const cutoff = before ?? clock() / 1000;
      if (!isNumericDate(cutoff))
        throw new TypeError('revokeSubject: before must be a NumericDate (seconds)');
      return { iss, sub, cutoff, expiresAtMs: cutoffExpiresAt(cutoff) };
    },
    cutoffExpiresAt,
  };
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
