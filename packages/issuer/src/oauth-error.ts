// OAuth 2.0 error responses (RFC 6749 §5.2, RFC 7009 §2.2.1, RFC 9449 §5 and §8). The `error` code is what
// clients branch on; the description is for humans and never carries secrets or internals.

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'unsupported_token_type'
  /** RFC 9449 §5: the DPoP proof of a token request is missing something, malformed, or replayed. */
  | 'invalid_dpop_proof'
  /** RFC 9449 §8: retry with the nonce in the `DPoP-Nonce` header. */
  | 'use_dpop_nonce'
  | 'server_error'
  /** A dependency needed for a safe answer (the DPoP replay store) is down: 503 with `Retry-After`. */
  | 'temporarily_unavailable';

const STATUS: Partial<Record<OAuthErrorCode, number>> = {
  invalid_client: 401,
  server_error: 500,
  temporarily_unavailable: 503,
};

export class OAuthError extends Error {
  readonly error: OAuthErrorCode;
  /**
   * HTTP status of the error response: 401 for invalid_client, 500 for server_error, 503 for
   * temporarily_unavailable, 400 otherwise.
   */
  readonly status: number;
  /**
   * Extra response headers: the Basic challenge of an invalid_client (RFC 6749 §5.2), `DPoP-Nonce` of a
   * use_dpop_nonce (RFC 9449 §8), `Retry-After` of a temporarily_unavailable.
   */
  readonly headers: Record<string, string>;

  constructor(
    error: OAuthErrorCode,
    description: string,
    options: { headers?: Record<string, string> } = {},
  ) {
    super(description);
    this.name = 'OAuthError';
    this.error = error;
    this.status = STATUS[error] ?? 400;
    this.headers = options.headers ?? {};
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

export function isOAuthError(value: unknown): value is OAuthError {
  return value instanceof OAuthError;
}
