// OAuth 2.0 error responses (RFC 6749 §5.2, RFC 7009 §2.2.1). The `error` code is what clients branch on;
// the description is for humans and never carries secrets or internals.

export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'unsupported_token_type'
  | 'server_error';

export class OAuthError extends Error {
  readonly error: OAuthErrorCode;
  /** HTTP status of the error response: 401 for invalid_client, 500 for server_error, 400 otherwise. */
  readonly status: number;
  /** Extra response headers (the Basic challenge of an invalid_client, RFC 6749 §5.2). */
  readonly headers: Record<string, string>;

  constructor(
    error: OAuthErrorCode,
    description: string,
    options: { headers?: Record<string, string> } = {},
  ) {
    super(description);
    this.name = 'OAuthError';
    this.error = error;
    this.status = error === 'invalid_client' ? 401 : error === 'server_error' ? 500 : 400;
    this.headers = options.headers ?? {};
  }

  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}

export function isOAuthError(value: unknown): value is OAuthError {
  return value instanceof OAuthError;
}
