// JSON in and out of the auth server's own routes. Every malformed request ends as a 400 `invalid_request`
// (the OAuth error shape the issuer's endpoints use too), never as a 500.

const MAX_BODY_BYTES = 8 * 1024;

// RFC 6749 §5.1: responses carrying tokens must not be cached.
export const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

export function json(body: unknown, status = 200, extra: Record<string, string> = {}): Response {
  const headers = new Headers(NO_STORE);
  // `set`, not a spread: header names are case-insensitive, and a caller's `Content-Type` must replace ours.
  headers.set('content-type', 'application/json');
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return new Response(JSON.stringify(body), { status, headers });
}

/** A client error with the OAuth `{ error, error_description }` body. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    description: string,
  ) {
    super(description);
    this.name = 'RequestError';
  }

  toResponse(): Response {
    return json({ error: this.error, error_description: this.message }, this.status);
  }
}

const invalid = (description: string) => new RequestError(400, 'invalid_request', description);

/** The body as a JSON object; an empty body is `{}`. */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase();
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) throw invalid('request body too large');
  if (text.trim() === '') return {};
  if (type !== 'application/json') throw invalid('send the body as application/json');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('the body is not valid JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('the body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** A required string field of at most `max` characters. */
export function requiredString(body: Record<string, unknown>, name: string, max = 200): string {
  const value = body[name];
  if (typeof value !== 'string' || value === '' || value.length > max) {
    throw invalid(`${name} must be a non-empty string of at most ${max} characters`);
  }
  return value;
}

/** An optional string field; absent or null is undefined. */
export function optionalString(body: Record<string, unknown>, name: string, max = 512): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '' || value.length > max) {
    throw invalid(`${name} must be a non-empty string of at most ${max} characters`);
  }
  return value;
}
