// Bearer token extraction (RFC 6750 §2). Ambiguity is an error, never a guess: two Authorization values,
// two credentials in one value, or a token sent by two methods at once (§2: clients MUST NOT use more than
// one) answer 400 `invalid_request`, so a proxy and the app cannot disagree about which token was checked.
import { InvalidRequestError } from '../errors.js';
import type { AuthScheme } from './challenge.js';
import { headerValues } from './header-values.js';
import type { HeaderInput } from '../types.js';

export interface ExtractTokenOptions {
  /** Also accept the token from this cookie (opt-in; beware CSRF on state-changing routes). */
  cookie?: string;
  /** Replace the built-in lookup entirely: return the token, or undefined when there is none. */
  getter?: (headers: HeaderInput) => string | undefined;
  /**
   * Also accept the token from this URI query parameter, e.g. "access_token" (RFC 6750 §2.3; off by default
   * because URLs end up in logs and Referer headers). Needs `url`.
   */
  queryParameter?: string;
  /** The request URL (absolute or path + query), for `queryParameter`. */
  url?: string;
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
// RFC 9110 §11.4: auth-scheme = token.
const SCHEME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const LINE_TERMINATOR = /[\n\r\u2028\u2029]/;

/**
 * The bearer token of a request, or undefined when it carries none (a different auth scheme counts as none).
 * Throws InvalidRequestError (400) for a malformed or ambiguous request.
 *
 * @example
 * const token = extractToken(req.headers, { cookie: 'access_token' });
 * if (token === undefined) throw new UnauthorizedError();
 */
export function extractToken(headers: HeaderInput, options: ExtractTokenOptions = {}): string | undefined {
  return findToken(headers, options, true, false)?.token;
}

/** A token and the scheme it came with: `DPoP` only from `Authorization: DPoP` when DPoP is accepted. */
export interface Credentials {
  token: string;
  scheme: AuthScheme;
}

/**
 * extractToken for a guard: with `acceptDpop` (RFC 9449 §7.1), `Authorization: DPoP <token>` is a credential
 * like `Bearer`, with the same syntax and ambiguity rules. Without `checkSyntax` the b64token scan of the
 * header's token (a pass over every character) is skipped: for a caller that verifies the token next (a
 * token that verifies is base64url and dots) and asks again with the scan when verification refuses it.
 */
export function extractCredentials(
  headers: HeaderInput,
  options: ExtractTokenOptions,
  acceptDpop: boolean,
  checkSyntax = true,
): Credentials | undefined {
  return findToken(headers, options, checkSyntax, acceptDpop);
}

function findToken(
  headers: HeaderInput,
  options: ExtractTokenOptions,
  checkSyntax: boolean,
  acceptDpop: boolean,
): Credentials | undefined {
  if (options.getter) {
    const token = options.getter(headers);
    return token === undefined || token === '' ? undefined : { token, scheme: 'Bearer' };
  }
  const found: Credentials[] = [];
  const fromHeader = authorizationToken(headerValues(headers, 'authorization'), checkSyntax, acceptDpop);
  if (fromHeader !== undefined) found.push(fromHeader);
  if (options.cookie !== undefined) {
    const fromCookie = cookieValue(headerValues(headers, 'cookie'), options.cookie);
    if (fromCookie !== undefined) found.push({ token: fromCookie, scheme: 'Bearer' });
  }
  if (options.queryParameter !== undefined && options.url !== undefined) {
    const values = new URL(options.url, 'http://localhost').searchParams.getAll(options.queryParameter);
    if (values.length > 1) throw ambiguous();
    if (values[0] !== undefined && values[0] !== '') found.push({ token: values[0], scheme: 'Bearer' });
  }
  if (found.length > 1) throw ambiguous();
  return found[0];
}

function ambiguous(): InvalidRequestError {
  return new InvalidRequestError('ERR_INVALID_REQUEST', 'Request must carry exactly one access token');
}

function authorizationToken(
  values: readonly string[],
  checkSyntax: boolean,
  acceptDpop: boolean,
): Credentials | undefined {
  if (values.length === 0) return undefined;
  if (values.length > 1) throw ambiguous();
  const value = (values[0] as string).trim();
  if (value === '') return undefined;
  // A comma means several credentials folded into one field (RFC 9110 §5.3): which one counts is ambiguous.
  if (value.includes(',')) throw ambiguous();
  // credentials = auth-scheme [ 1*SP rest ], split by hand: a regular expression capturing the rest of the
  // header copies and scans it again, on every request.
  const space = value.indexOf(' ');
  const scheme = space === -1 ? value : value.slice(0, space);
  let start = space + 1;
  while (space !== -1 && value.charCodeAt(start) === 0x20) start++;
  const token = space === -1 ? undefined : value.slice(start);
  if (!SCHEME.test(scheme)) throw malformed();
  // Auth schemes are case-insensitive (RFC 9110 §11.1).
  const found: AuthScheme | undefined =
    scheme.length === 6 && scheme.toLowerCase() === 'bearer'
      ? 'Bearer'
      : acceptDpop && scheme.length === 4 && scheme.toLowerCase() === 'dpop'
        ? 'DPoP'
        : undefined;
  if (found !== undefined && token !== undefined && !checkSyntax) return { token, scheme: found };
  const wellFormed = token !== undefined && B64TOKEN.test(token);
  if (token !== undefined && !wellFormed && LINE_TERMINATOR.test(token)) throw malformed();
  // Another scheme (Basic, or DPoP where it is not accepted) is not ours: the request carries no token.
  if (found === undefined) return undefined;
  if (!wellFormed) {
    throw new InvalidRequestError(
      'ERR_INVALID_REQUEST',
      `Authorization must be "${found}" followed by one token`,
    );
  }
  return { token, scheme: found };
}

function malformed(): InvalidRequestError {
  return new InvalidRequestError('ERR_INVALID_REQUEST', 'Malformed Authorization header');
}

function cookieValue(values: readonly string[], name: string): string | undefined {
  const matches: string[] = [];
  for (const header of values) {
    for (const pair of header.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
      let value = pair.slice(eq + 1).trim();
      if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
      if (value !== '') matches.push(value);
    }
  }
  // Two cookies of the same name (e.g. set for different paths or by a sibling subdomain): ambiguous.
  if (matches.length > 1) throw ambiguous();
  return matches[0];
}
