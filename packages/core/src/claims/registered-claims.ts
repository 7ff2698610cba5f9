// JWT claims validation (RFC 7519 §4.1, RFC 9068 §4, RFC 8725 §3.8-3.10). Runs only after the signature
// verified, so every failure here is a genuine token from a trusted issuer that is not acceptable *now* or
// *here*: expired, not yet valid, for another audience.
import { InvalidTokenError } from '../errors.js';
import type { JwtPayload } from '../types.js';

export interface ClaimsPolicy {
  issuer: string;
  audiences: ReadonlySet<string>;
  requireExp: boolean;
  /** Seconds of leeway for exp/nbf/iat against clock skew. */
  clockTolerance: number;
  /** Seconds; tokens with an older `iat` are refused (and `iat` becomes required). */
  maxTokenAge: number | undefined;
  requiredClaims: readonly string[];
}

/** Check `payload` at `now` (seconds since the epoch); throws InvalidTokenError naming the claim. */
export function checkClaims(payload: Record<string, unknown>, policy: ClaimsPolicy, now: number): JwtPayload {
  // iss: exact string comparison (RFC 7519 §4.1.1), no normalisation of trailing slashes or case.
  if (payload.iss !== policy.issuer) throw invalid('iss', 'Token issuer is not accepted');

  checkAudience(payload.aud, policy.audiences);

  optionalString(payload, 'sub');
  optionalString(payload, 'jti');

  const exp = numericDate(payload, 'exp');
  const nbf = numericDate(payload, 'nbf');
  const iat = numericDate(payload, 'iat');
  const tolerance = policy.clockTolerance;

  if (exp === undefined) {
    if (policy.requireExp) throw invalid('exp', 'Token has no expiry');
  } else if (now - tolerance >= exp) {
    // RFC 7519 §4.1.4: the token MUST NOT be accepted on or after its expiration time.
    throw new InvalidTokenError('ERR_JWT_EXPIRED', 'Token has expired', { claim: 'exp' });
  }
  if (nbf !== undefined && now + tolerance < nbf) {
    throw new InvalidTokenError('ERR_JWT_NOT_YET_VALID', 'Token is not yet valid', { claim: 'nbf' });
  }
  if (iat !== undefined && iat > now + tolerance) {
    // A token "issued in the future" comes from a broken clock or a forged-ahead token; neither is usable.
    throw invalid('iat', 'Token was issued in the future');
  }
  if (policy.maxTokenAge !== undefined) {
    if (iat === undefined) throw invalid('iat', 'Token has no issued-at time');
    if (now - iat - tolerance > policy.maxTokenAge) {
      throw new InvalidTokenError('ERR_JWT_EXPIRED', 'Token is too old', { claim: 'iat' });
    }
  }
  for (const name of policy.requiredClaims) {
    if (!Object.prototype.hasOwnProperty.call(payload, name) || payload[name] === null) {
      throw invalid(name, `Token is missing the ${name} claim`);
    }
  }
  return payload as JwtPayload;
}

function checkAudience(aud: unknown, expected: ReadonlySet<string>): void {
  // RFC 7519 §4.1.3: a string or an array of strings; the token is for us when any of them is ours.
  // Spelled out (no wrapping array, no callbacks): this runs on every request, cache hits included.
  if (typeof aud === 'string') {
    if (!expected.has(aud)) throw invalid('aud', 'Token audience is not accepted');
    return;
  }
  if (!Array.isArray(aud) || aud.length === 0) throw invalid('aud', 'Token audience is invalid');
  let accepted = false;
  for (const value of aud as unknown[]) {
    if (typeof value !== 'string') throw invalid('aud', 'Token audience is invalid');
    if (!accepted && expected.has(value)) accepted = true;
  }
  if (!accepted) throw invalid('aud', 'Token audience is not accepted');
}

function optionalString(payload: Record<string, unknown>, name: 'sub' | 'jti'): void {
  const value = payload[name];
  if (value !== undefined && typeof value !== 'string') throw invalid(name, `Token ${name} must be a string`);
}

/** RFC 7519 §2 NumericDate: a JSON number of seconds. Strings, booleans, Infinity (`1e400`) are not dates. */
function numericDate(payload: Record<string, unknown>, name: 'exp' | 'nbf' | 'iat'): number | undefined {
  const value = payload[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw invalid(name, `Token ${name} is not a NumericDate`);
  return value;
}

function invalid(claim: string, description: string): InvalidTokenError {
  return new InvalidTokenError('ERR_JWT_CLAIM_INVALID', description, { claim });
}
