// Refresh-token persistence. Tokens are opaque 256-bit random strings; a store only ever sees their SHA-256
// hash, so a leaked store cannot be replayed. Tokens belong to a family (one login / grant): every refresh
// marks the presented token used and adds its successor, and presenting a used token again means it was
// stolen (OAuth 2.0 Security BCP, RFC 9700 §4.14.2): the whole family is revoked.
//
// `rotate` is the one operation that must be atomic (check unused + mark used + add successor): two
// concurrent refreshes with one token must yield exactly one success. The memory store gets that from
// running synchronously; the Redis store in @jwtguard/redis does it in one Lua script.

/** An access token issued from a family, remembered so reuse detection can revoke it (its `jti`). */
export interface IssuedAccessToken {
  jti: string;
  /** Expiry, seconds since the epoch (as the `exp` claim). */
  exp: number;
}

/** One grant: the user/client pair and what it was granted. Times in milliseconds since the epoch. */
export interface RefreshFamily {
  id: string;
  sub: string;
  clientId: string;
  /** Space-delimited scope granted to the family (refreshes may narrow it, never widen it). */
  scope: string;
  audience: string[];
  /** Extra claims copied into every access token of the family (JSON values). */
  claims: Record<string, unknown>;
  createdAt: number;
  /** Absolute lifetime: no token of the family is accepted at or after this instant. */
  expiresAt: number;
  /** Set when the family was revoked (logout, reuse detected, revokeSubject). */
  revokedAt: number | null;
  /** Access tokens issued from this family that may still be live (expired ones are pruned). */
  accessTokens: IssuedAccessToken[];
  /**
   * The RFC 7638 thumbprint of the DPoP key the family is bound to (RFC 9449 §5): its tokens are refreshed
   * only with a proof of that key. Absent for an unbound family. Once set it never changes.
   */
  dpopJkt?: string;
  /**
   * The RFC 8705 §3.1 thumbprint of the client certificate the family is bound to (§4: a public client's
   * refresh tokens are bound to its certificate): its tokens are refreshed only over mutual TLS with that
   * certificate. Absent for an unbound family. Once set it never changes.
   */
  certificateThumbprint?: string;
}

/** One refresh token of a family, identified by the SHA-256 (base64url) of the token. */
export interface RefreshTokenRecord {
  hash: string;
  familyId: string;
  issuedAt: number;
  /** Idle expiry: min(issuedAt + idle lifetime, family.expiresAt). */
  expiresAt: number;
  /** When it was exchanged for its successor; `null` while unused. */
  usedAt: number | null;
}

/** The inputs of one atomic rotation. */
export interface RefreshRotation {
  /** Hash of the presented token. */
  hash: string;
  /** Hash of the successor token, stored if and only if the rotation succeeds. */
  nextHash: string;
  now: number;
  /** Idle lifetime (ms) of the successor; its expiry is capped by the family's absolute expiry. */
  idleLifetime: number;
  /**
   * A used token presented again within this many ms of its use is refused without revoking the family
   * (a client retrying its own request); 0 (the default) treats every reuse as theft.
   */
  reuseGracePeriod: number;
  /** The access token that will be issued with the successor; appended to the family on success. */
  accessToken: IssuedAccessToken;
  /**
   * On success, bind the family to this DPoP key thumbprint if it is not bound yet (a public client's first
   * refresh with a proof, RFC 9449 §5); a family already bound keeps its binding. The returned family shows
   * the binding.
   */
  dpopJkt?: string;
  /**
   * On success, bind the family to this certificate thumbprint if it is not bound to one yet (a public
   * client's first refresh over mutual TLS, RFC 8705 §4); a family already bound keeps its binding. The
   * returned family shows the binding.
   */
  certificateThumbprint?: string;
}

export type RefreshRotationResult =
  | { status: 'rotated'; family: RefreshFamily; token: RefreshTokenRecord }
  /** The token was already used: the family is now revoked; `family.accessTokens` must be denylisted. */
  | { status: 'reused'; family: RefreshFamily }
  | { status: 'invalid'; reason: 'unknown' | 'expired' | 'revoked' | 'retried' };

export interface RefreshTokenStore {
  /** Store a new family with its first token. */
  create(family: RefreshFamily, token: RefreshTokenRecord): Promise<void>;
  /** The atomic refresh step; see `RefreshRotation`. Must revoke the family itself on reuse. */
  rotate(rotation: RefreshRotation): Promise<RefreshRotationResult>;
  /** Look a token up by hash (for revocation); undefined when unknown or already purged. */
  find(hash: string): Promise<{ token: RefreshTokenRecord; family: RefreshFamily } | undefined>;
  /** Mark a family revoked; returns it (with its access tokens) or undefined when unknown. */
  revokeFamily(familyId: string, now: number): Promise<RefreshFamily | undefined>;
  /** Revoke every live family of `sub` (logout everywhere); returns the revoked families. */
  revokeSubject(sub: string, now: number): Promise<RefreshFamily[]>;
  close?(): Promise<void>;
}
