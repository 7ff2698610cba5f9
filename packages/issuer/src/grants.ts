// Issuing and refreshing tokens. A grant (one login, one client) becomes a refresh-token family; every
// refresh spends the presented token for a successor (RFC 9700 §4.14.2 rotation), and a spent token
// presented again revokes the whole grant, since either it or its legitimate holder's copy was stolen.
// A grant may be bound to a DPoP key (RFC 9449 §5): its access tokens carry `cnf.jkt`, and its refresh
// tokens are honoured only with a proof of that key, so a stolen refresh token is useless without the key.
// Likewise a grant may be bound to a client certificate (RFC 8705 §3.1): its access tokens carry
// `cnf["x5t#S256"]`, and a public client's refresh tokens need that certificate (§4).
import { ConfigurationError } from '@jwtguard/core';
import { newJti, signAccessToken, type SignedAccessToken } from './access-token.js';
import { audienceList } from './audience.js';
import { isThumbprint } from './dpop.js';
import type { IssuerConfig } from './issuer-options.js';
import { checkedCertificateThumbprint } from './mtls.js';
import { OAuthError } from './oauth-error.js';
import type { RefreshFamily, RefreshTokenStore } from './refresh-store.js';
import { hashRefreshToken, MAX_REFRESH_TOKEN_LENGTH, newFamilyId, newRefreshToken } from './refresh-token.js';
import { denylistAccessTokens } from './revocation.js';
import { narrowScope, parseScope } from './scope.js';
import type { ExternalSigner } from './signer.js';
import type { IssueTokensInput, IssuerEvent, RefreshInput, RevocationTarget, TokenSet } from './types.js';

// RFC 9068 §2.2 claims the issuer sets itself: a grant's extra claims must not override them.
const REGISTERED = ['iss', 'sub', 'aud', 'client_id', 'iat', 'exp', 'jti', 'scope', 'nbf'];

/** The `dpopJkt` of an input, refused when it is not a thumbprint (it would bind tokens to no key). */
function thumbprintOf(value: unknown, where: string): string | undefined {
  if (value === undefined) return undefined;
  if (!isThumbprint(value)) {
    throw new ConfigurationError(
      `${where}: dpopJkt must be an RFC 7638 SHA-256 JWK thumbprint (43 base64url characters)`,
    );
  }
  return value;
}

/** What one access token is bound to: a DPoP key, a client certificate, both or neither. */
interface Binding {
  dpopJkt?: string | undefined;
  certificateThumbprint?: string | undefined;
}

/** The grant's extra claims without registered ones, as JSON (what a store can keep and give back). */
function extraClaims(claims: Record<string, unknown> | undefined): Record<string, unknown> {
  const cnf = claims?.cnf;
  if (cnf !== null && typeof cnf === 'object' && 'jkt' in cnf) {
    // A jkt smuggled in as a claim would bind the access tokens but not the refresh family, and leave the
    // token type Bearer: the binding has one way in.
    throw new ConfigurationError('issueTokens: bind to a DPoP key with dpopJkt, not with claims.cnf.jkt');
  }
  const extra: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(claims ?? {}))
    if (!REGISTERED.includes(name)) extra[name] = value;
  return JSON.parse(JSON.stringify(extra)) as Record<string, unknown>;
}

export interface GrantDependencies {
  config: Pick<
    IssuerConfig,
    | 'iss'
    | 'clock'
    | 'audience'
    | 'accessTokenLifetime'
    | 'refreshTokenIdleLifetime'
    | 'refreshTokenAbsoluteLifetime'
    | 'reuseGracePeriod'
    | 'clients'
  >;
  refreshStore: RefreshTokenStore;
  denylist: RevocationTarget | undefined;
  /** The signer of the current key (after any re-read of the key store that is due). */
  currentSigner(): Promise<ExternalSigner>;
  emit(event: IssuerEvent): void;
}

export interface Grants {
  issueTokens(input: IssueTokensInput): Promise<TokenSet>;
  refresh(refreshToken: string, input?: RefreshInput): Promise<TokenSet>;
}

export function createGrants({
  config,
  refreshStore,
  denylist,
  currentSigner,
  emit,
}: GrantDependencies): Grants {
  const { iss, clock } = config;
  const nowSeconds = () => Math.floor(clock() / 1000);
  const lifetimeSeconds = Math.floor(config.accessTokenLifetime / 1000);

  async function accessToken(
    family: Pick<RefreshFamily, 'sub' | 'clientId' | 'audience' | 'claims'>,
    scope: string[],
    { dpopJkt, certificateThumbprint }: Binding,
    jti?: string,
  ): Promise<SignedAccessToken> {
    if (family.audience.length === 0) {
      throw new ConfigurationError(
        'no audience: set `audience` on the issuer, the client, or the issueTokens call',
      );
    }
    return signAccessToken(await currentSigner(), {
      iss,
      sub: family.sub,
      aud: family.audience,
      clientId: family.clientId,
      scope,
      claims: family.claims,
      iat: nowSeconds(),
      lifetimeSeconds,
      ...(jti === undefined ? {} : { jti }),
      ...(dpopJkt === undefined ? {} : { dpopJkt }),
      ...(certificateThumbprint === undefined ? {} : { certificateThumbprint }),
    });
  }

  function tokenSet(signed: SignedAccessToken, scope: string[], dpopJkt: string | undefined): TokenSet {
    return {
      accessToken: signed.token,
      // RFC 9449 §5: a bound access token is issued with token_type DPoP.
      tokenType: dpopJkt === undefined ? 'Bearer' : 'DPoP',
      expiresIn: lifetimeSeconds,
      scope: scope.join(' '),
      jti: signed.jti,
      exp: signed.exp,
    };
  }

  return {
    async issueTokens(input) {
      if (!input.sub) throw new ConfigurationError('issueTokens needs a sub');
      if (!input.clientId) throw new ConfigurationError('issueTokens needs a clientId');
      const dpopJkt = thumbprintOf(input.dpopJkt, 'issueTokens');
      const certificateThumbprint = checkedCertificateThumbprint(input.certificateThumbprint, 'issueTokens');
      const scope = parseScope(input.scope);
      // RFC 8705 §4: a public client's refresh tokens are bound to its certificate; a confidential client
      // authenticates on every refresh and may renew its certificate, so only its access tokens are bound.
      const familyCertificate =
        certificateThumbprint !== undefined && isPublicClient(input.clientId)
          ? certificateThumbprint
          : undefined;
      const family: RefreshFamily = {
        id: newFamilyId(),
        sub: input.sub,
        clientId: input.clientId,
        scope: scope.join(' '),
        audience: input.audience === undefined ? config.audience : audienceList(input.audience),
        claims: extraClaims(input.claims),
        createdAt: clock(),
        expiresAt: clock() + config.refreshTokenAbsoluteLifetime,
        revokedAt: null,
        accessTokens: [],
        ...(dpopJkt === undefined ? {} : { dpopJkt }),
        ...(familyCertificate === undefined ? {} : { certificateThumbprint: familyCertificate }),
      };
      const signed = await accessToken(family, scope, { dpopJkt, certificateThumbprint });
      const set = tokenSet(signed, scope, dpopJkt);
      if (input.refreshToken !== false) {
        const refreshToken = newRefreshToken();
        family.accessTokens.push({ jti: signed.jti, exp: signed.exp });
        await refreshStore.create(family, {
          hash: hashRefreshToken(refreshToken),
          familyId: family.id,
          issuedAt: family.createdAt,
          expiresAt: Math.min(family.createdAt + config.refreshTokenIdleLifetime, family.expiresAt),
          usedAt: null,
        });
        set.refreshToken = refreshToken;
      }
      return set;
    },

    async refresh(refreshToken, input = {}) {
      if (
        typeof refreshToken !== 'string' ||
        refreshToken === '' ||
        refreshToken.length > MAX_REFRESH_TOKEN_LENGTH
      ) {
        throw new OAuthError('invalid_grant', 'invalid refresh token');
      }
      const dpopJkt = thumbprintOf(input.dpopJkt, 'refresh');
      const certificateThumbprint = checkedCertificateThumbprint(input.certificateThumbprint, 'refresh');
      const hash = hashRefreshToken(refreshToken);
      // The client check comes before rotation: a client presenting another client's token must not
      // consume it (RFC 6749 §6: the token is bound to the client it was issued to).
      const found = await refreshStore.find(hash);
      if (found && input.clientId !== undefined && found.family.clientId !== input.clientId) {
        throw new OAuthError('invalid_grant', 'refresh token was issued to another client');
      }
      // RFC 9449 §5: a bound refresh token needs a proof of its key; like a wrong client, a wrong or missing
      // key does not consume it.
      // RFC 8705 §4: so does a refresh token bound to a certificate, without that certificate.
      if (found) checkBinding(found.family, dpopJkt, certificateThumbprint);
      const requested = input.scope === undefined ? undefined : parseScope(input.scope);
      if (found && requested) narrowScope(requested, parseScope(found.family.scope));
      const bindTo =
        found && dpopJkt !== undefined
          ? newBinding(found.family.dpopJkt, dpopJkt, found.family.clientId)
          : undefined;
      const bindCertificate =
        found && certificateThumbprint !== undefined
          ? newBinding(found.family.certificateThumbprint, certificateThumbprint, found.family.clientId)
          : undefined;
      const nextToken = newRefreshToken();
      const jti = newJti();
      const result = await refreshStore.rotate({
        hash,
        nextHash: hashRefreshToken(nextToken),
        now: clock(),
        idleLifetime: config.refreshTokenIdleLifetime,
        reuseGracePeriod: config.reuseGracePeriod,
        accessToken: { jti, exp: nowSeconds() + lifetimeSeconds },
        ...(bindTo === undefined ? {} : { dpopJkt: bindTo }),
        ...(bindCertificate === undefined ? {} : { certificateThumbprint: bindCertificate }),
      });
      if (result.status === 'reused') {
        // RFC 9700 §4.14.2: the grant is compromised. The store revoked the family; its access tokens that
        // are still live go into the denylist.
        const revokedAccessTokens = await denylistAccessTokens(denylist, iss, result.family, clock());
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
      // The check above read the family before the rotation; this one reads what the rotation left, so a
      // binding made meanwhile, or one a store failed to record, never yields an unbound successor.
      checkBinding(result.family, dpopJkt, certificateThumbprint);
      if (bindTo !== undefined && result.family.dpopJkt !== bindTo) {
        throw new Error('the refresh-token store did not record the DPoP binding (RefreshRotation.dpopJkt)');
      }
      if (bindCertificate !== undefined && result.family.certificateThumbprint !== bindCertificate) {
        throw new Error(
          'the refresh-token store did not record the certificate binding (RefreshRotation.certificateThumbprint)',
        );
      }
      const scope = requested ?? parseScope(result.family.scope);
      const signed = await accessToken(result.family, scope, { dpopJkt, certificateThumbprint }, jti);
      return { ...tokenSet(signed, scope, dpopJkt), refreshToken: nextToken };
    },
  };

  /**
   * What to bind a family to with this refresh, if it is not bound yet: the presented DPoP key (RFC 9449
   * §5) or client certificate (RFC 8705 §4). A confidential client proves itself with its secret on every
   * refresh and may use a new key or certificate each time; a public client has only the key or the
   * certificate, so its refresh tokens must be bound to it.
   */
  function newBinding(current: string | undefined, presented: string, clientId: string): string | undefined {
    if (current !== undefined) return undefined;
    return isPublicClient(clientId) ? presented : undefined;
  }

  /** A client configured without a `secret` (or not configured, as issueTokens allows) is public. */
  function isPublicClient(clientId: string): boolean {
    return config.clients.get(clientId)?.secret === undefined;
  }
}

function checkBinding(
  family: RefreshFamily,
  dpopJkt: string | undefined,
  certificateThumbprint: string | undefined,
): void {
  if (family.certificateThumbprint !== undefined && family.certificateThumbprint !== certificateThumbprint) {
    throw new OAuthError(
      'invalid_grant',
      certificateThumbprint === undefined
        ? 'refresh token is bound to a client certificate: refresh over mutual TLS with it'
        : 'refresh token is bound to another client certificate',
    );
  }
  if (family.dpopJkt === undefined || family.dpopJkt === dpopJkt) return;
  throw new OAuthError(
    'invalid_grant',
    dpopJkt === undefined
      ? 'refresh token is bound to a DPoP key: send a DPoP proof made with it'
      : 'refresh token is bound to another DPoP key',
  );
}
