// createIssuer: the token-issuing half of the lifecycle. Keys (signing-keys.ts), access tokens
// (access-token.ts), refresh-token families (refresh-store.ts), revocation into the verifiers' denylist
// (RFC 7009) and the HTTP handlers (handlers.ts) meet here.
import { ConfigurationError, toMilliseconds } from '@jwtguard/core';
import { compactVerify, createLocalJWKSet, decodeJwt, type JWK, type JSONWebKeySet } from 'jose';
import { newJti, signAccessToken } from './access-token.js';
import type { ClientConfig } from './client-auth.js';
import { createHandlers, type IssuerHandlers } from './handlers.js';
import {
  createMemoryKeyStore,
  SIGNING_ALGORITHMS,
  type KeyStore,
  type SigningAlgorithm,
} from './key-store.js';
import { createMemoryRefreshTokenStore } from './memory-refresh-store.js';
import { OAuthError } from './oauth-error.js';
import { hashRefreshToken, newFamilyId, newRefreshToken } from './refresh-token.js';
import type { RefreshFamily, RefreshTokenStore } from './refresh-store.js';
import { narrowScope, parseScope } from './scope.js';
import {
  createExternalKeyRing,
  createKeyRing,
  type KeyRing,
  type KeyStatus,
  type RotationInfo,
} from './signing-keys.js';
import { signCompact, type ExternalSigner } from './signer.js';

/**
 * Where revocations go: the denylist the verifiers consult. Core's `createMemoryDenylist()` and
 * `@jwtguard/redis`'s `createRedisDenylist()` both have this shape.
 */
export interface RevocationTarget {
  revoke(entry: { iss?: string; jti: string; exp: number }): void | Promise<void>;
  revokeSubject(entry: { iss: string; sub: string; before?: number }): void | Promise<void>;
}

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
  /** The verifiers' clock tolerance, added to key retention (default '5s', as in core). */
  clockTolerance?: Duration;
  /**
   * The verifiers' JWKS cache lifetime (default '10m', core's default `cacheMaxAge`): a new key is published
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
  paths?: { jwks?: string; token?: string; revocation?: string };
  /** Advertised in discovery as `scopes_supported`. */
  scopesSupported?: string[];
  /** Milliseconds since the epoch (default Date.now). */
  clock?: () => number;
  onEvent?: (event: IssuerEvent) => void;
}

export interface RotationOptions {
  /** Rotate when the current key has signed this long, e.g. '30d'. */
  every: Duration;
  /** How often the built-in timer checks (default '1m'); `false` leaves ticking to you (`issuer.tick()`). */
  checkInterval?: Duration | false;
}

export type IssuerEvent =
  | { type: 'keys.rotated'; kid: string; activatesAt: number; nextKid: string }
  | { type: 'keys.removed'; kid: string }
  | { type: 'refresh.reused'; familyId: string; sub: string; clientId: string; revokedAccessTokens: number }
  | { type: 'tick.failed'; reason: string }
  /** Re-reading a shared key store failed; the instance keeps signing with its last view of the keys. */
  | { type: 'keys.sync_failed'; reason: string };

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
}

export interface TokenSet {
  accessToken: string;
  tokenType: 'Bearer';
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
}

export interface RevokeInput {
  /** RFC 7009 token_type_hint: which kind to look for first. */
  hint?: 'access_token' | 'refresh_token' | string;
  /** The requesting client: a token issued to another client is left alone (RFC 7009 §2.1). */
  clientId?: string;
}

export interface Issuer {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  readonly revocationEndpoint: string;
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
  handle(request: Request): Promise<Response>;
  readonly clients: ReadonlyMap<string, ClientConfig>;
  readonly options: ResolvedIssuerOptions;
  close(): Promise<void>;
}

export interface ResolvedIssuerOptions {
  accessTokenLifetime: number;
  jwksCacheLifetime: number;
  audience: string[];
  scopesSupported: string[] | undefined;
  algorithm: SigningAlgorithm;
}

function toList(value: string | readonly string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
}

function endpoint(issuer: string, path: string): string {
  return `${issuer.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
}

const REGISTERED = ['iss', 'sub', 'aud', 'client_id', 'iat', 'exp', 'jti', 'scope', 'nbf'];

function extraClaims(claims: Record<string, unknown> | undefined): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(claims ?? {}))
    if (!REGISTERED.includes(name)) extra[name] = value;
  return JSON.parse(JSON.stringify(extra)) as Record<string, unknown>;
}

/**
 * Create an issuer.
 *
 * @example
 * const denylist = createMemoryDenylist();
 * const issuer = createIssuer({ issuer: 'https://auth.example.com', audience: 'https://api.example.com', denylist,
 *   rotation: { every: '30d' }, clients: [{ id: 'web' }] });
 * const tokens = await issuer.issueTokens({ sub: 'user-1', clientId: 'web', scope: 'read:items' });
 */
export function createIssuer(options: IssuerOptions): Issuer {
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(options.issuer);
  } catch {
    throw new ConfigurationError(
      `issuer must be an absolute URL such as "https://auth.example.com"; got ${JSON.stringify(options.issuer)}`,
    );
  }
  if (issuerUrl.search || issuerUrl.hash) {
    throw new ConfigurationError('issuer must not have a query or fragment (RFC 8414 §2)');
  }
  const iss = options.issuer;
  const clock = options.clock ?? Date.now;
  const algorithm = options.algorithm ?? 'ES256';
  if (!SIGNING_ALGORITHMS.includes(algorithm)) {
    throw new ConfigurationError(
      `algorithm must be one of ${SIGNING_ALGORITHMS.join(', ')}; got ${String(algorithm)}`,
    );
  }
  const accessTokenLifetime = toMilliseconds(options.accessTokenLifetime ?? '15m', 'accessTokenLifetime');
  const idleLifetime = toMilliseconds(options.refreshTokenIdleLifetime ?? '14d', 'refreshTokenIdleLifetime');
  const absoluteLifetime = toMilliseconds(
    options.refreshTokenAbsoluteLifetime ?? '90d',
    'refreshTokenAbsoluteLifetime',
  );
  const reuseGracePeriod = toMilliseconds(options.reuseGracePeriod ?? 0, 'reuseGracePeriod');
  const clockTolerance = toMilliseconds(options.clockTolerance ?? '5s', 'clockTolerance');
  const jwksCacheLifetime = toMilliseconds(options.jwksCacheLifetime ?? '10m', 'jwksCacheLifetime');
  if (accessTokenLifetime < 1000) throw new ConfigurationError('accessTokenLifetime must be at least 1s');
  const keySyncOption = options.keySyncInterval ?? (options.keyStore ? '1m' : false);
  const keySyncInterval =
    keySyncOption === false ? undefined : toMilliseconds(keySyncOption, 'keySyncInterval');
  const syncLag = keySyncInterval ?? 0;
  const rotationEvery =
    options.rotation === undefined ? undefined : toMilliseconds(options.rotation.every, 'rotation.every');
  if (rotationEvery !== undefined && rotationEvery <= jwksCacheLifetime) {
    throw new ConfigurationError(
      'rotation.every must be longer than jwksCacheLifetime: a key must be published that long before it signs',
    );
  }
  if (rotationEvery !== undefined && options.signer) {
    throw new ConfigurationError('rotation cannot be scheduled with an external signer: rotate in the KMS');
  }
  const clients = new Map<string, ClientConfig>();
  for (const client of options.clients ?? []) {
    if (!client.id) throw new ConfigurationError('every client needs an id');
    if (clients.has(client.id)) throw new ConfigurationError(`client ${client.id} is configured twice`);
    clients.set(client.id, client);
  }
  const audience = toList(options.audience);
  const refreshStore = options.refreshTokenStore ?? createMemoryRefreshTokenStore({ clock });
  const keyStore = options.keyStore ?? createMemoryKeyStore();
  const emit = (event: IssuerEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A throwing listener must not break issuing.
    }
  };
  const ring: KeyRing = options.signer
    ? createExternalKeyRing(options.signer, options.publishedKeys ?? [])
    : createKeyRing({
        store: keyStore,
        alg: algorithm,
        clock,
        // A verifier may have cached a JWKS from an instance that had not yet re-read the store.
        publishLead: jwksCacheLifetime + syncLag,
        // An instance that has not yet re-read the store may still sign with a retired key.
        retention: accessTokenLifetime + clockTolerance + syncLag,
        ...(keySyncInterval === undefined ? {} : { syncInterval: keySyncInterval }),
        onRotated: (info) => emit({ type: 'keys.rotated', ...info }),
        onRemoved: (kid) => emit({ type: 'keys.removed', kid }),
        onSyncFailed: (error) =>
          emit({ type: 'keys.sync_failed', reason: error instanceof Error ? error.message : String(error) }),
      });
  const initialising = ring.init();
  initialising.catch(() => undefined);
  const ready = () => initialising;

  const nowSeconds = () => Math.floor(clock() / 1000);
  const lifetimeSeconds = Math.floor(accessTokenLifetime / 1000);

  async function accessToken(
    family: Pick<RefreshFamily, 'sub' | 'clientId' | 'audience' | 'claims'>,
    scope: string[],
    jti?: string,
  ) {
    if (family.audience.length === 0) {
      throw new ConfigurationError(
        'no audience: set `audience` on the issuer, the client, or the issueTokens call',
      );
    }
    await ring.sync();
    return signAccessToken(ring.signer(), {
      iss,
      sub: family.sub,
      aud: family.audience,
      clientId: family.clientId,
      scope,
      claims: family.claims,
      iat: nowSeconds(),
      lifetimeSeconds,
      ...(jti === undefined ? {} : { jti }),
    });
  }

  function tokenSet(signed: { token: string; jti: string; exp: number }, scope: string[]): TokenSet {
    return {
      accessToken: signed.token,
      tokenType: 'Bearer',
      expiresIn: lifetimeSeconds,
      scope: scope.join(' '),
      jti: signed.jti,
      exp: signed.exp,
    };
  }

  async function denylistAccessTokens(family: RefreshFamily): Promise<number> {
    if (!options.denylist) return 0;
    const now = clock() / 1000;
    const live = family.accessTokens.filter((issued) => issued.exp > now);
    for (const issued of live) await options.denylist.revoke({ iss, jti: issued.jti, exp: issued.exp });
    return live.length;
  }

  async function issueTokens(input: IssueTokensInput): Promise<TokenSet> {
    await ready();
    if (!input.sub) throw new ConfigurationError('issueTokens needs a sub');
    if (!input.clientId) throw new ConfigurationError('issueTokens needs a clientId');
    const scope = parseScope(input.scope);
    const family: RefreshFamily = {
      id: newFamilyId(),
      sub: input.sub,
      clientId: input.clientId,
      scope: scope.join(' '),
      audience: input.audience === undefined ? audience : toList(input.audience),
      claims: extraClaims(input.claims),
      createdAt: clock(),
      expiresAt: clock() + absoluteLifetime,
      revokedAt: null,
      accessTokens: [],
    };
    const signed = await accessToken(family, scope);
    const set = tokenSet(signed, scope);
    if (input.refreshToken !== false) {
      const refreshToken = newRefreshToken();
      family.accessTokens.push({ jti: signed.jti, exp: signed.exp });
      await refreshStore.create(family, {
        hash: hashRefreshToken(refreshToken),
        familyId: family.id,
        issuedAt: family.createdAt,
        expiresAt: Math.min(family.createdAt + idleLifetime, family.expiresAt),
        usedAt: null,
      });
      set.refreshToken = refreshToken;
    }
    return set;
  }

  async function refresh(refreshToken: string, input: RefreshInput = {}): Promise<TokenSet> {
    await ready();
    if (typeof refreshToken !== 'string' || refreshToken === '' || refreshToken.length > 512) {
      throw new OAuthError('invalid_grant', 'invalid refresh token');
    }
    const hash = hashRefreshToken(refreshToken);
    // The client check comes before rotation: a client presenting another client's token must not consume
    // it (RFC 6749 §6: the token is bound to the client it was issued to).
    const found = await refreshStore.find(hash);
    if (found && input.clientId !== undefined && found.family.clientId !== input.clientId) {
      throw new OAuthError('invalid_grant', 'refresh token was issued to another client');
    }
    const requested = input.scope === undefined ? undefined : parseScope(input.scope);
    if (found && requested) narrowScope(requested, parseScope(found.family.scope));
    const nextToken = newRefreshToken();
    const jti = newJti();
    const result = await refreshStore.rotate({
      hash,
      nextHash: hashRefreshToken(nextToken),
      now: clock(),
      idleLifetime,
      reuseGracePeriod,
      accessToken: { jti, exp: nowSeconds() + lifetimeSeconds },
    });
    if (result.status === 'reused') {
      // RFC 9700 §4.14.2: the token was stolen, or its legitimate holder's copy was; either way the grant
      // is compromised. Revoke the family (the store did) and every access token it still has live.
      const revokedAccessTokens = await denylistAccessTokens(result.family);
      emit({
        type: 'refresh.reused',
        familyId: result.family.id,
        sub: result.family.sub,
        clientId: result.family.clientId,
        revokedAccessTokens,
      });
      throw new OAuthError('invalid_grant', 'refresh token was already used; the grant has been revoked');
    }
    if (result.status === 'invalid') {
      throw new OAuthError(
        'invalid_grant',
        result.reason === 'expired'
          ? 'refresh token expired'
          : result.reason === 'retried'
            ? 'refresh token was just used'
            : 'invalid refresh token',
      );
    }
    const scope = requested ?? parseScope(result.family.scope);
    const signed = await accessToken(result.family, scope, jti);
    return { ...tokenSet(signed, scope), refreshToken: nextToken };
  }

  async function verifyOwnJwt(token: string): Promise<Record<string, unknown> | undefined> {
    await ring.sync();
    try {
      const keySet = createLocalJWKSet({ keys: ring.publicKeys() });
      await compactVerify(token, keySet, { algorithms: [...SIGNING_ALGORITHMS] });
      const payload = decodeJwt(token) as Record<string, unknown>;
      return payload.iss === iss ? payload : undefined;
    } catch {
      return undefined;
    }
  }

  async function revokeAccessToken(token: string, clientId: string | undefined): Promise<boolean> {
    const payload = await verifyOwnJwt(token);
    if (!payload) return false;
    if (clientId !== undefined && payload.client_id !== clientId) return true;
    const { jti, exp } = payload;
    if (typeof exp !== 'number' || exp <= clock() / 1000) return true; // expired: nothing left to revoke
    if (!options.denylist) {
      throw new OAuthError(
        'unsupported_token_type',
        'this issuer has no denylist, so access tokens cannot be revoked',
      );
    }
    if (typeof jti === 'string' && jti !== '') await options.denylist.revoke({ iss, jti, exp });
    return true;
  }

  async function revokeRefreshToken(token: string, clientId: string | undefined): Promise<boolean> {
    if (token.length > 512) return false;
    const found = await refreshStore.find(hashRefreshToken(token));
    if (!found) return false;
    if (clientId !== undefined && found.family.clientId !== clientId) return true;
    const family = await refreshStore.revokeFamily(found.family.id, clock());
    // RFC 7009 §2.1: revoking a refresh token SHOULD also invalidate the access tokens of the same grant.
    if (family) await denylistAccessTokens(family);
    return true;
  }

  async function revoke(token: string, input: RevokeInput = {}): Promise<void> {
    await ready();
    if (typeof token !== 'string' || token === '') return;
    // Access tokens are JWS (three dot-separated parts), refresh tokens base64url without dots: the shape
    // tells them apart, so the RFC 7009 §2.1 hint is not needed to find the token (a wrong hint must not
    // stop it being found anyway).
    const order =
      token.split('.').length === 3 ? [revokeAccessToken, revokeRefreshToken] : [revokeRefreshToken];
    for (const attempt of order) if (await attempt(token, input.clientId)) return;
  }

  async function revokeSubject(sub: string): Promise<void> {
    await ready();
    const now = clock();
    if (options.denylist) await options.denylist.revokeSubject({ iss, sub, before: now / 1000 });
    const families = await refreshStore.revokeSubject(sub, now);
    if (!options.denylist) return;
    for (const family of families) await denylistAccessTokens(family);
  }

  let ticking: Promise<void> | undefined;
  async function tick(): Promise<void> {
    await ready();
    if (ticking) return ticking;
    ticking = (async () => {
      await ring.reload();
      if (
        rotationEvery !== undefined &&
        !ring.rotationPending() &&
        clock() >= ring.currentSince() + rotationEvery
      ) {
        await ring.rotate();
      }
    })().finally(() => {
      ticking = undefined;
    });
    return ticking;
  }

  let timer: ReturnType<typeof setInterval> | undefined;
  if (options.rotation && options.rotation.checkInterval !== false) {
    const interval = toMilliseconds(options.rotation.checkInterval ?? '1m', 'rotation.checkInterval');
    timer = setInterval(() => {
      tick().catch((error: unknown) =>
        emit({ type: 'tick.failed', reason: error instanceof Error ? error.message : String(error) }),
      );
    }, interval);
    timer.unref?.();
  }

  const paths = options.paths ?? {};
  const jwksUri = endpoint(iss, paths.jwks ?? '/jwks.json');
  const tokenEndpoint = endpoint(iss, paths.token ?? '/token');
  const revocationEndpoint = endpoint(iss, paths.revocation ?? '/revoke');

  const resolved: ResolvedIssuerOptions = {
    accessTokenLifetime,
    jwksCacheLifetime,
    audience,
    scopesSupported: options.scopesSupported,
    algorithm: options.signer?.alg ?? algorithm,
  };

  const issuer: Issuer = {
    issuer: iss,
    jwksUri,
    tokenEndpoint,
    revocationEndpoint,
    ready,
    issueTokens,
    refresh,
    revoke,
    revokeSubject,
    async rotateKeys() {
      await ready();
      return ring.rotate();
    },
    async jwks() {
      await ready();
      await ring.sync();
      return { keys: ring.publicKeys() };
    },
    async keyStatus() {
      await ready();
      await ring.sync();
      return ring.status();
    },
    tick,
    async signToken(payload, header = {}) {
      await ready();
      await ring.sync();
      return signCompact(ring.signer(), { typ: header.typ ?? 'at+jwt' }, payload);
    },
    handlers: undefined as unknown as IssuerHandlers,
    handle: undefined as unknown as (request: Request) => Promise<Response>,
    clients,
    options: resolved,
    async close() {
      if (timer) clearInterval(timer);
      // Stores passed in are the caller's to close (they may be shared); the defaults hold no resources.
      await initialising.catch(() => undefined);
    },
  };
  const handlers = createHandlers(issuer);
  Object.assign(issuer, { handlers, handle: handlers.handle });
  return issuer;
}
