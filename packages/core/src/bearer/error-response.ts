// One rendering of a JwtGuardError for every adapter, so Express, Koa and Hono answer with the same status,
// the same RFC 6750 §3 challenge (or `Retry-After` for a 503) and the same `{ error, error_description }` body.
import type { JwtGuardError } from '../errors.js';

export interface ErrorResponseBody {
  error: string;
  error_description: string;
}

export interface ErrorResponse {
  status: number;
  /** `WWW-Authenticate` (401/400/403) or `Retry-After` (503), plus the JSON content type. */
  headers: Record<string, string>;
  body: ErrorResponseBody;
}

/** The HTTP response for `err`: status, headers and the JSON body (serialise it with `JSON.stringify`). */
export function errorResponse(err: JwtGuardError): ErrorResponse {
  return {
    status: err.status,
    headers: { ...err.headers, 'Content-Type': 'application/json; charset=utf-8' },
    body: err.toJSON(),
  };
}
