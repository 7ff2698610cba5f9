// DPoP proof replay (RFC 9449 §11.1) shared by every instance of an API: a proof id used on one instance is
// refused on all of them. One `SET key 1 PX <ms> NX` per proof: atomic on its own (two instances racing on
// one id get one "OK" between them), and one key per id, so it is Cluster-safe without a hash tag.
// Bounded like the other stores: a call waits neither for a connection that is down nor for a stalled server
// past `timeout`, so the verifier answers 503 instead of hanging or accepting.
import {
  assertKnownOptions,
  ConfigurationError,
  defaults,
  toMilliseconds,
  type ReplayStore,
} from '@jwtguard/core';
import type { RedisInput } from './connection.js';
import { replayKey } from './keys.js';
import { openStoreConnection } from './store-connection.js';

export interface RedisReplayStoreOptions {
  /** An ioredis client (Redis or Cluster), its options, or a URL. Default `redis://127.0.0.1:6379`. */
  redis?: RedisInput;
  /** Prefix of every key (default 'jwtguard:'); ids are kept under `<prefix>dpop:jti:`. */
  prefix?: string;
  /** Bound on each call; past it markUsed rejects and the verifier answers 503 (default: core's denylistTimeout, '250ms'). */
  timeout?: number | string;
  /** Added to each id's lifetime, for clocks of API instances that disagree (default: core's clockTolerance, 5 s). */
  clockTolerance?: number | string;
  /** Milliseconds since the epoch (default Date.now): the verifier's clock, if you gave it one. */
  clock?: () => number;
}

export interface RedisReplayStore extends ReplayStore {
  /**
   * True when `id` was not used before (it is now recorded until `expiresAt` + `clockTolerance`), false for
   * a replay. Rejects when Redis does not answer within `timeout`, and when `expiresAt` is already past by
   * more than `clockTolerance` on this store's clock (the verifier's clock and the store's disagree).
   */
  markUsed(id: string, expiresAt: number): Promise<boolean>;
  /** Closes the connection this store opened (never a client you passed in). */
  close(): Promise<void>;
}

const OPTION_NAMES = {
  redis: true,
  prefix: true,
  timeout: true,
  clockTolerance: true,
  clock: true,
} satisfies Record<keyof RedisReplayStoreOptions, true>;

/**
 * @example
 * const verifier = createVerifier({
 *   issuer, audience,
 *   dpop: { replayStore: createRedisReplayStore({ redis: process.env.REDIS_URL }) },
 * });
 */
export function createRedisReplayStore(options: RedisReplayStoreOptions = {}): RedisReplayStore {
  assertKnownOptions('createRedisReplayStore()', options, Object.keys(OPTION_NAMES));
  const prefix = options.prefix ?? 'jwtguard:';
  if (typeof prefix !== 'string') throw new ConfigurationError('prefix must be a string such as "jwtguard:"');
  // The verifier abandons an answer after its own bound (the same default): a longer one here would only
  // keep a connection busy for a request already answered with 503.
  const timeoutMs = toMilliseconds(options.timeout ?? defaults.denylistTimeout, 'timeout');
  if (!(timeoutMs > 0)) throw new ConfigurationError('timeout must be longer than zero');
  const toleranceMs = toMilliseconds(options.clockTolerance ?? defaults.clockTolerance, 'clockTolerance');
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function')
    throw new ConfigurationError('clock must be a function returning milliseconds');
  const { client, bounded, close } = openStoreConnection(options.redis, timeoutMs);

  return {
    async markUsed(id, expiresAt) {
      if (typeof id !== 'string' || id === '') throw new TypeError('markUsed: id must be a non-empty string');
      if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt)) {
        throw new TypeError('markUsed: expiresAt must be a finite number of seconds since the epoch');
      }
      // A lifetime relative to this clock (PX, not EXAT): the Redis server's clock plays no part, as in the
      // denylist. core computes expiresAt from the verifier's clock, no earlier than the moment it accepted
      // the proof's iat, so on a shared clock the lifetime is positive.
      const pastMs = clock() - expiresAt * 1000;
      const lifetimeMs = Math.ceil(toleranceMs - pastMs);
      if (lifetimeMs <= 0) {
        // Answering true without a record would accept every replay of this proof on a verifier whose clock
        // lags this one; refusing (503) says the clocks disagree instead of weakening replay protection.
        throw new RangeError(
          `markUsed: expiresAt is ${Math.round(pastMs)} ms past, beyond clockTolerance; give the store the verifier's clock`,
        );
      }
      const set = await bounded('replay store', () =>
        client.set(replayKey(prefix, id), '1', 'PX', lifetimeMs, 'NX'),
      );
      return set === 'OK';
    },
    close,
  };
}
