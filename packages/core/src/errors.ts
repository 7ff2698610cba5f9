// RFC 6750 §3 (and RFC 9449 §7.1) error classes. Each carries a stable `code` for logs and metrics, the HTTP status, and the
// headers a response needs (`WWW-Authenticate`, `Retry-After`), so Express's and Koa's default error
// handlers already answer correctly. `description` is shown to clients: it never contains the token, a key
// or a stack.
import { buildChallenge, type AuthScheme } from './bearer/challenge.js';
import type { JwtGuardErrorCode } from './error-codes.js';
import type { DpopChallenge } from './types.js';

/** The `error` of a challenge: RFC 6750 §3.1, and RFC 9449 §7.1 and §8 for DPoP. */
export type BearerErrorCode =
  'invalid_request' | 'invalid_token' | 'insufficient_scope' | 'invalid_dpop_proof' | 'use_dpop_nonce';

export abstract class JwtGuardError extends Error {
  abstract readonly status: number;
  /** The RFC 6750 error code, absent when the request simply carried no token (§3.1). */
  readonly error: BearerErrorCode | undefined;
  /** Stable machine-readable code, e.g. `ERR_JWT_EXPIRED` (every one is in ERROR_CODES). */
  readonly code: JwtGuardErrorCode;
  /** Client-safe description. */
  readonly description: string;
  /** Tells http-errors-style handlers (Koa, Express) the message is safe to send. */
  readonly expose = true;
  /** Realm named in the challenge; adapters set it from their `realm` option. */
  realm: string | undefined;
  /** The scheme the request used: a refusal of a DPoP request is a `DPoP` challenge (RFC 9449 §7.1). */
  scheme: AuthScheme = 'Bearer';
  /** Set when DPoP is on: adds `algs`, and for a request without credentials a second, `DPoP` challenge. */
  dpop: DpopChallenge | undefined;

  constructor(
    code: JwtGuardErrorCode,
    description: string,
    error: BearerErrorCode | undefined,
    options?: ErrorOptions,
  ) {
    super(description, options);
    this.name = new.target.name;
    this.code = code;
    this.description = description;
    this.error = error;
  }

  get statusCode(): number {
    return this.status;
  }

  /** Response headers for this error: the challenge(s), plus `Retry-After` or `DPoP-Nonce` where they apply. */
  get headers(): Record<string, string> {
    return { 'WWW-Authenticate': this.challenge() };
  }

  /**
   * A request made with DPoP, or to a resource that accepts only DPoP, gets a `DPoP` challenge with the
   * accepted `algs`; one without credentials to a resource that accepts both gets both challenges, so the
   * client learns it may use either (RFC 9449 §7.1).
   */
  protected challenge(): string {
    const params = this.challengeParams();
    const dpop = this.dpop;
    if (dpop === undefined) return buildChallenge(params);
    const algs = dpop.algorithms.join(' ');
    if (this.scheme === 'DPoP' || dpop.required) return buildChallenge({ ...params, algs }, 'DPoP');
    const bearer = buildChallenge(params);
    if (this.error !== undefined) return bearer;
    return `${bearer}, ${buildChallenge({ realm: this.realm, algs }, 'DPoP')}`;
  }

  protected challengeParams(): Record<string, string | undefined> {
    return { realm: this.realm, error: this.error, error_description: this.error && this.description };
  }

  /** The JSON body the library renders: `{ error, error_description }`. */
  toJSON(): { error: string; error_description: string } {
    return { error: this.error ?? 'unauthorized', error_description: this.description };
  }
}

/** 401 without an error code: the request carried no credentials (RFC 6750 §3.1). */
export class UnauthorizedError extends JwtGuardError {
  readonly status = 401;
  constructor(description = 'Authentication required', code: JwtGuardErrorCode = 'ERR_TOKEN_MISSING') {
    super(code, description, undefined);
  }
}

/**
 * Error.stackTraceLimit while a client error is constructed. Bad tokens and requests are the client's fault
 * and come in floods (an unknown-kid storm, a scanner): a stack names only jwtguard's own frames, yet
 * capturing it was a large share of the cost of a rejection. Errors that point at the server (503, configuration) keep theirs.
 */
const CLIENT_ERROR_STACK_LIMIT = 0;

/** 400 `invalid_request`: malformed Authorization, two tokens, two methods. */
export class InvalidRequestError extends JwtGuardError {
  readonly status = 400;
  constructor(code: JwtGuardErrorCode, description: string, options?: ErrorOptions) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = CLIENT_ERROR_STACK_LIMIT;
    super(code, description, 'invalid_request', options);
    Error.stackTraceLimit = limit;
  }
}

/** 401 `invalid_token`: anything that is not a verified, valid, unrevoked token. */
export class InvalidTokenError extends JwtGuardError {
  readonly status = 401;
  /** The claim at fault, where one is (`exp`, `aud`, ...). */
  readonly claim: string | undefined;
  constructor(code: JwtGuardErrorCode, description: string, options?: ErrorOptions & { claim?: string }) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = CLIENT_ERROR_STACK_LIMIT;
    super(code, description, 'invalid_token', options);
    Error.stackTraceLimit = limit;
    this.claim = options?.claim;
  }
}

/** 403 `insufficient_scope`, naming the scope(s) the resource needs. */
export class InsufficientScopeError extends JwtGuardError {
  readonly status = 403;
  readonly scopes: string[];
  constructor(
    scopes: string[],
    description = 'Insufficient scope',
    code: JwtGuardErrorCode = 'ERR_INSUFFICIENT_SCOPE',
  ) {
    super(code, description, 'insufficient_scope');
    this.scopes = scopes;
  }
  protected override challengeParams(): Record<string, string | undefined> {
    return { ...super.challengeParams(), scope: this.scopes.length ? this.scopes.join(' ') : undefined };
  }
}

/** 401 `invalid_dpop_proof` (RFC 9449 §7.1): the DPoP proof is missing, malformed or does not fit the request. */
export class InvalidDpopProofError extends JwtGuardError {
  readonly status = 401;
  constructor(code: JwtGuardErrorCode, description: string, options?: ErrorOptions) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = CLIENT_ERROR_STACK_LIMIT;
    super(code, description, 'invalid_dpop_proof', options);
    Error.stackTraceLimit = limit;
    this.scheme = 'DPoP';
  }
}

/**
 * 401 `use_dpop_nonce` (RFC 9449 §8): the proof must carry a nonce from the server; the fresh one is in
 * the `DPoP-Nonce` header, and the client retries with it.
 */
export class UseDpopNonceError extends JwtGuardError {
  readonly status = 401;
  readonly nonce: string;
  constructor(nonce: string, description = 'Resource server requires a DPoP nonce') {
    super('ERR_DPOP_NONCE_REQUIRED', description, 'use_dpop_nonce');
    this.scheme = 'DPoP';
    this.nonce = nonce;
  }
  override get headers(): Record<string, string> {
    return { 'WWW-Authenticate': this.challenge(), 'DPoP-Nonce': this.nonce };
  }
}

/** 503: a dependency needed for a safe answer is down (JWKS with no cached key, denylist or replay store fail-closed). */
export class UnavailableError extends JwtGuardError {
  readonly status = 503;
  readonly retryAfter: number;
  constructor(code: JwtGuardErrorCode, description: string, retryAfterSeconds = 5, options?: ErrorOptions) {
    super(code, description, undefined, options);
    this.retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
  }
  override get headers(): Record<string, string> {
    return { 'Retry-After': String(this.retryAfter) };
  }
  override toJSON(): { error: string; error_description: string } {
    return { error: 'temporarily_unavailable', error_description: this.description };
  }
}

/** Thrown at construction when options are unsafe or inconsistent; the message says how to fix them. */
export class ConfigurationError extends Error {
  readonly code: JwtGuardErrorCode = 'ERR_CONFIGURATION';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationError';
  }
}

export function isJwtGuardError(value: unknown): value is JwtGuardError {
  return value instanceof JwtGuardError;
}
