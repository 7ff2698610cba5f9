// The `htu` of a DPoP proof against the request it came with (RFC 9449 §4.3 check 9): the HTTP URI without
// query and fragment, compared after RFC 3986 §6.2.2 syntax-based and §6.2.3 scheme-based normalisation, so
// `HTTPS://API.example.com:443/a%7eb` and `https://api.example.com/a~b` are the same target and anything
// else (another host, port, path, a trailing dot on the host) is not.

// RFC 3986 §2: the characters a URI may contain; anything else (spaces, backslashes, controls) is refused
// rather than repaired, since a lenient parser's repairs are exactly where two readers disagree.
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
const PERCENT = /%([0-9A-Fa-f]{2})/g;
// RFC 3986 §2.3: unreserved characters, which a normaliser decodes when percent-encoded.
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * `value` normalised for comparison: scheme and host lower-cased, the default port dropped, percent-encoded
 * unreserved characters decoded and other percent-encodings upper-cased, dot segments removed, an empty
 * path as `/`, query and fragment dropped. Undefined when it is not an absolute http(s) URI.
 */
export function normaliseHtu(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 4096) return undefined;
  // The same few URIs come back on every request (an API's endpoints, each client's htu): parse each once.
  if (normalised.has(value)) return normalised.get(value);
  const result = normalise(value);
  if (normalised.size >= MAX_REMEMBERED) normalised.clear();
  normalised.set(value, result);
  return result;
}

const MAX_REMEMBERED = 1000;
const normalised = new Map<string, string | undefined>();

function normalise(value: string): string | undefined {
  if (!URI_CHARACTERS.test(value)) return undefined;
  if (/%(?![0-9A-Fa-f]{2})/.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '')
    return undefined;
  const path = url.pathname.replace(PERCENT, (match, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : match.toUpperCase();
  });
  return `${url.protocol}//${url.host}${path === '' ? '/' : path}`;
}

/**
 * The URI a request was made to, for comparison with `htu`: `publicUrl` (the API's external origin, with an
 * optional path prefix, for deployments behind a proxy that terminates TLS) or the request's own origin,
 * followed by its path. Never built from `X-Forwarded-*` headers, which any client can send.
 */
export function requestHtu(
  origin: string | undefined,
  pathAndQuery: string | undefined,
  publicUrl: string | undefined,
): string | undefined {
  const base = publicUrl ?? origin;
  if (base === undefined) return undefined;
  const path = pathAndQuery === undefined || pathAndQuery === '' ? '/' : pathAndQuery;
  if (!path.startsWith('/')) return undefined;
  const end = path.search(/[?#]/);
  return normaliseHtu(base.replace(/\/+$/, '') + (end === -1 ? path : path.slice(0, end)));
}
