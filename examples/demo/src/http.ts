// The demo's HTTP client: what was sent and what came back, in the shape the transcript prints.

export interface Reply {
  status: number;
  /** The WWW-Authenticate challenge, if any. */
  challenge: string | null;
  body: unknown;
}

export interface SendOptions {
  method?: 'GET' | 'POST';
  /** Sent as `Authorization: Bearer <token>`, or `DPoP <token>` with `dpop`. */
  token?: string;
  /** A DPoP proof for this very request (RFC 9449): the token is then sent with the DPoP scheme. */
  dpop?: string;
  json?: unknown;
  form?: Record<string, string>;
}

export async function send(url: string, options: SendOptions = {}): Promise<Reply> {
  const headers = new Headers();
  let body: string | undefined;
  const scheme = options.dpop === undefined ? 'Bearer' : 'DPoP';
  if (options.token !== undefined) headers.set('authorization', `${scheme} ${options.token}`);
  if (options.dpop !== undefined) headers.set('dpop', options.dpop);
  if (options.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(options.json);
  } else if (options.form !== undefined) {
    headers.set('content-type', 'application/x-www-form-urlencoded');
    body = new URLSearchParams(options.form).toString();
  }
  const response = await fetch(url, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  let parsed: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') {
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      // Left as text: the transcript shows it as it came.
    }
  }
  return { status: response.status, challenge: response.headers.get('www-authenticate'), body: parsed };
}

/** A short, one-line rendering of what came back, for the transcript. */
export function summary(reply: Reply): string {
  if (reply.challenge) return `WWW-Authenticate: ${reply.challenge}`;
  const body = reply.body as { error?: unknown; error_description?: unknown } | null;
  if (body && typeof body === 'object' && typeof body.error === 'string') {
    return `${body.error}: ${String(body.error_description ?? '')}`;
  }
  const items = (reply.body as { items?: unknown } | null)?.items;
  if (Array.isArray(items)) return `${items.length} items`;
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
  return text.length > 90 ? `${text.slice(0, 87)}...` : text;
}
