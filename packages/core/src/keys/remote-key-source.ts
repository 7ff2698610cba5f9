// An issuer's keys from the network: discovery (when no jwksUri is configured) and a cached JWKS. A token
// whose `kid` is not in the cached set may be signed by a newly published key (rotation), so it triggers a
// refetch, but only once the per-issuer cooldown since the last fetch has passed and the verifier-wide
// budget allows: otherwise forged tokens with random kids would turn every request into a JWKS fetch.
import { discoverJwksUri } from './discovery.js';
import { createJwksCache, resolveJwksCacheOptions, type KeySet } from './jwks-cache.js';
import type { KeySource, VerificationKey } from './key-source.js';
import type { RefetchBudget } from './refetch-budget.js';
import type { JwksCacheOptions, JwtGuardEvent, JwtHeader } from '../types.js';

export interface RemoteKeySourceOptions {
  issuer: string;
  /** Absent: discovered from the issuer's metadata. */
  jwksUri?: string;
  fetch: typeof fetch;
  clock: () => number;
  cache: JwksCacheOptions;
  budget: RefetchBudget;
  onEvent?: (event: JwtGuardEvent) => void;
}

export function createRemoteKeySource(options: RemoteKeySourceOptions): KeySource {
  const resolved = resolveJwksCacheOptions(options.cache);
  const { issuer, clock, budget } = options;
  // Metadata is read once: jwks_uri is stable, and the JWKS itself carries the rotation.
  let discovered: string | undefined;
  const cache = createJwksCache({
    uri:
      options.jwksUri ??
      (async (signal) =>
        (discovered ??= await discoverJwksUri(issuer, {
          fetch: options.fetch,
          signal,
          maxBytes: resolved.maxBytes,
        }))),
    label: issuer,
    options: resolved,
    fetch: options.fetch,
    clock,
    onEvent: options.onEvent,
  });

  /** Whether an unknown kid may cause a fetch now: cooldown since the last fetch, then the global budget. */
  function mayRefetch(): boolean {
    const last = cache.lastFetchAt;
    if (last !== undefined && clock() - last < resolved.cooldownMs) return false;
    return budget.tryTake();
  }

  /** The path that may wait: a cold, expired or failing cache, or a kid the fresh set does not have. */
  async function lookUp(header: JwtHeader): Promise<readonly VerificationKey[]> {
    const found = candidates(await cache.get(), header);
    if (found.length > 0) return found;
    // Join a fetch already under way (another unknown kid's, or a background refresh that may be bringing
    // the rotated key): a storm of unknown kids costs one fetch.
    const pending = cache.fetching ?? (mayRefetch() ? cache.refresh() : undefined);
    if (!pending) return found;
    try {
      return candidates(await pending, header);
    } catch {
      // The endpoint failed (reported as jwks.failed); the cached set has answered: no such key.
      return found;
    }
  }

  return {
    getKeys(header: JwtHeader): readonly VerificationKey[] | Promise<readonly VerificationKey[]> {
      // A fresh set that has the kid answers at once: the request awaits nothing before its signature.
      const fresh = cache.peek();
      if (fresh !== undefined) {
        const found = candidates(fresh, header);
        if (found.length > 0) return found;
      }
      return lookUp(header);
    },
    async warmUp(): Promise<void> {
      await cache.get();
    },
  };
}

/** Keys that may verify `header`: by kid when the token names one (RFC 7515 §4.1.4), else every key. */
function candidates(set: KeySet, header: JwtHeader): VerificationKey[] {
  const alg = header.alg;
  if (typeof alg !== 'string') return [];
  const pool = typeof header.kid === 'string' ? set.byKid.get(header.kid) : set.keys;
  return pool ? pool.filter((key) => key.supports(alg)) : [];
}
