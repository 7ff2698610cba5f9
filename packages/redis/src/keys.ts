// Key and channel names of every store. Everything lives under the configured prefix. Keys written together
// by one Lua script share a Redis Cluster hash tag (`{...}`), so the script runs on one slot: the two sets of
// one issuer (denylist), the three keys of one refresh family. The value inside a tag is percent-encoded: a
// `{` or `}` in an issuer or id cannot move the tag, and values from tokens are only ever key names or
// arguments, never patterns (no KEYS/SCAN over user input).
import { createHash } from 'node:crypto';

export interface RedisKeys {
  /** Sorted set: revoked token id → expiry (ms since the epoch). */
  tokens(iss: string): string;
  /** Sorted set: subject → cutoff (NumericDate seconds, fractional). */
  subjects(iss: string): string;
  /** Sorted set: issuer → latest expiry of its entries, so a snapshot knows which issuers to read. */
  readonly issuers: string;
  /** Pub/sub channel carrying revocations and heartbeats. */
  readonly channel: string;
}

export function redisKeys(prefix: string): RedisKeys {
  const tag = (iss: string): string => `${prefix}{${encodeURIComponent(iss)}}`;
  return {
    tokens: (iss) => `${tag(iss)}:t`,
    subjects: (iss) => `${tag(iss)}:s`,
    issuers: `${prefix}issuers`,
    channel: `${prefix}revocations`,
  };
}

/**
 * Refresh-token families. The three keys of one family share a hash tag (its id), so the rotation script
 * touches one slot; the token → family index and the per-subject index live on their own slots and are
 * written outside the scripts (see refresh-token-store.ts for why that order is safe).
 */
export interface RefreshKeys {
  /** String: refresh-token hash → family id. */
  token(hash: string): string;
  /** Hash: the family's fields. */
  family(familyId: string): string;
  /** Hash: token hash → "issuedAt:expiresAt:usedAt" of every token of the family. */
  tokens(familyId: string): string;
  /** Sorted set: access-token jti → exp (seconds) of the family's live access tokens. */
  accessTokens(familyId: string): string;
  /** Sorted set: family id → absolute expiry (ms) of every family of a subject. */
  subject(sub: string): string;
}

export function refreshKeys(prefix: string): RefreshKeys {
  const tag = (familyId: string): string => `${prefix}refresh:{${encodeURIComponent(familyId)}}`;
  return {
    token: (hash) => `${prefix}refresh:token:${encodeURIComponent(hash)}`,
    family: (familyId) => `${tag(familyId)}:family`,
    tokens: (familyId) => `${tag(familyId)}:tokens`,
    accessTokens: (familyId) => `${tag(familyId)}:access`,
    subject: (sub) => `${prefix}refresh:subject:${encodeURIComponent(sub)}`,
  };
}

/** Hash: kid → stored signing key (private JWK encrypted). One key, so one slot. */
export function signingKeysKey(prefix: string): string {
  return `${prefix}signing-keys`;
}

/**
 * String: one used DPoP proof id, `<prefix>dpop:jti:<base64url SHA-256 of the id>`. The id (thumbprint, `:`,
 * the client's `jti`) is hashed so a key has a fixed size whatever `jti` a client sends, and no hash tag: each
 * key lives on the slot of its own name, so ids spread over a Cluster and each markUsed touches one key.
 */
export function replayKey(prefix: string, id: string): string {
  return `${prefix}dpop:jti:${createHash('sha256').update(id, 'utf8').digest('base64url')}`;
}
