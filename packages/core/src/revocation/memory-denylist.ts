// An in-process Denylist for a single API instance (tests, small deployments). Several instances need a
// shared store with push (see @jwtguard/redis). Entries live exactly as long as they can matter: a revoked
// token's entry until its `exp` (+ tolerance), a subject cutoff until every token issued before it has
// expired (`maxTokenLifetime`). Same rules as every store, from revocation-id.ts.
import { LRUCache } from 'lru-cache';
import { decodeSegment, splitCompact } from '../jws/compact.js';
import { toMilliseconds } from '../config/duration.js';
import { ConfigurationError } from '../errors.js';
import { isBeforeCutoff, jtiRevocationId, revocationId, type RevocationId } from './revocation-id.js';
import { parseJsonObject } from '../jws/strict-json.js';
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
  /** How long a subject cutoff is kept: the longest lifetime of a token you issue (default '24h'). */
  maxTokenLifetime?: number | string;
  /** Milliseconds since the epoch (default Date.now). */
  clock?: () => number;
}

export interface MemoryDenylist extends Denylist {
  /** Revoke by `jti`. Without `iss` the `jti` is revoked for every issuer. `exp` is the token's (seconds). */
  revoke(entry: { iss?: string; jti: string; exp: number }): void;
  /** Revoke one token: by its `jti`, or by the hash of the token when it has none. */
  revokeToken(token: AuthResult | string): Promise<void>;
  /** Revoke every token of `sub` issued before `before` (seconds; default now): "log out everywhere". */
  revokeSubject(entry: { iss: string; sub: string; before?: number }): void;
  /** Synchronous for a token with a `jti` (no promise, no timer in the verifier); a Promise when it is hashed. */
  isRevoked(result: AuthResult): boolean | Promise<boolean>;
  /** Current number of live entries. */
  readonly size: number;
}

// Keys are `kind \n iss \n id`. A revocation without `iss` is stored under this sentinel issuer; a token
// claiming it as its `iss` never gets here, since the verifier only accepts configured issuers.
const ANY_ISSUER = '\u0000*';

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
  const clock = options.clock ?? Date.now;
  const tolerance = toMilliseconds(options.clockTolerance ?? 5, 'clockTolerance');
  const maxTokenLifetime = toMilliseconds(options.maxTokenLifetime ?? '24h', 'maxTokenLifetime');
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new ConfigurationError(`maxEntries must be a positive integer; got ${String(maxEntries)}`);
  }
  // Expiry is checked against the injected clock on every read, so tests and clock-skewed hosts agree with
  // the verifier. lru-cache only bounds the size.
  const entries = new LRUCache<string, Entry>({ max: maxEntries });

  function store(key: string, cutoff: number, expiresAtMs: number): void {
    if (expiresAtMs <= clock()) return; // already past: the token can no longer be accepted anyway
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

  function tokenKey(iss: string, id: string): string {
    return `t\n${iss}\n${id}`;
  }

  function tokenRevoked(id: RevocationId): boolean {
    return live(tokenKey(id.iss, id.id)) !== undefined || live(tokenKey(ANY_ISSUER, id.id)) !== undefined;
  }

  return {
    revoke({ iss, jti, exp }) {
      if (typeof jti !== 'string' || jti === '')
        throw new TypeError('revoke: jti must be a non-empty string');
      if (typeof exp !== 'number' || !Number.isFinite(exp))
        throw new TypeError('revoke: exp must be a NumericDate');
      const id = jtiRevocationId(iss ?? ANY_ISSUER, jti);
      store(tokenKey(id.iss, id.id), 0, exp * 1000 + tolerance);
    },
    async revokeToken(token) {
      const result = typeof token === 'string' ? unverifiedResult(token) : token;
      const id = await revocationId(result);
      const exp = result.payload.exp;
      // No usable exp: the token never expires, so neither does its revocation.
      const expiresAt = typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 + tolerance : Infinity;
      store(tokenKey(id.iss, id.id), 0, expiresAt);
    },
    revokeSubject({ iss, sub, before }) {
      if (typeof sub !== 'string' || sub === '')
        throw new TypeError('revokeSubject: sub must be a non-empty string');
      const cutoff = before ?? clock() / 1000;
      const key = `s\n${iss}\n${sub}`;
      const current = live(key)?.cutoff;
      const effective = current !== undefined && current > cutoff ? current : cutoff;
      store(key, effective, effective * 1000 + maxTokenLifetime + tolerance);
    },
    isRevoked(result) {
      const sub = result.payload.sub;
      if (typeof sub === 'string') {
        const cutoff = live(`s\n${result.issuer}\n${sub}`)?.cutoff;
        if (cutoff !== undefined && isBeforeCutoff(result.payload.iat, cutoff)) return true;
      }
      const jti = result.payload.jti;
      if (typeof jti === 'string' && jti !== '') return tokenRevoked(jtiRevocationId(result.issuer, jti));
      return revocationId(result).then(tokenRevoked);
    },
    get size() {
      purgeExpired();
      return entries.size;
    },
  };
}

/** Read iss/jti/exp from a token without verifying it: revoking a token needs no proof it is valid. */
function unverifiedResult(token: string): Pick<AuthResult, 'token' | 'payload' | 'issuer'> {
  const parts = splitCompact(token);
  const payload = parseJsonObject(decodeSegment(parts.payload), 'payload');
  return { token, payload, issuer: typeof payload.iss === 'string' ? payload.iss : '' };
}
