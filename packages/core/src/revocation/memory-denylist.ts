// An in-process Denylist for a single API instance (tests, small deployments). Several instances need a
// shared store with push (see @jwtguard/redis). Which tokens an entry refuses and how long it is kept follow
// the rule every store shares (revocation-rule.ts); this file only keeps the entries.
import { LRUCache } from 'lru-cache';
import { assertKnownOptions } from '../config/option-names.js';
import { ConfigurationError } from '../errors.js';
import { isBeforeCutoff, jtiRevocationId, revocationId, type RevocationId } from './revocation-id.js';
import { ANY_ISSUER, revocationRule } from './revocation-rule.js';
import type { AuthResult, Denylist } from '../types.js';

export interface MemoryDenylistOptions {
  /** Added to `exp` before an entry is dropped, matching the verifier's tolerance (default 5 s). */
  clockTolerance?: number | string;
  /**
   * Most live entries (default 100 000). Expired entries are purged to make room; when every entry is still
   * live, revoking throws a RangeError rather than dropping (un-revoking) one: size this above your revocation
   * rate × token lifetime.
   */
  maxEntries?: number;
  /**
   * How long a subject cutoff, and a revoked token without `exp`, is kept: the longest lifetime of a token you
   * issue (default '24h').
   */
  maxTokenLifetime?: number | string;
  /** Milliseconds since the epoch (default Date.now). */
  clock?: () => number;
}

export interface MemoryDenylist extends Denylist {
  /** Revoke by `jti`. Without `iss` the `jti` is revoked for every issuer. `exp` is the token's (seconds). */
  revoke(entry: { iss?: string; jti: string; exp: number }): void;
  /**
   * Revoke one token: by its `jti`, or by the hash of the token when it has none. A token without `iss` is
   * refused (TypeError): revoke({ jti, exp }) revokes a `jti` for every issuer.
   */
  revokeToken(token: AuthResult | string): Promise<void>;
  /** Revoke every token of `sub` issued before `before` (seconds; default now): "log out everywhere". */
  revokeSubject(entry: { iss: string; sub: string; before?: number }): void;
  /** Synchronous for a token with a `jti` (no promise, no timer in the verifier); a Promise when it is hashed. */
  isRevoked(result: AuthResult): boolean | Promise<boolean>;
  /** Current number of live entries. */
  readonly size: number;
}

const OPTION_NAMES = {
  clockTolerance: true,
  maxEntries: true,
  maxTokenLifetime: true,
  clock: true,
} satisfies Record<keyof MemoryDenylistOptions, true>;

interface Entry {
  /** Subject cutoff in seconds (subject entries); 0 for token entries. */
  cutoff: number;
  expiresAtMs: number;
}

/**
 * An in-memory Denylist for one process.
 *
 * @example
 * const denylist = createMemoryDenylist();
 * const verifier = createVerifier({ issuer, audience, denylist });
 * denylist.revokeSubject({ iss: issuer, sub: 'user-1' }); // log out everywhere
 */
export function createMemoryDenylist(options: MemoryDenylistOptions = {}): MemoryDenylist {
  assertKnownOptions('createMemoryDenylist()', options, Object.keys(OPTION_NAMES));
  const clock = options.clock ?? Date.now;
  const rule = revocationRule(options);
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new ConfigurationError(`maxEntries must be a positive integer; got ${String(maxEntries)}`);
  }
  // Expiry is checked against the injected clock on every read, so tests and clock-skewed hosts agree with
  // the verifier. lru-cache only bounds the size.
  const entries = new LRUCache<string, Entry>({ max: maxEntries });

  function store(key: string, cutoff: number, expiresAtMs: number): void {
    if (expiresAtMs <= clock()) return; // already past: the token can no longer be accepted anyway
    const current = live(key);
    if (current !== undefined && current.expiresAtMs >= expiresAtMs) return; // revocations never weaken
    if (entries.size >= maxEntries && !entries.has(key)) {
      purgeExpired();
      // Dropping a live revocation would silently un-revoke a token: refuse loudly instead.
      if (entries.size >= maxEntries) {
        throw new RangeError(
          `memory denylist is full (${maxEntries} live revocations): raise maxEntries or use a shared store`,
        );
      }
    }
    entries.set(key, { cutoff, expiresAtMs });
  }

  function purgeExpired(): void {
    const now = clock();
    for (const [key, entry] of entries.entries()) if (entry.expiresAtMs <= now) entries.delete(key);
  }

  function live(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (entry && entry.expiresAtMs <= clock()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  // Keys are `kind \n iss \n id`.
  function tokenKey(iss: string, id: string): string {
    return `t\n${iss}\n${id}`;
  }

  function tokenRevoked(id: RevocationId): boolean {
    return live(tokenKey(id.iss, id.id)) !== undefined || live(tokenKey(ANY_ISSUER, id.id)) !== undefined;
  }

  return {
    revoke(entry) {
      const { iss, id, expiresAtMs } = rule.jti(entry);
      store(tokenKey(iss, id), 0, expiresAtMs);
    },
    async revokeToken(token) {
      const { iss, id, expiresAtMs } = await rule.token(token);
      store(tokenKey(iss, id), 0, expiresAtMs);
    },
    revokeSubject(entry) {
      const { iss, sub, cutoff } = rule.subject(entry);
      const key = `s\n${iss}\n${sub}`;
      const current = live(key)?.cutoff;
      const effective = current !== undefined && current > cutoff ? current : cutoff;
      store(key, effective, rule.cutoffExpiresAt(effective));
    },
    isRevoked(result) {
      const sub = result.payload.sub;
      if (typeof sub === 'string') {
        const cutoff = live(`s\n${result.issuer}\n${sub}`)?.cutoff;
        if (cutoff !== undefined && isBeforeCutoff(result.payload.iat, cutoff)) return true;
      }
      const jti = result.payload.jti;
      if (typeof jti === 'string' && jti !== '') return tokenRevoked(jtiRevocationId(result.issuer, jti));
      const id = revocationId(result);
      return id instanceof Promise ? id.then(tokenRevoked) : tokenRevoked(id);
    },
    get size() {
      purgeExpired();
      return entries.size;
    },
  };
}
