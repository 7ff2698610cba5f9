// Refresh tokens in process memory. Every method body runs without awaiting between its reads and writes,
// so a rotation is atomic with respect to any other call: that is what makes the concurrent-refresh race
// yield exactly one winner here.
import { assertKnownOptions } from '@jwtguard/core';
import type {
  RefreshFamily,
  RefreshRotation,
  RefreshRotationResult,
  RefreshTokenRecord,
  RefreshTokenStore,
} from './refresh-store.js';

export interface MemoryRefreshTokenStoreOptions {
  /** Milliseconds since the epoch, used to purge expired entries (default Date.now). */
  clock?: () => number;
}

const OPTION_NAMES = { clock: true } satisfies Record<keyof MemoryRefreshTokenStoreOptions, true>;

export function createMemoryRefreshTokenStore(
  options: MemoryRefreshTokenStoreOptions = {},
): RefreshTokenStore {
  assertKnownOptions('createMemoryRefreshTokenStore()', options, Object.keys(OPTION_NAMES));
  const clock = options.clock ?? Date.now;
  const tokens = new Map<string, RefreshTokenRecord>();
  const families = new Map<string, RefreshFamily>();
  let operations = 0;

  // Used tokens are kept until their family expires: reuse detection needs them. Everything goes once the
  // family's absolute lifetime is over, since no token of it can be accepted any more.
  function purge(): void {
    const now = clock();
    for (const [id, family] of families) if (family.expiresAt <= now) families.delete(id);
    for (const [hash, token] of tokens) if (!families.has(token.familyId)) tokens.delete(hash);
  }

  function maybePurge(): void {
    if (++operations % 1000 === 0) purge();
  }

  function revoke(family: RefreshFamily, now: number): RefreshFamily {
    if (family.revokedAt === null) family.revokedAt = now;
    return structuredClone(family);
  }

  return {
    async create(family, token) {
      maybePurge();
      families.set(family.id, structuredClone(family));
      tokens.set(token.hash, structuredClone(token));
    },

    async rotate(rotation: RefreshRotation): Promise<RefreshRotationResult> {
      maybePurge();
      const { now } = rotation;
      const token = tokens.get(rotation.hash);
      const family = token && families.get(token.familyId);
      if (!token || !family) return { status: 'invalid', reason: 'unknown' };
      if (family.revokedAt !== null) return { status: 'invalid', reason: 'revoked' };
      if (token.usedAt !== null) {
        if (now - token.usedAt < rotation.reuseGracePeriod) return { status: 'invalid', reason: 'retried' };
        return { status: 'reused', family: revoke(family, now) };
      }
      if (now >= token.expiresAt || now >= family.expiresAt) return { status: 'invalid', reason: 'expired' };
      token.usedAt = now;
      if (rotation.dpopJkt !== undefined && family.dpopJkt === undefined) family.dpopJkt = rotation.dpopJkt;
      if (rotation.certificateThumbprint !== undefined && family.certificateThumbprint === undefined) {
        family.certificateThumbprint = rotation.certificateThumbprint;
      }
      const next: RefreshTokenRecord = {
        hash: rotation.nextHash,
        familyId: family.id,
        issuedAt: now,
        expiresAt: Math.min(now + rotation.idleLifetime, family.expiresAt),
        usedAt: null,
      };
      tokens.set(next.hash, next);
      const nowSeconds = now / 1000;
      family.accessTokens = family.accessTokens.filter((issued) => issued.exp > nowSeconds);
      family.accessTokens.push({ ...rotation.accessToken });
      return { status: 'rotated', family: structuredClone(family), token: { ...next } };
    },

    async find(hash) {
      const token = tokens.get(hash);
      const family = token && families.get(token.familyId);
      if (!token || !family) return undefined;
      return { token: { ...token }, family: structuredClone(family) };
    },

    async revokeFamily(familyId, now) {
      const family = families.get(familyId);
      return family ? revoke(family, now) : undefined;
    },

    async revokeSubject(sub, now) {
      const revoked: RefreshFamily[] = [];
      for (const family of families.values()) {
        if (family.sub === sub && family.revokedAt === null && family.expiresAt > now) {
          revoked.push(revoke(family, now));
        }
      }
      return revoked;
    },
  };
}
