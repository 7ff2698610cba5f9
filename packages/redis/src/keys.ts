// Key and channel names. Everything lives under the configured prefix, and the two sets of one issuer share
// a Redis Cluster hash tag (`{...}`) so the Lua script that writes them runs on one slot. The issuer is
// percent-encoded inside the tag: a `{` or `}` in an issuer string cannot move the tag, and token values are
// only ever key names or arguments, never patterns (no KEYS/SCAN over user input).

/** Revocations recorded without an issuer apply to every issuer (same sentinel as core's memory store). */
export const ANY_ISSUER = '\u0000*';

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
