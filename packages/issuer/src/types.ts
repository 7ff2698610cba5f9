// The public types of the issuer: its options, the inputs and results of its methods, its events and its
// HTTP handlers. Types only, so every module can depend on them without depending on another's code.
import type { ReplayStore } from '@jwtguard/core';
import type { JSONWebKeySet, JWK } from 'jose';
import type { ClientConfig } from './client-auth.js';
import type { KeyStore, SigningAlgorithm } from './key-store.js';
import type { RefreshTokenStore } from './refresh-store.js';
import type { RevocationLogStore } from './revocation-log.js';
import type { ExternalSigner } from './signer.js';
import type { KeyStatus, RotationInfo } from './signing-keys.js';

/**
 * Where revocations go: the denylist the verifiers consult. Core's `createMemoryDenylist()` and
 * `@jwtguard/redis`'s `createRedisDenylist()` both have this shape.
 */
export interface RevocationTarget {
  revoke(entry: { iss?: string; jti: string; exp: number }): void | Promise<void>;
  revokeSubject(entry: { iss: string; sub: string; before?: number }): void | Promise<void>;
}

/** Seconds as a number, or a string with a unit ('250ms', '30s', '15m', '12h', '30d'). */
export type Duration = number | string;

export interface IssuerOptions {
  /** The `iss` of every token, and the base URL of the endpoints (e.g. "https://auth.example.com"). */
  issuer: string;
  /** Default `aud` of access tokens. */
  audience?: string | string[];
  /** Algorithm of generated keys (default 'ES256'). */
  algorithm?: SigningAlgorithm;
  /** Where signing keys live (default: in memory). */
  keyStore?: KeyStore;
  /** Sign with a key held in a KMS/HSM instead of generated keys; disables rotateKeys(). */
  signer?: ExternalSigner;
  /** Extra public keys to publish next to an external signer (the previous KMS key during its retention). */
  publishedKeys?: JWK[];
  /** Where refresh-token families live (default: in memory). */
  refreshTokenStore?: RefreshTokenStore;
  /** The verifiers' denylist; needed to revoke access tokens (RFC 7009) and on refresh-token reuse. */
  denylist?: RevocationTarget;
  /** Lifetime of access tokens (default '15m'). */
  accessTokenLifetime?: Duration;
  /** A refresh token unused this long expires (default '14d'). */
  refreshTokenIdleLifetime?: Duration;
  /** A refresh family ends this long after the grant, however often it is used (default '90d'). */
  refreshTokenAbsoluteLifetime?: Duration;
  /** Reuse of a rotated refresh token within this window is refused without revoking the family (default 0). */
  reuseGracePeriod?: Duration;
  /** The verifiers' clock tolerance, added to key retention (default: core's `defaults.clockTolerance`). */
  clockTolerance?: Duration;
  /**
   * The verifiers' JWKS cache lifetime (default: core's `defaults.jwks.cacheMaxAge`): a new key is published
   * this long before it signs, and the JWKS is served with `Cache-Control: max-age` of this value.
   */
  jwksCacheLifetime?: Duration;
  /** Scheduled rotation (default off). */
  rotation?: RotationOptions;
  /**
   * How stale this instance's view of the key store may get before it re-reads it, so that instances
   * sharing a store (Redis, a shared file) pick up each other's rotations. Added to the publish lead and to
   * the retention of keys, because another instance may publish a new key, or stop signing with an old
   * one, this much later. Default '1m' when `keyStore` is given; `false` (never re-read except on
   * `rotateKeys()`/`tick()`) for the built-in memory store, which no other instance can write to.
   */
  keySyncInterval?: Duration | false;
  /** OAuth clients of the token and revocation endpoints. */
  clients?: ClientConfig[];
  /** Endpoint paths relative to the issuer URL (defaults: /jwks.json, /token, /revoke). */
  paths?: EndpointPaths;
  /** Advertised in discovery as `scopes_supported`. */
  scopesSupported?: string[];
  /**
   * DPoP at the token endpoint (RFC 9449 §5): a token request with a valid `DPoP` proof gets tokens bound to
   * the proof key (`cnf.jkt`, `token_type: "DPoP"`); a request without one still gets Bearer tokens.
   * `true` for the defaults, or the options below. Default off.
   */
  dpop?: boolean | IssuerDpopOptions;
  /**
   * Certificate-bound access tokens (RFC 8705 §3.1): a token request made over mutual TLS (the certificate
   * handed to `handle(request, { clientCertificate })`, or read from the TLS socket by `createNodeListener`)
   * gets an access token with `cnf: { "x5t#S256": <thumbprint> }`; a request without a certificate still gets
   * an unbound token. Discovery advertises `tls_client_certificate_bound_access_tokens` (§3.3). Default off:
   * a certificate handed over is then ignored.
   */
  mtls?: boolean;
  /**
   * The push revocation feed (docs/revocation-feed.md): every revocation becomes a signed Security Event Token
   * (RFC 8417) in a retained log, served to the listed clients as Server-Sent Events at
   * `GET {issuer}{path}`. Default off.
   */
  revocationFeed?: RevocationFeedOptions;
  /** Milliseconds since the epoch (default Date.now). */
  clock?: () => number;
  onEvent?: (event: IssuerEvent) => void;
}

export interface RevocationFeedOptions {
  /** The client ids allowed to subscribe: registered confidential clients (they authenticate with Basic). */
  clients: string[];
  /** Endpoint path relative to the issuer URL (default '/revocations'). */
  path?: string;
  /** How often an idle stream carries a heartbeat (default '2s'). */
  heartbeatInterval?: Duration;
  /** A subscriber whose unsent data passes this many bytes is disconnected (default 1 MiB). */
  maxBufferBytes?: number;
  /** Where the SETs are retained (default: `createMemoryRevocationLog()`, one instance). */
  log?: RevocationLogStore;
  /**
   * RFC 8935 push: every SET appended to the log is also POSTed to each of these receivers (https, or http on
   * a loopback address), with `authorization` as the `Authorization` header when given. Retried while the
   * entry is retained; see the README.
   */
  push?: RevocationPushReceiver[];
}

/** One RFC 8935 receiver of `revocationFeed.push`. */
export interface RevocationPushReceiver {
  url: string;
  /** The whole `Authorization` header value, e.g. `Bearer <token>`; never reported in events. */
  authorization?: string;
}

export interface IssuerDpopOptions {
  /**
   * Accepted proof algorithms, advertised as `dpop_signing_alg_values_supported` (default: core's, ES256,
   * EdDSA, PS256, RS256); asymmetric only.
   */
  algorithms?: string[];
  /** How far a proof's `iat` may be from the issuer's clock, either way (default 60 s). */
  proofMaxAge?: Duration;
  /**
   * Server nonces (RFC 9449 §8): `true` for a random secret of this process (one instance only), or a shared
   * `secret` (32+ bytes) so every instance accepts every other's nonces; `window` (default '1m') is how long
   * one nonce is handed out.
   */
  nonce?: true | DpopNonceOptions;
  /** Where used proof ids are kept (default: in memory; several instances need a shared one). */
  replayStore?: ReplayStore;
}

export interface DpopNonceOptions {
  secret: string | Uint8Array;
  window?: Duration;
}

export interface RotationOptions {
  /** Rotate when the current key has signed this long, e.g. '30d'. */
  every: Duration;
  /** How often the built-in timer checks (default '1m'); `false` leaves ticking to you (`issuer.tick()`). */
  checkInterval?: Duration | false;
}

export interface EndpointPaths {
  jwks?: string;
  token?: string;
  revocation?: string;
}

export type IssuerEvent =
  | { type: 'keys.rotated'; kid: string; activatesAt: number; nextKid: string }
  | { type: 'keys.removed'; kid: string }
  | { type: 'refresh.reused'; familyId: string; sub: string; clientId: string; revokedAccessTokens: number }
  | { type: 'tick.failed'; reason: string }
  /** Re-reading a shared key store failed; the instance keeps signing with its last view of the keys. */
  | { type: 'keys.sync_failed'; reason: string }
  /** A feed subscriber's unsent data passed `maxBufferBytes`: it was disconnected (it resumes by id). */
  | { type: 'revocation_feed.subscriber_dropped'; clientId: string; bufferedBytes: number }
  /** RFC 8935 push: the receiver (origin and path) answered 202 or 200 for entry `id`. */
  | { type: 'revocation_push.delivered'; receiver: string; id: string; status: number; attempts: number }
  /** The receiver refused the SET (a 400 with RFC 8935 §2.3 `err`/`description`, or another 4xx): not retried. */
  | {
      type: 'revocation_push.refused';
      receiver: string;
      id: string;
      status: number;
      err?: string;
      description?: string;
    }
  /** A network error, 5xx, 429 or 408: attempt `attempt` failed, the next is in `delay` ms. */
  | {
      type: 'revocation_push.retry';
      receiver: string;
      id: string;
      attempt: number;
      delay: number;
      reason: string;
    }
  /**
   * Entries not delivered to a receiver: `expired` (no longer retained, so no longer worth delivering) or
   * `queue_full` (the receiver's queue held only live entries; the entry stays in the log).
   */
  | { type: 'revocation_push.dropped'; receiver: string; reason: 'expired' | 'queue_full'; ids: string[] };

export interface IssueTokensInput {
  sub: string;
  clientId: string;
  scope?: string | string[];
  /** Default: the issuer's `audience`. */
  audience?: string | string[];
  /** Extra claims for every access token of the grant (JSON values; registered claims are ignored). */
  claims?: Record<string, unknown>;
  /** Issue a refresh token (default true). */
  refreshToken?: boolean;
  /**
   * Bind the grant to a DPoP key (RFC 9449 §6): the RFC 7638 SHA-256 thumbprint of the key of a proof your
   * login route has verified (core's `createDpopProofVerifier` gives it as `jkt`). Every access token of the
   * grant carries `cnf: { jkt }` and `tokenType` is 'DPoP'; the refresh family is bound too, so `refresh`
   * then needs the same `dpopJkt`.
   */
  dpopJkt?: string;
  /**
   * Bind the grant to a client certificate (RFC 8705 §3.1): base64url(SHA-256(DER)) of the certificate the
   * client presented over mutual TLS (`certificateThumbprint(der)` computes it). Every access token of the
   * grant carries `cnf["x5t#S256"]` (beside `jkt` when `dpopJkt` is given too). For a public client (no
   * `secret` configured, RFC 8705 §4) the refresh family is bound as well, so `refresh` then needs the same
   * `certificateThumbprint`.
   */
  certificateThumbprint?: string;
}

export interface TokenSet {
  accessToken: string;
  /** 'DPoP' when the access token is bound to a DPoP key (`cnf.jkt`, RFC 9449 §5), 'Bearer' otherwise. */
  tokenType: 'Bearer' | 'DPoP';
  /** Seconds until the access token expires. */
  expiresIn: number;
  scope: string;
  refreshToken?: string;
  /** The access token's `jti` and `exp` (seconds), e.g. for logging or an immediate revoke. */
  jti: string;
  exp: number;
}

export interface RefreshInput {
  /** The client presenting the token; it must be the client the grant belongs to. */
  clientId?: string;
  /** A narrower scope (RFC 6749 §6); must be within the grant's scope. */
  scope?: string | string[];
  /**
   * The thumbprint of the DPoP key the refresh request was proven with (RFC 9449 §5). A family bound to a
   * key is refreshed only with that key's thumbprint (otherwise invalid_grant, and the token is not spent);
   * the new access token is bound to it (`cnf.jkt`, `tokenType` 'DPoP'). A family not yet bound becomes bound
   * to it unless the family's client is configured with a `secret` (a confidential client, RFC 9449 §5).
   */
  dpopJkt?: string;
  /**
   * The thumbprint of the client certificate the refresh request was made with (RFC 8705 §3.1). A family
   * bound to a certificate is refreshed only with that certificate's thumbprint (otherwise invalid_grant, and
   * the token is not spent); the new access token is bound to it (`cnf["x5t#S256"]`). A family not yet bound
   * becomes bound to it unless the family's client is configured with a `secret` (RFC 8705 §4: refresh
   * tokens of public clients are bound).
   */
  certificateThumbprint?: string;
}

/** RFC 7009 §2.1 token_type_hint values for the two kinds of token this issuer hands out. */
export type TokenTypeHint = 'access_token' | 'refresh_token';

export interface RevokeInput {
  /**
   * RFC 7009 §2.1 token_type_hint: which kind to look for first. Only a hint: when the token is not of that
   * kind, the other kind is still looked for.
   */
  hint?: TokenTypeHint;
  /** The requesting client: a token issued to another client is left alone (RFC 7009 §2.1). */
  clientId?: string;
}

/** The DER bytes of a client certificate, or a function answering them (undefined: none was presented). */
export type ClientCertificateSource = Uint8Array | (() => Uint8Array | undefined);

/**
 * What a `Request` cannot carry: facts about the connection it came on. A `Request` has no TLS information,
 * so the server that terminated TLS hands the client certificate over here (never through a header).
 */
export interface HandlerContext {
  /**
   * The certificate the client presented in the TLS handshake (RFC 8705 §3), as DER bytes or a reader
   * called only when a token request needs it (core's `nodePeerCertificateReader(socket)` is one).
   */
  clientCertificate?: ClientCertificateSource | undefined;
}

export type Handler = (request: Request, context?: HandlerContext) => Promise<Response>;

export interface IssuerHandlers {
  discovery: Handler;
  jwks: Handler;
  token: Handler;
  revocation: Handler;
  /** The revocation feed's SSE endpoint; present when `revocationFeed` is configured. */
  revocationFeed?: Handler;
  /** Route by path to one of the above; 404 JSON for anything else. */
  handle: Handler;
}

export interface Issuer {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  readonly revocationEndpoint: string;
  /** The revocation feed's URL (`revocation_feed_endpoint` in discovery); undefined without `revocationFeed`. */
  readonly revocationFeedEndpoint: string | undefined;
  /** Resolves once keys are loaded (every method awaits it too). */
  ready(): Promise<void>;
  issueTokens(input: IssueTokensInput): Promise<TokenSet>;
  /** Exchange a refresh token for a new pair; throws OAuthError('invalid_grant') when it cannot. */
  refresh(refreshToken: string, input?: RefreshInput): Promise<TokenSet>;
  /** RFC 7009: revoke an access token (into the denylist) or a refresh token (its family). Unknown: no-op. */
  revoke(token: string, input?: RevokeInput): Promise<void>;
  /** Log out everywhere: refuse the subject's earlier access tokens and revoke its refresh families. */
  revokeSubject(sub: string): Promise<void>;
  rotateKeys(): Promise<RotationInfo>;
  /** The published JWKS (current, next and retired keys). */
  jwks(): Promise<JSONWebKeySet>;
  keyStatus(): Promise<KeyStatus[]>;
  /** Run the schedule once at the clock's current time: rotate when due, drop removed keys. */
  tick(): Promise<void>;
  /** Sign arbitrary claims with the current key (typ at+jwt unless given). For tests and custom flows. */
  signToken(payload: Record<string, unknown>, header?: { typ?: string }): Promise<string>;
  readonly handlers: IssuerHandlers;
  /** Route a request to the right handler (discovery, JWKS, token, revocation) or 404. */
  handle(request: Request, context?: HandlerContext): Promise<Response>;
  readonly clients: ReadonlyMap<string, ClientConfig>;
  readonly options: ResolvedIssuerOptions;
  /** Stop the timer, end every revocation-feed stream and stop pushing (RFC 8935) to receivers. */
  close(): Promise<void>;
}

export interface ResolvedIssuerOptions {
  accessTokenLifetime: number;
  jwksCacheLifetime: number;
  audience: string[];
  scopesSupported: string[] | undefined;
  algorithm: SigningAlgorithm;
}
