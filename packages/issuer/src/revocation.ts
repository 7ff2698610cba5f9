// Revocation (RFC 7009) and logout everywhere. An access token cannot be taken back, so revoking one puts
// its `jti` into the denylist the verifiers consult until it expires; a refresh token ends its whole family,
// and with it every access token the family issued that may still be live (RFC 7009 §2.1).
import { compactVerify, createLocalJWKSet, decodeJwt, type JWK } from 'jose';
import type { IssuerConfig } from './issuer-options.js';
import { SIGNING_ALGORITHMS } from './key-store.js';
import { OAuthError } from './oauth-error.js';
import type { RefreshFamily, RefreshTokenStore } from './refresh-store.js';
import { hashRefreshToken, MAX_REFRESH_TOKEN_LENGTH } from './refresh-token.js';
import type { RevocationTarget, RevokeInput } from './types.js';

/**
 * Denylist the access tokens of `family` that are still live; returns how many. Without a denylist there is
 * nowhere to put them, and nothing is done.
 */
export async function denylistAccessTokens(
  denylist: RevocationTarget | undefined,
  iss: string,
  family: RefreshFamily,
  now: number,
): Promise<number> {
  if (!denylist) return 0;
  const live = family.accessTokens.filter((issued) => issued.exp > now / 1000);
  for (const issued of live) await denylist.revoke({ iss, jti: issued.jti, exp: issued.exp });
  return live.length;
}

export interface RevocationDependencies {
  config: Pick<IssuerConfig, 'iss' | 'clock'>;
  denylist: RevocationTarget | undefined;
  refreshStore: RefreshTokenStore;
  /** The public keys published now (after any re-read of the key store that is due). */
  publishedKeys(): Promise<JWK[]>;
}

export interface Revocation {
  revoke(token: string, input?: RevokeInput): Promise<void>;
  revokeSubject(sub: string): Promise<void>;
}

/** Whether the token was found (revoked, or left alone because it belongs to another client). */
type Lookup = (token: string, clientId: string | undefined) => Promise<boolean>;

export function createRevocation({
  config,
  denylist,
  refreshStore,
  publishedKeys,
}: RevocationDependencies): Revocation {
  const { iss, clock } = config;

  async function verifyOwnJwt(token: string): Promise<Record<string, unknown> | undefined> {
    const keys = await publishedKeys();
    try {
      await compactVerify(token, createLocalJWKSet({ keys }), { algorithms: [...SIGNING_ALGORITHMS] });
      const payload = decodeJwt(token) as Record<string, unknown>;
      return payload.iss === iss ? payload : undefined;
    } catch {
      return undefined;
    }
  }

  const revokeAccessToken: Lookup = async (token, clientId) => {
    // Access tokens are compact JWS (three dot-separated parts): a token of any other shape is not one.
    if (token.split('.').length !== 3) return false;
    // Only a token this issuer signed is revoked, so nobody can fill the denylist with made-up jtis.
    const payload = await verifyOwnJwt(token);
    if (!payload) return false;
    if (clientId !== undefined && payload.client_id !== clientId) return true;
    const { jti, exp } = payload;
    if (typeof exp !== 'number' || exp <= clock() / 1000) return true; // expired: nothing left to revoke
    if (!denylist) {
      throw new OAuthError(
        'unsupported_token_type',
        'this issuer has no denylist, so access tokens cannot be revoked',
      );
    }
    if (typeof jti === 'string' && jti !== '') await denylist.revoke({ iss, jti, exp });
    return true;
  };

  const revokeRefreshToken: Lookup = async (token, clientId) => {
    if (token.length > MAX_REFRESH_TOKEN_LENGTH) return false;
    const found = await refreshStore.find(hashRefreshToken(token));
    if (!found) return false;
    if (clientId !== undefined && found.family.clientId !== clientId) return true;
    const family = await refreshStore.revokeFamily(found.family.id, clock());
    // RFC 7009 §2.1: revoking a refresh token SHOULD also invalidate the access tokens of the same grant.
    if (family) await denylistAccessTokens(denylist, iss, family, clock());
    return true;
  };

  return {
    async revoke(token, input = {}) {
      if (typeof token !== 'string' || token === '') return;
      // RFC 7009 §2.1: the hint names the kind to look for first. It is only a hint: a token not found as
      // that kind is looked for as the other, so a wrong hint never leaves a token usable. Anything but the
      // two values is no hint at all.
      const lookups: Lookup[] =
        input.hint === 'refresh_token'
          ? [revokeRefreshToken, revokeAccessToken]
          : [revokeAccessToken, revokeRefreshToken];
      for (const lookup of lookups) if (await lookup(token, input.clientId)) return;
    },

    async revokeSubject(sub) {
      const now = clock();
      if (denylist) await denylist.revokeSubject({ iss, sub, before: now / 1000 });
      const families = await refreshStore.revokeSubject(sub, now);
      for (const family of families) await denylistAccessTokens(denylist, iss, family, now);
    },
  };
}
