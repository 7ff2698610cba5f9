// Fetching a JSON document (a JWKS or an authorization server's metadata) from a network we do not trust to
// behave: it may hang, answer with an HTML error page, or stream gigabytes. Every fetch is bounded in time
// (one AbortSignal covers the headers and the body) and in size (counted while the body streams, so an
// oversized answer is cut off at the cap instead of being buffered first).
import { parseJsonObject } from '../jws/strict-json.js';

export interface JsonFetchOptions {
  fetch: typeof fetch;
  /** Aborts the request and the body read; the caller owns the deadline. */
  signal: AbortSignal;
  maxBytes: number;
}

export interface JsonDocument {
  body: Record<string, unknown>;
  /** Freshness lifetime from `Cache-Control: max-age` minus `Age`, when the response gives one. */
  maxAgeMs: number | undefined;
}

/** Why a fetch failed, in words safe for logs and events (never the body). */
export class FetchFailure extends Error {
  constructor(
    message: string,
    /** HTTP status, when a response arrived. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'FetchFailure';
  }
}

/** GET `url` and parse its body as a JSON object, within `signal` and `maxBytes`. */
export async function fetchJsonDocument(url: string, options: JsonFetchOptions): Promise<JsonDocument> {
  const { signal } = options;
  const response = await untilAborted(
    options.fetch(url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      signal,
      redirect: 'follow',
    }),
    signal,
  );
  try {
    // fetch follows redirects, including https → http; keys must not arrive over a downgraded channel.
    if (response.redirected && !isTrustedKeyUrl(response.url)) {
      throw new FetchFailure('redirected to a URL that is neither https nor loopback http');
    }
    if (response.status !== 200) throw new FetchFailure(`HTTP ${response.status}`, response.status);
    const type = response.headers.get('content-type');
    // JWKS (RFC 7517 §8.5 application/jwk-set+json), metadata (application/json); an HTML error page or a
    // captive portal answering 200 is refused before it is parsed.
    if (type !== null && !/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(type.trim())) {
      throw new FetchFailure(`unexpected content-type ${JSON.stringify(type.slice(0, 80))}`);
    }
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > options.maxBytes) {
      throw new FetchFailure(`body of ${declared} bytes exceeds the ${options.maxBytes} byte limit`);
    }
    const bytes = await readBounded(response, options.maxBytes, signal);
    let body: Record<string, unknown>;
    try {
      body = parseJsonObject(bytes, 'document');
    } catch {
      throw new FetchFailure('body is not a JSON object');
    }
    return { body, maxAgeMs: freshnessLifetime(response.headers) };
  } finally {
    // Releases the connection when we stopped early (status, type or size refused).
    if (!response.bodyUsed) await response.body?.cancel().catch(() => undefined);
  }
}

/** https anywhere; plain http only on loopback, where there is no network to tamper with the keys. */
export function isTrustedKeyUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

async function readBounded(response: Response, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    for (;;) {
      const { done, value } = await untilAborted(reader.read(), signal);
      if (done) break;
      length += value.byteLength;
      if (length > maxBytes) throw new FetchFailure(`body exceeds the ${maxBytes} byte limit`);
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/**
 * RFC 9111 §5.2.2.1 `max-age` minus §5.1 `Age`. `no-store`/`no-cache` mean "do not reuse without asking",
 * which for us is the shortest allowed lifetime (0 here, raised to the configured minimum by the cache).
 */
export function freshnessLifetime(headers: Headers): number | undefined {
  const value = headers.get('cache-control');
  if (value === null) return undefined;
  let maxAge: number | undefined;
  for (const directive of value.split(',')) {
    const [rawName, rawArgument] = directive.split('=', 2) as [string, string | undefined];
    const name = rawName.trim().toLowerCase();
    if (name === 'no-store' || name === 'no-cache') return 0;
    if (name === 'max-age' && rawArgument !== undefined) {
      const seconds = rawArgument.trim().replace(/^"(.*)"$/, '$1');
      if (/^\d+$/.test(seconds)) maxAge = Number(seconds);
    }
  }
  if (maxAge === undefined) return undefined;
  const age = Number(headers.get('age') ?? 0);
  return Math.max(0, maxAge - (Number.isFinite(age) && age > 0 ? age : 0)) * 1000;
}

/** Reject as soon as `signal` aborts, even when `promise` (an injected fetch) ignores the signal. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(abortFailure(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortFailure(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(signal.aborted ? abortFailure(signal) : networkFailure(error));
      },
    );
  });
}

function abortFailure(signal: AbortSignal): FetchFailure {
  const reason: unknown = signal.reason;
  return reason instanceof FetchFailure ? reason : new FetchFailure('aborted');
}

function networkFailure(error: unknown): Error {
  if (error instanceof FetchFailure) return error;
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return new FetchFailure(`network error${cause}`);
}
