// Public types of @jwtguard/core. Adapters, stores and users code against these; keep them stable.
import type { JWK } from 'jose';
import type { JwtGuardErrorCode } from './error-codes.js';

/** Claims of a verified access token. Extend it to declare your own claims. */
export interface JwtPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  scope?: string;
  scp?: string | string[];
  client_id?: string;
  [claim: string]: unknown;
}

/** The protected header of a verified token. */
export interface JwtHeader {
  alg: string;
  kid?: string;
  typ?: string;
  cty?: string;
  crit?: string[];
  [parameter: string]: unknown;
}

/** What `verify` resolves to, and what adapters attach as `req.auth` / `ctx.state.auth` / `c.var.auth`. */
export interface AuthResult<P extends JwtPayload = JwtPayload> {
  /** The compact JWS exactly as received. */
  token: string;
  header: JwtHeader;
  payload: P;
  /** Granted scopes, read from the configured scope claim(s). */
  scopes: string[];
  /** The issuer whose keys verified the token (equals `payload.iss`). */
  issuer: string;
  /**
   * Set for a DPoP request (RFC 9449): the thumbprint of the proof key the token is bound to, and, when
   * server nonces are on, the nonce to send back in `DPoP-Nonce` (the adapters do).
   */
  dpop?: { jkt: string; nonce?: string };
}

/**
 * Header input as the frameworks hand it over: a Fetch `Headers`, a Node-style record (repeated headers as
 * arrays), or Node's flat `rawHeaders` list (`[name, value, name, value, ...]`), which is the only form that
 * still shows a repeated `Authorization` header.
 */
export type HeaderInput =
  Headers | Readonly<Record<string, string | readonly string[] | undefined>> | readonly string[];

/** The parts of an HTTP request that verification and `validate` hooks may look at. */
export interface RequestContext {
  method?: string;
  url?: string;
  headers?: HeaderInput;
  /** Peer address (for sender-constraining or IP allow-lists in `validate`). */
  clientAddress?: string;
  /** How the token was presented: `Authorization: Bearer` (default) or `Authorization: DPoP` (RFC 9449 §7.1). */
  scheme?: 'Bearer' | 'DPoP';
  /** The request's scheme and host (`https://api.example.com`), for a DPoP proof's `htu`. */
  origin?: string;
  /**
   * The client certificate of the TLS connection, DER bytes (RFC 8705 §3), or a function reading it: called
   * only for a token bound by `cnf["x5t#S256"]` with `mtls` on, so other requests never pay for the read.
   * The adapters pass Node's `socket.getPeerCertificate(false).raw`; never fill it from a request header.
   */
  clientCertificate?: Uint8Array | (() => Uint8Array | undefined);
}

/** Static key material: PEM (SPKI or X.509 certificate), a public JWK or JWKS, a KeyObject/CryptoKey, or an HMAC secret. */
export type KeyInput =
  | string
  | JWK
  | { keys: JWK[] }
  | CryptoKey
  | Uint8Array
  | { key: string | JWK | CryptoKey | Uint8Array | KeyObjectLike; alg?: string; kid?: string }
  | KeyObjectLike;

/** Structural stand-in for Node's `KeyObject`, so core's types do not depend on `node:crypto`. */
export interface KeyObjectLike {
  readonly type: 'public' | 'private' | 'secret';
  readonly asymmetricKeyType?: string;
  export(options?: unknown): unknown;
}

/** One trusted issuer with its own key source and (optionally) its own audience. */
export interface IssuerConfig {
  issuer: string;
  audience?: string | string[];
  jwksUri?: string;
  keys?: KeyInput | KeyInput[];
  algorithms?: string[];
  /** Discover `jwks_uri` from the issuer's metadata when neither `jwksUri` nor `keys` is given. Default true. */
  discovery?: boolean;
}

/** A revocation check. Consulted only after signature and claims pass. */
export interface Denylist {
  isRevoked(result: AuthResult): boolean | Promise<boolean>;
}

export type DenylistHook = Denylist | ((result: AuthResult) => boolean | Promise<boolean>);

export interface JwksCacheOptions {
  /** Keep a fetched JWKS this long when the response has no usable `Cache-Control` (default '10m'). */
  cacheMaxAge?: number | string;
  /** Bounds applied to `Cache-Control: max-age` (default '30s' .. '1d'). */
  minCacheAge?: number | string;
  maxCacheAge?: number | string;
  /** Minimum interval between refetches triggered by an unknown `kid`, per issuer (default '5s'). */
  cooldown?: number | string;
  /** Global cap on unknown-kid refetches across all issuers, per minute (default 60). */
  refetchBudgetPerMinute?: number;
  /** Fetch timeout (default '5s'). */
  timeout?: number | string;
  /** Serve the last good set this long past its expiry while the endpoint fails (default '1d'). */
  staleIfError?: number | string;
  /** Refresh in the background when this fraction of the TTL is left (default 0.1). */
  refreshAhead?: number;
  /** Largest JWKS body accepted, in bytes (default 512 KiB), and most keys kept (default 100). */
  maxBytes?: number;
  maxKeys?: number;
}

export interface TokenCacheOptions {
  /** Most cached verified tokens (default 10 000); the least recently used is evicted first. */
  max?: number;
  /** Longest an entry is trusted, seconds or a duration string (default '10m'); never past the token's `exp`. */
  ttl?: number | string;
}

export interface VerifierOptions {
  /** The accepted `iss` value(s): strings share the top-level keys; an IssuerConfig brings its own. */
  issuer: string | Array<string | IssuerConfig>;
  /** Required: an API that accepts any audience is a bug. */
  audience: string | string[];
  jwksUri?: string;
  keys?: KeyInput | KeyInput[];
  /** Allow-list; default derived from keys / discovery. `none` is never allowed. */
  algorithms?: string[];
  /** Seconds, or a duration string such as "30s" (default 5 s). */
  clockTolerance?: number | string;
  /** Refuse tokens whose `iat` is older than this (requires `iat`). */
  maxTokenAge?: number | string;
  requiredClaims?: string[];
  /** e.g. "at+jwt" (RFC 9068); `application/` prefix and case are normalised. */
  typ?: string | string[];
  /** Default: "scope" (space-delimited) then "scp". */
  scopeClaim?: string | string[];
  /** Require `exp` (default true). */
  requireExp?: boolean;
  denylist?: DenylistHook;
  /** Default 'closed' (503). 'open' must be chosen explicitly. */
  denylistFailure?: 'closed' | 'open';
  /** Bound on a denylist answer before it counts as unavailable (default '250ms'). */
  denylistTimeout?: number | string;
  validate?: (result: AuthResult, context: RequestContext) => void | Promise<void>;
  /** Largest accepted token in bytes, checked before any decoding (default 8192). */
  maxTokenLength?: number;
  cache?: { jwks?: JwksCacheOptions; tokens?: false | TokenCacheOptions };
  /** Injectable fetch, for proxies and tests. */
  fetch?: typeof fetch;
  /** Injectable clock in milliseconds since the epoch (default Date.now). */
  clock?: () => number;
  onEvent?: (event: JwtGuardEvent) => void;
  /** Sender-constrained tokens (RFC 9449): `true` or options. Off by default. */
  dpop?: boolean | DpopOptions;
  /** Certificate-bound tokens (RFC 8705 §3, `cnf["x5t#S256"]`): `true` or options. Off by default. */
  mtls?: boolean | MtlsOptions;
}

export interface Verifier<P extends JwtPayload = JwtPayload> {
  verify(token: string, context?: RequestContext): Promise<AuthResult<P>>;
  /**
   * `verify` without the promise when the answer is at hand (static keys or a fresh JWKS, a key already
   * converted, no async `validate` or denylist): the result, or a native Promise when something had to be
   * awaited; a refusal made before any await is thrown. Middleware uses it to continue synchronously.
   * Every verifier made by `createVerifier` has it; a Verifier of your own may leave it out (adapters then
   * await `verify`).
   */
  verifyNow?(token: string, context?: RequestContext): AuthResult<P> | Promise<AuthResult<P>>;
  /** What a DPoP challenge says when `dpop` is on (accepted `algs`, whether only DPoP is accepted). */
  readonly dpop?: DpopChallenge;
  /** Resolves when the configured key sources are ready (fetches JWKS eagerly); optional warm-up. */
  warmUp(): Promise<void>;
}

export type JwtGuardEvent =
  | { type: 'token.accepted'; issuer: string; kid?: string; cached: boolean }
  | { type: 'token.rejected'; code: JwtGuardErrorCode; issuer?: string }
  | { type: 'jwks.fetched'; uri: string; keys: number; ignored: number; durationMs: number }
  | { type: 'jwks.failed'; uri: string; reason: string }
  | { type: 'jwks.stale'; uri: string; ageMs: number }
  | { type: 'denylist.unavailable'; reason: string };

export interface DpopOptions {
  /** Accept only DPoP (default false: Bearer tokens without `cnf.jkt` keep working, DPoP ones are checked). */
  required?: boolean;
  /** Accepted proof algorithms (default ES256, EdDSA, Ed25519, PS256, RS256); asymmetric only. */
  algorithms?: string[];
  /** How far a proof's `iat` may be from the server's clock, either way (default 60 s). */
  proofMaxAge?: number | string;
  /**
   * Server nonces (RFC 9449 §8): `true` for a random secret of this process (one instance only), or a
   * shared `secret` (32+ bytes) so every instance accepts every other's nonces; `window` (default '1m') is
   * how long one nonce is handed out (two windows are accepted).
   */
  nonce?: true | { secret: string | Uint8Array; window?: number | string };
  /** Where used proof ids are kept (default: in memory; share one across instances, e.g. Redis). */
  replayStore?: ReplayStore;
  /**
   * The API's external URL (`https://api.example.com`, optionally with a path prefix), for `htu` behind a
   * proxy that terminates TLS or rewrites the host. Default: the request's own scheme and Host.
   */
  publicUrl?: string;
}

export interface MtlsOptions {
  /**
   * A TLS-terminating proxy in front of this server that forwards the client certificate in the RFC 9440
   * `Client-Cert` header. The header is read only on requests whose peer address (`clientAddress`) is one of
   * `addresses` (IP addresses, exactly), and on those the connection's own certificate is ignored: it is the
   * proxy's. From any other peer the header is ignored, since any client can send it. Default: no proxy.
   */
  trustedProxy?: { addresses: string[] };
}

/** Where used proof ids are remembered. Share one (Redis: `createRedisReplayStore`) across instances. */
export interface ReplayStore {
  /**
   * Records `id` as used until `expiresAt` (seconds since the epoch). True when it was not used before;
   * false for a replay. Throws (or rejects) when the store cannot tell, which refuses the request with 503.
   */
  markUsed(id: string, expiresAt: number): boolean | Promise<boolean>;
}

/** What a DPoP challenge says, set on every refusal by a guard or verifier with `dpop` on. */
export interface DpopChallenge {
  /** The `algs` parameter: the proof algorithms accepted. */
  readonly algorithms: readonly string[];
  /** Only DPoP is accepted: the challenge is `DPoP` alone. */
  readonly required: boolean;
}
