// The verified-token cache (opt-in: `cache: { tokens: { max, ttl } }`). A hit skips only the signature check
// and the parsing of a token string that was already verified; issuer routing, the claims (exp/nbf/iat
// against the clock), `validate` and the denylist run on every request, so a cached token still expires,
// can still be revoked, and still fails a policy that looks at the request.
//
// Why it is safe:
// - an entry is used only for exactly the token string it was made for (a prefix or a short hash alone
//   could collide and let one token ride on another's verification). It is found by the token's last 43
//   characters (its signature's end) and then compared in full: a Map hashes every character of its key,
//   and a token arriving in a request is a new string each time, so hashing the whole token would cost
//   a pass over it on every lookup;
// - an entry expires no later than the token's `exp` (on the verifier's clock) and never after `ttl`;
// - an entry remembers the VerificationKey that verified it, and is used only while the issuer's key source
//   still returns that very key for the token's header: a key dropped from the JWKS invalidates its tokens;
// - the cached claims' and header's nested values and the scopes are frozen, and every result gets its own
//   top-level copies, so an application that mutates `req.auth.payload` or `req.auth.scopes` cannot change
//   what the next request sees.
import { LRUCache } from 'lru-cache';
import { toMilliseconds } from './config/duration.js';
import { defaults } from './defaults.js';
import { ConfigurationError } from './errors.js';
import type { VerificationKey } from './keys/key-source.js';
import { freezeMembers } from './jws/strict-json.js';
import type { JwtHeader, TokenCacheOptions } from './types.js';

export interface CachedToken {
  /** The whole token string the entry was made for. */
  readonly token: string;
  /** The trusted issuer the token was routed to (the exact `iss`). */
  readonly issuer: string;
  readonly header: Readonly<JwtHeader>;
  readonly payload: Readonly<Record<string, unknown>>;
  /** The key whose signature check passed. */
  readonly key: VerificationKey;
  /** The scopes the payload grants (frozen): a hit copies them instead of reading the claims again. */
  readonly scopes: readonly string[];
  /** Clock milliseconds after which the entry is not used. */
  readonly expiresAt: number;
}

export interface TokenCache {
  /** The live entry for exactly this token string, or undefined (an expired entry is dropped). */
  get(token: string): CachedToken | undefined;
  /** Remember a token whose signature `key` verified; its nested claim values and scopes are frozen in place. */
  set(token: string, entry: Omit<CachedToken, 'token' | 'expiresAt'>): void;
  delete(token: string): void;
  readonly size: number;
}

/** Build the cache from `options.cache.tokens`; undefined when it is off (the default). */
export function createTokenCache(
  options: false | TokenCacheOptions | undefined,
  clock: () => number,
): TokenCache | undefined {
  if (options === undefined || options === false) return undefined;
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('cache.tokens must be false or { max?: number, ttl?: number | string }');
  }
  const max = options.max ?? defaults.tokenCache.max;
  if (!Number.isInteger(max) || max < 1) {
    throw new ConfigurationError(
      `cache.tokens.max must be a positive integer (default ${defaults.tokenCache.max})`,
    );
  }
  const ttlMs = toMilliseconds(options.ttl ?? defaults.tokenCache.ttl, 'cache.tokens.ttl');
  if (!(ttlMs > 0)) throw new ConfigurationError('cache.tokens.ttl must be longer than zero');

  // Bounded by count only: expiry is checked against the verifier's clock on every read, so an expired
  // entry is never used and is dropped as soon as it is read (or evicted by newer entries).
  const lru = new LRUCache<string, CachedToken>({ max });
  const scopeLists = createScopeInterner();
  return {
    get(token) {
      // Not a string: not a token the cache could hold; the verifier refuses it as malformed.
      if (typeof token !== 'string') return undefined;
      const entry = lru.get(indexOf(token));
      if (entry === undefined || entry.token !== token) return undefined;
      if (clock() >= entry.expiresAt) {
        lru.delete(indexOf(token));
        return undefined;
      }
      return entry;
    },
    set(token, entry) {
      const now = clock();
      const exp = entry.payload.exp;
      // RFC 7519 §4.1.4: not on or after `exp`. No tolerance here: the entry ends with the token, and the
      // clock-tolerance window (if any) is served by a full verification.
      const tokenEnd = typeof exp === 'number' ? exp * 1000 : Infinity;
      const expiresAt = Math.min(tokenEnd, now + ttlMs);
      if (!(expiresAt > now)) return;
      // The payload and header objects themselves are never handed out (every result gets a spread copy),
      // so only what the copies share, their nested values, is frozen: V8 spreads a frozen object on a
      // slow path, and every hit spreads both.
      freezeMembers(entry.payload);
      freezeMembers(entry.header);
      // Spelled out rather than spread: a spread plus a new member gave every entry its own hidden class
      // (seen in a heap snapshot); a literal shares one across all entries.
      const cached: CachedToken = {
        token,
        issuer: entry.issuer,
        header: entry.header,
        payload: entry.payload,
        key: entry.key,
        scopes: scopeLists.intern(entry.scopes),
        expiresAt,
      };
      lru.set(indexOf(token), cached);
    },
    delete(token) {
      // Only this token's own entry: another token ending alike keeps its place.
      if (lru.peek(indexOf(token))?.token === token) lru.delete(indexOf(token));
    },
    get size() {
      return lru.size;
    },
  };
}

/** Characters at the token's end that index its entry: a whole HS256 signature, the end of longer ones. */
const INDEX_CHARACTERS = 43;

function indexOf(token: string): string {
  return token.slice(-INDEX_CHARACTERS);
}

/** Distinct scope lists kept for sharing; past this many the table starts over (entries keep theirs). */
const MAX_SCOPE_LISTS = 1_000;

/**
 * One frozen array per distinct list of scopes, shared by every entry that grants it: tokens of one client
 * carry the same scopes, and a copy per entry would grow the heap with every cached token.
 * Keyed by the JSON of the list, which no two different lists share (a space-joined key would confuse
 * ['a b'] with ['a', 'b']). Runs only when a token is cached, after its signature was checked.
 */
function createScopeInterner(): { intern(scopes: readonly string[]): readonly string[] } {
  const lists = new Map<string, readonly string[]>();
  return {
    intern(scopes) {
      const key = JSON.stringify(scopes);
      const shared = lists.get(key);
      if (shared !== undefined) return shared;
      if (lists.size >= MAX_SCOPE_LISTS) lists.clear();
      const list = Object.freeze([...scopes]);
      lists.set(key, list);
      return list;
    },
  };
}
