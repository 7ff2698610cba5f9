// DPoP proof replay (RFC 9449 §11.1): a proof's `jti` may be used once inside the window in which its `iat`
// is accepted. The store remembers each id until then; a store that cannot answer makes the request a 503,
// never an accept, and a full memory store refuses new proofs rather than forgetting live ones (forgetting
// would let the forgotten proofs be replayed).
import { LRUCache } from 'lru-cache';
import { assertKnownOptions } from '../config/option-names.js';
import { ConfigurationError } from '../errors.js';
import type { ReplayStore } from '../types.js';

export interface MemoryReplayStoreOptions {
  /** Most ids remembered at once (default 100 000); size it above proofs per second × the proof window. */
  maxEntries?: number;
  /** Milliseconds since the epoch (default Date.now). */
  clock?: () => number;
}

export interface MemoryReplayStore extends ReplayStore {
  markUsed(id: string, expiresAt: number): boolean;
  /** Ids currently remembered. */
  readonly size: number;
}

const OPTION_NAMES = { maxEntries: true, clock: true } satisfies Record<keyof MemoryReplayStoreOptions, true>;

/**
 * A replay store for one process: the default when `dpop` is on. Several instances behind a load balancer
 * need a shared store, or a proof replayed against another instance would be accepted there.
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): MemoryReplayStore {
  assertKnownOptions('createMemoryReplayStore()', options, Object.keys(OPTION_NAMES));
  const clock = options.clock ?? Date.now;
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new ConfigurationError('createMemoryReplayStore(): maxEntries must be a positive integer');
  }
  // Values are expiry instants in milliseconds; expired entries are purged before the store counts as full.
  const used = new LRUCache<string, number>({ max: maxEntries + 1 });
  const purge = (now: number): void => {
    for (const [id, expiresAtMs] of used.entries()) if (expiresAtMs <= now) used.delete(id);
  };
  return {
    markUsed(id, expiresAt) {
      const now = clock();
      const seen = used.get(id);
      if (seen !== undefined && seen > now) return false;
      if (used.size >= maxEntries) {
        purge(now);
        if (used.size >= maxEntries) {
          throw new RangeError(
            `replay store full: ${maxEntries} live proof ids; raise maxEntries or use a shared store`,
          );
        }
      }
      used.set(id, expiresAt * 1000);
      return true;
    },
    get size() {
      purge(clock());
      return used.size;
    },
  };
}
