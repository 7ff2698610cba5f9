// The framework-agnostic half of every adapter: one verifier built at setup, token location, optional mode,
// CORS preflight and realm. Adapters translate their request into a GuardRequest and the outcome back into
// their conventions; every decision lives here so Express, Koa and Hono cannot drift apart.
import { ConfigurationError, InvalidTokenError, UnauthorizedError, isJwtGuardError } from '../errors.js';
import { assertKnownOptions } from '../config/option-names.js';
import { VERIFIER_OPTION_NAMES } from '../options.js';
import { extractCredentials, type Credentials } from './extract-token.js';
import { headerValues } from './header-values.js';
import { withRealm } from './realm.js';
import { createVerifier } from '../verifier.js';
import type {
  AuthResult,
  HeaderInput,
  JwtPayload,
  RequestContext,
  Verifier,
  VerifierOptions,
} from '../types.js';

/** Options every adapter understands, on top of the verifier's. */
export interface GuardOptions<Req = unknown> {
  /** No token → continue unauthenticated (`auth` undefined). A token that is present but bad is still refused. */
  optional?: boolean;
  /** The `realm` named in every `WWW-Authenticate` challenge (RFC 6750 §3). */
  realm?: string;
  /** Also accept the token from this cookie (opt-in; a request carrying both a header and the cookie is a 400). */
  cookie?: string;
  /** Read the token yourself (replaces the Authorization header and cookie lookup); return undefined for none. */
  getToken?: (request: Req) => string | undefined;
}

/** What an adapter hands the guard for one request. */
export interface GuardRequest<Req = unknown> {
  method: string;
  url?: string;
  /** Node's `rawHeaders` where available: the only form that still shows a repeated Authorization header. */
  headers: HeaderInput;
  clientAddress?: string;
  /** The request's scheme and host (`https://api.example.com`), for a DPoP proof's `htu`. */
  origin?: string;
  /**
   * The TLS client certificate (DER), or a function reading it, for certificate-bound tokens (RFC 8705 §3):
   * a function is called only for such a token, so an adapter passes one and other requests pay nothing.
   */
  clientCertificate?: Uint8Array | (() => Uint8Array | undefined);
  /** The framework's own request object, passed to `getToken`. */
  source: Req;
}

/** What `authenticate` answers: a guard that is not optional never answers undefined. */
export type GuardOutcome<P extends JwtPayload, Optional extends boolean> = Optional extends true
  ? AuthResult<P> | undefined
  : AuthResult<P>;

export interface Guard<P extends JwtPayload = JwtPayload, Req = unknown, Optional extends boolean = boolean> {
  readonly verifier: Verifier<P>;
  readonly realm: string | undefined;
  readonly optional: Optional;
  /** CORS preflight (RFC 9110 OPTIONS + `Access-Control-Request-Method`) carries no credentials: let it pass. */
  isPreflight(method: string, headers: HeaderInput): boolean;
  /**
   * The verified token, or undefined in optional mode when the request carries none. Rejects with a
   * JwtGuardError (with the guard's realm) otherwise.
   */
  authenticate(request: GuardRequest<Req>): Promise<GuardOutcome<P, Optional>>;
  /**
   * `authenticate` without the promise when the answer is at hand (static keys or a fresh JWKS, a key
   * already converted, no async `validate` or denylist): the result, or a promise when something had to be
   * awaited; a refusal made before any await is thrown. For middleware that can then continue synchronously.
   */
  authenticateNow(request: GuardRequest<Req>): GuardOutcome<P, Optional> | Promise<GuardOutcome<P, Optional>>;
}

const GUARD_KEYS = ['optional', 'realm', 'cookie', 'getToken'] as const satisfies ReadonlyArray<
  keyof GuardOptions
>;
const GUARD_OPTION_NAMES: ReadonlySet<string> = new Set([...VERIFIER_OPTION_NAMES, ...GUARD_KEYS]);
// RFC 9110 §5.6.2 token: what a cookie-name may be (RFC 6265 §4.1.1).
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Builds the guard once, at setup. `source` is either verifier options (optionally mixed with guard options)
 * or a Verifier shared between several apps.
 */
export function createGuard<P extends JwtPayload = JwtPayload, Req = unknown>(
  source: VerifierOptions & GuardOptions<Req> & { optional: true },
  guardOptions?: GuardOptions<Req>,
): Guard<P, Req, true>;
export function createGuard<P extends JwtPayload = JwtPayload, Req = unknown>(
  source: (VerifierOptions & GuardOptions<Req>) | Verifier<P>,
  guardOptions: GuardOptions<Req> & { optional: true },
): Guard<P, Req, true>;
export function createGuard<P extends JwtPayload = JwtPayload, Req = unknown>(
  source: (VerifierOptions & GuardOptions<Req> & { optional?: false }) | Verifier<P>,
  guardOptions?: GuardOptions<Req> & { optional?: false },
): Guard<P, Req, false>;
export function createGuard<P extends JwtPayload = JwtPayload, Req = unknown>(
  source: (VerifierOptions & GuardOptions<Req>) | Verifier<P>,
  guardOptions?: GuardOptions<Req>,
): Guard<P, Req>;
export function createGuard<P extends JwtPayload = JwtPayload, Req = unknown>(
  source: (VerifierOptions & GuardOptions<Req>) | Verifier<P>,
  guardOptions: GuardOptions<Req> = {},
): Guard<P, Req> {
  let verifier: Verifier<P>;
  let options: GuardOptions<Req>;
  if (isVerifier<P>(source)) {
    verifier = source;
    options = guardOptions;
  } else {
    if (source === null || typeof source !== 'object') {
      throw new ConfigurationError(
        'jwtGuard() takes verifier options ({ issuer, audience, ... }) or a verifier',
      );
    }
    assertKnownOptions('jwtGuard()', source, GUARD_OPTION_NAMES);
    const verifierOptions: Record<string, unknown> = { ...source };
    const inline: Record<string, unknown> = {};
    for (const key of GUARD_KEYS) {
      if (key in verifierOptions) inline[key] = verifierOptions[key];
      delete verifierOptions[key];
    }
    verifier = createVerifier(verifierOptions as unknown as VerifierOptions) as Verifier<P>;
    options = { ...(inline as GuardOptions<Req>), ...guardOptions };
  }
  assertKnownOptions('jwtGuard(): guard options', options, GUARD_KEYS);
  const { optional = false, realm, cookie, getToken } = checkOptions(options);
  const extractOptions = { cookie }; // built once: a request allocates no options object
  const verifyNow = verifyNowOf(verifier);
  // With DPoP on (RFC 9449 §7.1), `Authorization: DPoP <token>` is a credential too.
  const dpop = verifier.dpop;
  const acceptDpop = dpop !== undefined;
  // The bearer token's b64token scan (a pass over every character) is left to the refusal path when the
  // header is the only source: a token that verifies is base64url and dots. With a cookie the full extraction runs
  // first, so a malformed header next to a cookie keeps extractToken's exact answer.
  const syntaxOnRefusal = getToken === undefined && cookie === undefined;

  return {
    verifier,
    realm,
    optional,
    isPreflight: (method, headers) =>
      method.length === 7 &&
      method.toUpperCase() === 'OPTIONS' &&
      headerValues(headers, 'access-control-request-method').length > 0,
    authenticate,
    authenticateNow,
  };

  function authenticateNow(request: GuardRequest<Req>): AuthResult<P> | undefined | Promise<AuthResult<P>> {
    let credentials: Credentials | undefined;
    let result: AuthResult<P> | Promise<AuthResult<P>>;
    try {
      if (getToken) {
        const token = nonEmpty(getToken(request.source));
        credentials = token === undefined ? undefined : { token, scheme: 'Bearer' };
      } else {
        credentials = extractCredentials(request.headers, extractOptions, acceptDpop, !syntaxOnRefusal);
      }
      if (credentials === undefined) {
        if (optional) return undefined;
        throw new UnauthorizedError();
      }
      result = verifyNow(credentials.token, {
        method: request.method,
        url: request.url,
        headers: request.headers,
        clientAddress: request.clientAddress,
        origin: request.origin,
        clientCertificate: request.clientCertificate,
        // Only a DPoP request says so: a Bearer request's context keeps its shape.
        scheme: credentials.scheme === 'DPoP' ? 'DPoP' : undefined,
      });
    } catch (err) {
      throw decorate(requestError(request, err), credentials);
    }
    if (!(result instanceof Promise)) return result;
    const presented = credentials;
    return result.catch((err: unknown) => {
      throw decorate(requestError(request, err), presented);
    });
  }

  /**
   * A refused token that is not even RFC 6750 b64token syntax makes the request malformed: a 400 from the
   * full extraction, as extractToken answers, instead of the verifier's 401 (checked only on refusal).
   */
  function requestError(request: GuardRequest<Req>, err: unknown): unknown {
    if (!syntaxOnRefusal || !(err instanceof InvalidTokenError)) return err;
    try {
      extractCredentials(request.headers, extractOptions, acceptDpop);
    } catch (syntax) {
      return syntax;
    }
    return err;
  }

  async function authenticate(request: GuardRequest<Req>): Promise<AuthResult<P> | undefined> {
    return authenticateNow(request);
  }

  /** The guard's realm and DPoP challenge on every refusal; a DPoP request's refusal is a DPoP challenge. */
  function decorate(err: unknown, credentials: Credentials | undefined): unknown {
    if (!isJwtGuardError(err)) return err;
    withRealm(err, realm);
    if (dpop !== undefined) err.dpop ??= dpop;
    if (credentials?.scheme === 'DPoP') err.scheme = 'DPoP';
    return err;
  }
}

/**
 * The verifier's own `verifyNow` (a property of the object, so a verifier made by another copy of core, CJS
 * beside ESM, keeps it), else `verify` as a native promise. Callers tell "at hand" from "later" by
 * `instanceof Promise`: a foreign thenable taken for an answer would let a request through before it settled.
 */
function verifyNowOf<P extends JwtPayload>(
  verifier: Verifier<P>,
): (token: string, context: RequestContext) => AuthResult<P> | Promise<AuthResult<P>> {
  const now = verifier.verifyNow;
  if (typeof now !== 'function') return (token, context) => Promise.resolve(verifier.verify(token, context));
  return (token, context) => {
    const result = now.call(verifier, token, context);
    return result instanceof Promise || typeof (result as { then?: unknown } | undefined)?.then !== 'function'
      ? result
      : Promise.resolve(result);
  };
}

function isVerifier<P extends JwtPayload>(value: unknown): value is Verifier<P> {
  return typeof (value as Verifier<P> | null)?.verify === 'function';
}

function checkOptions<Req>(options: GuardOptions<Req>): GuardOptions<Req> {
  const { optional, realm, cookie, getToken } = options;
  if (optional !== undefined && typeof optional !== 'boolean') {
    throw new ConfigurationError('jwtGuard(): optional must be true or false');
  }
  // The realm is a quoted-string in the challenge; quotes, backslashes and control characters would break it.
  if (realm !== undefined && (typeof realm !== 'string' || !/^[\x20\x21\x23-\x5b\x5d-\x7e]+$/.test(realm))) {
    throw new ConfigurationError('jwtGuard(): realm must be printable ASCII without quotes or backslashes');
  }
  if (cookie !== undefined && (typeof cookie !== 'string' || !TOKEN.test(cookie))) {
    throw new ConfigurationError('jwtGuard(): cookie must be a cookie name such as "access_token"');
  }
  if (getToken !== undefined && typeof getToken !== 'function') {
    throw new ConfigurationError('jwtGuard(): getToken must be a function (request) => string | undefined');
  }
  if (getToken && cookie) {
    throw new ConfigurationError(
      'jwtGuard(): getToken replaces the header and cookie lookup; pass one of them',
    );
  }
  return options;
}

function nonEmpty(token: string | undefined): string | undefined {
  return token === undefined || token === '' ? undefined : token;
}
