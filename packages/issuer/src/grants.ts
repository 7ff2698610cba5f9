// Issuing and refreshing tokens. A grant (one login, one client) becomes a refresh-token family; every
// refresh spends the presented token for a successor (RFC 9700 §4.14.2 rotation), and a spent token
// presented again revokes the whole grant, since either it or its legitimate holder's copy was stolen.
import { ConfigurationError } from '@jwtguard/core';
import { newJti, signAccessToken, type SignedAccessToken } from './access-token.js';
import { audienceList } from './audience.js';
import type { IssuerConfig } from './issuer-options.js';
import { OAuthError } from './oauth-error.js';
import type { RefreshFamily, RefreshTokenStore } from './refresh-store.js';
import { hashRefreshToken, MAX_REFRESH_TOKEN_LENGTH, newFamilyId, newRefreshToken } from './refresh-token.js';
import { denylistAccessTokens } from './revocation.js';
import { narrowScope, parseScope } from './scope.js';
import type { ExternalSigner } from './signer.js';
import type { IssueTokensInput, IssuerEvent, RefreshInput, RevocationTarget, TokenSet } from './types.js';

// RFC 9068 §2.2 claims the issuer sets itself: a grant's extra claims must not override them.
const REGISTERED = ['iss', 'sub', 'aud', 'client_id', 'iat', 'exp', 'jti', 'scope', 'nbf'];

/** The grant's extra claims without registered ones, as JSON (what a store can keep and give back). */
function extraClaims(claims: Record<string, unknown> | undefined): Record<string, unknown> {
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
    });
  }

  function tokenSet(signed: SignedAccessToken, scope: string[]): TokenSet {
    return {
      accessToken: signed.token,
      tokenType: 'Bearer',
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
      const scope = parseScope(input.scope);
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
      const hash = hashRefreshToken(refreshToken);
      // The client check comes before rotation: a client presenting another client's token must not
      // consume it (RFC 6749 §6: the token is bound to the client it was issued to).
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
        idleLifetime: config.refreshTokenIdleLifetime,
        reuseGracePeriod: config.reuseGracePeriod,
        accessToken: { jti, exp: nowSeconds() + lifetimeSeconds },
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
      const scope = requested ?? parseScope(result.family.scope);
      const signed = await accessToken(result.family, scope, jti);
      return { ...tokenSet(signed, scope), refreshToken: nextToken };
    },
  };
}
