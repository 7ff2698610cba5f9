// The Redis denylist: revocations shared by every API instance, pushed over pub/sub into a local replica so
// a check costs no round trip, with a bounded, fail-closed fallback when the replica may be out of date.
// Which tokens a revocation refuses and for how long is core's revocation rule, shared with the memory
// store; this file holds the options, the writes and the wiring of the two ways to read (replica-sync.ts
// keeps the replica current, direct-check.ts asks Redis).
import {
  assertKnownOptions,
  ConfigurationError,
  defaults,
  revocationRule,
  toMilliseconds,
  type AuthResult,
  type Denylist,
} from '@jwtguard/core';
import { encodeUpdate } from './channel-messages.js';
import { openConnection, shutdown, type RedisInput } from './connection.js';
import { whenReady, withDeadline } from './deadline.js';
import { createDirectCheck } from './direct-check.js';
import { guardedListener, type RedisDenylistEvent } from './denylist-events.js';
import { redisKeys } from './keys.js';
import { Replica, type ReplicaUpdate } from './replica.js';
import { startReplicaSync, type ReplicaSync } from './replica-sync.js';
import { INDEX_ISSUER, RECORD_AND_PUBLISH } from './scripts.js';

export interface RedisDenylistOptions {
  /** An ioredis client (Redis or Cluster; its TLS/auth settings are used as is), its options, or a URL. Default `redis://127.0.0.1:6379`. */
  redis?: RedisInput;
  /** Prefix of every key and of the channel (default 'jwtguard:'). */
  prefix?: string;
  /** 'replica' (default): local copy kept current by pub/sub. 'direct': one Redis round trip per check. */
  mode?: 'replica' | 'direct';
  /** Added to `exp` before a token entry expires, matching the verifier's tolerance (default 5 s). */
  clockTolerance?: number | string;
  /** How long a subject cutoff, and a revoked token without `exp`, is kept: the longest lifetime of a token you issue (default '24h'). */
  maxTokenLifetime?: number | string;
  /** Replica mode: past this long without a message from Redis, checks ask Redis directly (default '2s'). */
  maxStaleness?: number | string;
  /** Replica mode: how often this instance publishes a heartbeat (default maxStaleness / 4). */
  heartbeatInterval?: number | string;
  /** Bound on a Redis answer to a check; past it the check throws, which the verifier turns into 503 (default: the verifier's denylistTimeout, '250ms'). */
  timeout?: number | string;
  /** Bound on a revoke call, and on each step of loading a snapshot (subscribe, each page) (default '5s'). */
  writeTimeout?: number | string;
  /** Milliseconds since the epoch (default Date.now); decides expiry and staleness. */
  clock?: () => number;
  /** Called for each event; a listener that throws changes nothing. */
  onEvent?: (event: RedisDenylistEvent) => void;
}

export interface RedisDenylistStatus {
  mode: 'replica' | 'direct';
  /** Replica mode: a snapshot has been loaded since the last (re)subscription. */
  synced: boolean;
  /** Replica mode: milliseconds since the last message from Redis (heartbeat or revocation). */
  stalenessMs: number;
  /** Replica mode: entries held locally (expired ones until the next sweep). */
  entries: number;
}

export interface RedisDenylist extends Denylist {
  /** Revoke by `jti`; without `iss` the `jti` is revoked for every issuer. `exp` is the token's (seconds). */
  revoke(entry: { iss?: string; jti: string; exp: number }): Promise<void>;
  /**
   * Revoke one token: by its `jti`, or, without one, by the SHA-256 of its signing input. The hash form is
   * weaker: it revokes that exact token only and needs the token itself to revoke it. A token without `iss`
   * is refused (TypeError): revoke({ jti, exp }) revokes a `jti` for every issuer.
   */
  revokeToken(token: AuthResult | string): Promise<void>;
  /** Revoke every token of `sub` issued before `before` (seconds, fractional allowed; default now): "log out everywhere". */
  revokeSubject(entry: { iss: string; sub: string; before?: number }): Promise<void>;
  /**
   * Replica mode, fresh replica: a boolean, synchronously, for a token with a `jti` (a token without one is
   * hashed first: a Promise). Otherwise a Promise; rejects (→ 503) when Redis does not answer in time.
   */
  isRevoked(result: AuthResult): boolean | Promise<boolean>;
  /**
   * Resolves once connected (direct) or once the first snapshot is loaded (replica). Rejects when that fails:
   * not connected within `writeTimeout` (direct), or a failed first sync attempt (replica; the denylist keeps
   * retrying in the background, and a later `ready()` waits for the next attempt).
   */
  ready(): Promise<void>;
  status(): RedisDenylistStatus;
  /** Stops timers and closes the connections this denylist opened (never a client you passed in). */
  close(): Promise<void>;
}

const OPTION_NAMES = {
  redis: true,
  prefix: true,
  mode: true,
  clockTolerance: true,
  maxTokenLifetime: true,
  maxStaleness: true,
  heartbeatInterval: true,
  timeout: true,
  writeTimeout: true,
  clock: true,
  onEvent: true,
} satisfies Record<keyof RedisDenylistOptions, true>;

/**
 * A denylist in Redis, shared by every instance of an API.
 *
 * @example
 * const denylist = createRedisDenylist({ redis: process.env.REDIS_URL });
 * await denylist.ready();
 * app.use(jwtGuard({ issuer, audience, denylist }));
 * await denylist.revokeSubject({ iss: issuer, sub: 'user-1' }); // refused by every instance
 */
export function createRedisDenylist(options: RedisDenylistOptions = {}): RedisDenylist {
  assertKnownOptions('createRedisDenylist()', options, Object.keys(OPTION_NAMES));
  const mode = options.mode ?? 'replica';
  if (mode !== 'replica' && mode !== 'direct') {
    throw new ConfigurationError(
      `mode must be 'replica' (local copy, default) or 'direct'; got ${String(mode)}`,
    );
  }
  const prefix = options.prefix ?? 'jwtguard:';
  if (typeof prefix !== 'string') throw new ConfigurationError('prefix must be a string such as "jwtguard:"');
  const clock = options.clock ?? Date.now;
  const rule = revocationRule(options);
  const maxStalenessMs = toMilliseconds(options.maxStaleness ?? '2s', 'maxStaleness');
  const heartbeatMs = toMilliseconds(options.heartbeatInterval ?? maxStalenessMs / 4000, 'heartbeatInterval');
  if (mode === 'replica' && (heartbeatMs <= 0 || heartbeatMs >= maxStalenessMs)) {
    throw new ConfigurationError(
      `heartbeatInterval (${heartbeatMs} ms) must be above 0 and below maxStaleness (${maxStalenessMs} ms), or every replica goes stale between heartbeats`,
    );
  }
  // The verifier's own bound on a denylist answer: a check that outlived it would be abandoned unanswered.
  const timeoutMs = toMilliseconds(options.timeout ?? defaults.denylistTimeout, 'timeout');
  const writeTimeoutMs = toMilliseconds(options.writeTimeout ?? '5s', 'writeTimeout');
  const emit = guardedListener(options.onEvent);
  const keys = redisKeys(prefix);
  const { client, owned } = openConnection(options.redis);
  const replica = new Replica(rule.longestMs);
  const directCheck = createDirectCheck({ client, keys, rule, clock, timeoutMs, emit });
  const sync: ReplicaSync | undefined =
    mode === 'replica'
      ? startReplicaSync({
          client,
          keys,
          replica,
          cutoffLifetimeMs: rule.longestMs,
          clock,
          maxStalenessMs,
          heartbeatMs,
          writeTimeoutMs,
          emit,
        })
      : undefined;
  if (owned) client.on('error', () => undefined); // ioredis reconnects by itself; checks report outages
  let closed = false;

  async function record(update: ReplicaUpdate, expiresAtMs: number): Promise<void> {
    const now = clock();
    if (expiresAtMs <= now) return; // the token can no longer be accepted anyway
    const subjects = update.kind === 's';
    const key = subjects ? keys.subjects(update.iss) : keys.tokens(update.iss);
    const purgeBelow = subjects ? (now - rule.longestMs) / 1000 : now;
    const write = async (): Promise<void> => {
      await whenReady(client, writeTimeoutMs, 'revoke');
      // Index first: a snapshot taken between the two writes reads an issuer with nothing new yet, never
      // misses an issuer whose set holds entries.
      await client.eval(INDEX_ISSUER, 1, keys.issuers, String(expiresAtMs), update.iss, String(now));
      await client.eval(
        RECORD_AND_PUBLISH,
        1,
        key,
        String(update.score),
        update.member,
        String(purgeBelow),
        subjects ? '1000' : '1',
        subjects ? String(rule.longestMs) : '0',
        keys.channel,
        encodeUpdate(update),
        String(now),
      );
    };
    await withDeadline(write(), writeTimeoutMs, 'revoke');
    // This instance refuses the token at once, without waiting for its own message to come back.
    replica.apply(update);
  }

  return {
    async revoke(entry) {
      const { iss, id, expiresAtMs } = rule.jti(entry);
      await record({ kind: 't', iss, member: id, score: expiresAtMs }, expiresAtMs);
    },
    async revokeToken(token) {
      const { iss, id, expiresAtMs } = await rule.token(token);
      await record({ kind: 't', iss, member: id, score: expiresAtMs }, expiresAtMs);
    },
    async revokeSubject(entry) {
      const { iss, sub, cutoff, expiresAtMs } = rule.subject(entry);
      await record({ kind: 's', iss, member: sub, score: cutoff }, expiresAtMs);
    },
    isRevoked(result) {
      if (!sync) return directCheck(result);
      const now = clock();
      // A revocation the replica holds is refused at once, Redis or not. Otherwise a stale or resyncing
      // replica may miss a recent revocation, so Redis decides (or the check fails).
      const decide = (local: boolean): boolean | Promise<boolean> =>
        local || sync.fresh(now) ? local : directCheck(result);
      const local = replica.isRevoked(result, now);
      return typeof local === 'boolean' ? decide(local) : local.then(decide);
    },
    async ready() {
      if (closed) throw new Error('ready: the denylist is closed');
      if (!sync) return whenReady(client, writeTimeoutMs, 'denylist connect');
      return sync.ready();
    },
    status() {
      return {
        mode,
        synced: sync?.synced ?? false,
        stalenessMs: sync ? sync.stalenessMs(clock()) : 0,
        entries: replica.size,
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([sync?.close(), owned ? shutdown(client) : undefined]);
    },
  };
}
