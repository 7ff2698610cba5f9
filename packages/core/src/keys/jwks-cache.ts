// One JWKS endpoint's cached key set. The policy (docs/ARCHITECTURE.md "Decisions"): one fetch in flight at a time
// (single-flight, so a thousand concurrent requests on a cold cache cost one fetch); keep the set for the
// response's `Cache-Control: max-age` clamped to [minCacheAge, maxCacheAge] (default cacheMaxAge); refresh in
// the background before expiry so requests rarely wait; when the endpoint fails, keep serving the last good
// set for up to `staleIfError` past its expiry and say so in an event; after a failure, wait `cooldown`
// before asking again so a down endpoint is not hammered by every request.
import type { JWK } from 'jose';
import { toMilliseconds } from '../config/duration.js';
import { defaults } from '../defaults.js';
import { ConfigurationError, UnavailableError } from '../errors.js';
import { FetchFailure, fetchJsonDocument } from './json-fetch.js';
import { jwkRejectionReason, verificationKeyFromJwk } from './jwk-import.js';
import type { VerificationKey } from './key-source.js';
import type { JwksCacheOptions, JwtGuardEvent } from '../types.js';

/** JwksCacheOptions with defaults applied and durations in milliseconds. */
export interface ResolvedJwksCacheOptions {
  cacheMaxAgeMs: number;
  minCacheAgeMs: number;
  maxCacheAgeMs: number;
  cooldownMs: number;
  timeoutMs: number;
  staleIfErrorMs: number;
  refreshAhead: number;
  maxBytes: number;
  maxKeys: number;
}

/** Check and normalise the `cache.jwks` options once, at construction. */
export function resolveJwksCacheOptions(options: JwksCacheOptions = {}): ResolvedJwksCacheOptions {
  const d = defaults.jwks;
  const ms = (value: number | string | undefined, fallback: string, name: string): number =>
    toMilliseconds(value ?? fallback, `cache.jwks.${name}`);
  const resolved: ResolvedJwksCacheOptions = {
    cacheMaxAgeMs: ms(options.cacheMaxAge, d.cacheMaxAge, 'cacheMaxAge'),
    minCacheAgeMs: ms(options.minCacheAge, d.minCacheAge, 'minCacheAge'),
    maxCacheAgeMs: ms(options.maxCacheAge, d.maxCacheAge, 'maxCacheAge'),
    cooldownMs: ms(options.cooldown, d.cooldown, 'cooldown'),
    timeoutMs: ms(options.timeout, d.timeout, 'timeout'),
    staleIfErrorMs: ms(options.staleIfError, d.staleIfError, 'staleIfError'),
    refreshAhead: options.refreshAhead ?? d.refreshAhead,
    maxBytes: options.maxBytes ?? d.maxBytes,
    maxKeys: options.maxKeys ?? d.maxKeys,
  };
  if (resolved.minCacheAgeMs > resolved.maxCacheAgeMs) {
    throw new ConfigurationError('cache.jwks.minCacheAge must not exceed cache.jwks.maxCacheAge');
  }
  if (resolved.timeoutMs <= 0) throw new ConfigurationError('cache.jwks.timeout must be greater than zero');
  if (!(resolved.refreshAhead >= 0 && resolved.refreshAhead < 1)) {
    throw new ConfigurationError('cache.jwks.refreshAhead must be a fraction in [0, 1), e.g. 0.1');
  }
  for (const name of ['maxBytes', 'maxKeys'] as const) {
    if (!Number.isSafeInteger(resolved[name]) || resolved[name] < 1) {
      throw new ConfigurationError(`cache.jwks.${name} must be a positive integer`);
    }
  }
  return resolved;
}

/** A fetched, filtered key set. */
export interface KeySet {
  readonly keys: readonly VerificationKey[];
  /** Keys by `kid`; a JWKS may legitimately publish one kid for several keys (e.g. per algorithm). */
  readonly byKid: ReadonlyMap<string, readonly VerificationKey[]>;
  /**
   * Entries skipped by the key policy (enc keys, private members, oct, weak RSA, wrong curve...), reported in
   * the `jwks.fetched` event: a key the issuer publishes and we refuse is the first thing to look for when
   * its tokens fail with ERR_JWKS_NO_MATCHING_KEY.
   */
  readonly ignored: number;
  readonly fetchedAt: number;
  readonly expiresAt: number;
}

export interface JwksCacheConfig {
  /** The JWKS URI, or how to find it (discovery) within the same fetch deadline. */
  uri: string | ((signal: AbortSignal) => Promise<string>);
  /** Names the endpoint in events until the URI is known (the issuer, for discovery). */
  label: string;
  options: ResolvedJwksCacheOptions;
  fetch: typeof fetch;
  clock: () => number;
  onEvent?: ((event: JwtGuardEvent) => void) | undefined;
}

export interface JwksCache {
  /** A usable set: fresh, or stale within `staleIfError` while the endpoint fails. Rejects with
   * UnavailableError when there is none. */
  get(): Promise<KeySet>;
  /** The set when it is fresh, without a promise (starting the refresh-ahead when due); else undefined. */
  peek(): KeySet | undefined;
  /** Fetch now (joining a fetch already in flight). Rejects with the fetch failure. */
  refresh(): Promise<KeySet>;
  /** When the last fetch (of any kind) started, by the injected clock. */
  readonly lastFetchAt: number | undefined;
  /** The fetch in flight (a background refresh, say), if any. */
  readonly fetching: Promise<KeySet> | undefined;
}

export function createJwksCache(config: JwksCacheConfig): JwksCache {
  const { options, clock } = config;
  let label = typeof config.uri === 'string' ? config.uri : config.label;
  let current: KeySet | undefined;
  let inFlight: Promise<KeySet> | undefined;
  let lastFetchAt: number | undefined;
  let lastFailureAt: number | undefined;
  let staleAnnounced = true;

  const emit = (event: JwtGuardEvent): void => {
    try {
      config.onEvent?.(event);
    } catch {
      // A throwing listener must not break key resolution.
    }
  };

  const inBackoff = (now: number): boolean =>
    lastFailureAt !== undefined && now - lastFailureAt < options.cooldownMs;

  function refresh(): Promise<KeySet> {
    inFlight ??= fetchOnce().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  async function fetchOnce(): Promise<KeySet> {
    lastFetchAt = clock();
    const started = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new FetchFailure(`timed out after ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    try {
      const uri = typeof config.uri === 'string' ? config.uri : await config.uri(controller.signal);
      label = uri;
      const document = await fetchJsonDocument(uri, {
        fetch: config.fetch,
        signal: controller.signal,
        maxBytes: options.maxBytes,
      });
      const fetchedAt = clock();
      const set = buildKeySet(document.body, options.maxKeys, fetchedAt, ttl(document.maxAgeMs));
      current = set;
      lastFailureAt = undefined;
      emit({
        type: 'jwks.fetched',
        uri,
        keys: set.keys.length,
        ignored: set.ignored,
        durationMs: Math.round(performance.now() - started),
      });
      return set;
    } catch (error) {
      lastFailureAt = clock();
      staleAnnounced = false;
      const reason = error instanceof Error ? error.message : 'fetch failed';
      emit({ type: 'jwks.failed', uri: label, reason });
      throw error instanceof FetchFailure ? error : new FetchFailure(reason);
    } finally {
      clearTimeout(timer);
    }
  }

  function ttl(maxAgeMs: number | undefined): number {
    if (maxAgeMs === undefined) return options.cacheMaxAgeMs;
    return Math.min(options.maxCacheAgeMs, Math.max(options.minCacheAgeMs, maxAgeMs));
  }

  function backgroundRefresh(): void {
    // Failures are reported through `jwks.failed`; the caller already has a usable set.
    refresh().catch(() => undefined);
  }

  /** The stale set when `staleIfError` still covers it, announced once per failed refresh. */
  function staleOrUnavailable(now: number): KeySet {
    const set = current;
    if (set && now <= set.expiresAt + options.staleIfErrorMs) {
      if (!staleAnnounced) {
        staleAnnounced = true;
        emit({ type: 'jwks.stale', uri: label, ageMs: now - set.fetchedAt });
      }
      return set;
    }
    const waitMs =
      lastFailureAt === undefined ? options.cooldownMs : lastFailureAt + options.cooldownMs - now;
    return unavailable(waitMs);
  }

  function peek(): KeySet | undefined {
    const now = clock();
    const set = current;
    if (set === undefined || now >= set.expiresAt) return undefined;
    const refreshAt = set.expiresAt - (set.expiresAt - set.fetchedAt) * options.refreshAhead;
    if (now >= refreshAt && !inFlight && !inBackoff(now)) backgroundRefresh();
    return set;
  }

  return {
    get lastFetchAt() {
      return lastFetchAt;
    },
    get fetching() {
      return inFlight;
    },
    refresh,
    peek,
    async get() {
      const fresh = peek();
      if (fresh !== undefined) return fresh;
      const now = clock();
      const set = current;
      // Expired or never fetched.
      const knownFailing = lastFailureAt !== undefined && (!set || lastFailureAt >= set.fetchedAt);
      if (set && knownFailing && now <= set.expiresAt + options.staleIfErrorMs) {
        // The endpoint is already known to be failing: answer from the stale set at once and retry behind it.
        if (!inFlight && !inBackoff(now)) backgroundRefresh();
        return staleOrUnavailable(now);
      }
      if (!inFlight && inBackoff(now)) return staleOrUnavailable(now);
      try {
        return await refresh();
      } catch {
        return staleOrUnavailable(clock());
      }
    },
  };
}

function unavailable(waitMs: number): never {
  throw new UnavailableError(
    'ERR_JWKS_UNAVAILABLE',
    'The signing keys are temporarily unavailable',
    Math.max(1, waitMs / 1000),
  );
}

function buildKeySet(
  body: Record<string, unknown>,
  maxKeys: number,
  fetchedAt: number,
  ttlMs: number,
): KeySet {
  const entries = body.keys;
  if (!Array.isArray(entries)) throw new FetchFailure('not a JWK Set (no "keys" array)');
  // Refuse the whole set rather than truncate it: a silently dropped key would reject valid tokens.
  if (entries.length > maxKeys)
    throw new FetchFailure(`JWK Set has ${entries.length} keys, limit ${maxKeys}`);
  const keys: VerificationKey[] = [];
  const byKid = new Map<string, VerificationKey[]>();
  let ignored = 0;
  for (const entry of entries as unknown[]) {
    // RFC 7517 §5: members that are not understood are ignored; one bad key must not discard the set.
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      ignored++;
      continue;
    }
    const jwk = entry as JWK;
    if (jwkRejectionReason(jwk) !== undefined || (jwk.kid !== undefined && typeof jwk.kid !== 'string')) {
      ignored++;
      continue;
    }
    const key = verificationKeyFromJwk(jwk);
    keys.push(key);
    if (key.kid !== undefined) {
      const same = byKid.get(key.kid);
      if (same) same.push(key);
      else byKid.set(key.kid, [key]);
    }
  }
  return { keys, byKid, ignored, fetchedAt, expiresAt: fetchedAt + ttlMs };
}
