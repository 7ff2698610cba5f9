// The Redis denylist (issue 4): revocations shared by every API instance, pushed over pub/sub into a local
// replica so a check costs no round trip, with a bounded, fail-closed fallback when the replica may be out
// of date. Decisions follow core/revocation.ts (ids, subject cutoff rule), like the memory store.
import {
  ConfigurationError,
  isBeforeCutoff,
  UnavailableError,
  toMilliseconds,
  type AuthResult,
  type Denylist,
} from '@jwtguard/core';
import { duplicate, openConnection, shutdown, type RedisClient, type RedisInput } from './connection.js';
import { whenReady, withDeadline } from './deadline.js';
import { ANY_ISSUER, redisKeys } from './keys.js';
import { Replica, type ReplicaUpdate } from './replica.js';
import { INDEX_ISSUER, RECORD_AND_PUBLISH } from './scripts.js';
import { tokenRevocationId, unverifiedToken, type TokenLike } from './token-id.js';

export interface RedisDenylistOptions {
  /** An ioredis client (Redis or Cluster; its TLS/auth settings are used as is), its options, or a URL. Default `redis://127.0.0.1:6379`. */
  redis?: RedisInput;
  /** Prefix of every key and of the channel (default 'jwtguard:'). */
  prefix?: string;
  /** 'replica' (default): local copy kept current by pub/sub. 'direct': one Redis round trip per check. */
  mode?: 'replica' | 'direct';
  /** Added to `exp` before a token entry expires, matching the verifier's tolerance (default 5 s). */
  clockTolerance?: number | string;
  /** How long a subject cutoff is kept: the longest lifetime of a token you issue (default '24h'). */
  maxTokenLifetime?: number | string;
  /** Replica mode: past this long without a message from Redis, checks ask Redis directly (default '2s'). */
  maxStaleness?: number | string;
  /** Replica mode: how often this instance publishes a heartbeat (default maxStaleness / 4). */
  heartbeatInterval?: number | string;
  /** Bound on a Redis answer to a check; past it the check throws, which the verifier turns into 503 (default '250ms'). */
  timeout?: number | string;
  /** Bound on a revoke call, and on each step of loading a snapshot (subscribe, each page) (default '5s'). */
  writeTimeout?: number | string;
  /** Milliseconds since the epoch (default Date.now); decides expiry and staleness. */
  clock?: () => number;
  onEvent?: (event: RedisDenylistEvent) => void;
}

export type RedisDenylistEvent =
  | { type: 'denylist.synced'; entries: number; loaded: number; durationMs: number }
  | { type: 'denylist.disconnected' }
  | { type: 'denylist.stale'; ageMs: number }
  | { type: 'denylist.sync-failed'; reason: string }
  | { type: 'denylist.unavailable'; reason: string };

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
   * weaker: it revokes that exact token only and needs the token itself to revoke it.
   */
  revokeToken(token: AuthResult | string): Promise<void>;
  /** Revoke every token of `sub` issued before `before` (seconds, fractional allowed; default now): "log out everywhere". */
  revokeSubject(entry: { iss: string; sub: string; before?: number }): Promise<void>;
  /** Replica mode, fresh replica: a boolean, synchronously. Otherwise a Promise; rejects (→ 503) when Redis does not answer in time. */
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

const SWEEP_INTERVAL_MS = 60_000;
/** Members per ZSCAN page of the snapshot: small replies, few round trips. */
const SNAPSHOT_PAGE = 5000;

/**
 * A denylist in Redis, shared by every instance of an API.
 *
 * @example
 * const denylist = createRedisDenylist({ redis: process.env.REDIS_URL });
 * await denylist.ready();
 * app.use(jwtGuard({ issuer, audience, denylist }));
 * await denylist.revokeSubject({ iss: issuer, sub: 'user-1' }); // refused by every instance within ms
 */
export function createRedisDenylist(options: RedisDenylistOptions = {}): RedisDenylist {
  const mode = options.mode ?? 'replica';
  if (mode !== 'replica' && mode !== 'direct') {
    throw new ConfigurationError(
      `mode must be 'replica' (local copy, default) or 'direct'; got ${String(mode)}`,
    );
  }
  const prefix = options.prefix ?? 'jwtguard:';
  if (typeof prefix !== 'string') throw new ConfigurationError('prefix must be a string such as "jwtguard:"');
  const clock = options.clock ?? Date.now;
  const toleranceMs = toMilliseconds(options.clockTolerance ?? 5, 'clockTolerance');
  const subjectTtlMs = toMilliseconds(options.maxTokenLifetime ?? '24h', 'maxTokenLifetime') + toleranceMs;
  const maxStalenessMs = toMilliseconds(options.maxStaleness ?? '2s', 'maxStaleness');
  const heartbeatMs = toMilliseconds(options.heartbeatInterval ?? maxStalenessMs / 4000, 'heartbeatInterval');
  if (mode === 'replica' && (heartbeatMs <= 0 || heartbeatMs >= maxStalenessMs)) {
    throw new ConfigurationError(
      `heartbeatInterval (${heartbeatMs} ms) must be above 0 and below maxStaleness (${maxStalenessMs} ms), or every replica goes stale between heartbeats`,
    );
  }
  const timeoutMs = toMilliseconds(options.timeout ?? '250ms', 'timeout');
  const writeTimeoutMs = toMilliseconds(options.writeTimeout ?? '5s', 'writeTimeout');
  const emit = options.onEvent ?? (() => undefined);
  const keys = redisKeys(prefix);
  const { client, owned } = openConnection(options.redis);
  const replica = new Replica(subjectTtlMs);

  // ---- writes -------------------------------------------------------------------------------------------

  async function record(update: ReplicaUpdate, expiresAtMs: number): Promise<void> {
    const now = clock();
    if (expiresAtMs <= now) return; // the token can no longer be accepted anyway
    const subjects = update.kind === 's';
    const key = subjects ? keys.subjects(update.iss) : keys.tokens(update.iss);
    const purgeBelow = subjects ? (now - subjectTtlMs) / 1000 : now;
    const message = JSON.stringify({ k: update.kind, i: update.iss, m: update.member, x: update.score });
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
        subjects ? String(subjectTtlMs) : '0',
        keys.channel,
        message,
        String(now),
      );
    };
    await withDeadline(write(), writeTimeoutMs, 'revoke');
    // This instance refuses the token at once, without waiting for its own message to come back.
    replica.apply(update);
  }

  function revokeId(iss: string, id: string, exp: unknown): Promise<void> {
    // A token without a usable exp is kept for the longest token lifetime: the entry must expire somewhere.
    const expiresAtMs =
      typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 + toleranceMs : clock() + subjectTtlMs;
    return record({ kind: 't', iss, member: id, score: expiresAtMs }, expiresAtMs);
  }

  // ---- direct reads -------------------------------------------------------------------------------------

  async function askRedis(iss: string, id: string, sub: unknown, iat: unknown): Promise<boolean> {
    const now = clock();
    const pending: Promise<string | null>[] = [
      client.zscore(keys.tokens(iss), id),
      client.zscore(keys.tokens(ANY_ISSUER), id),
    ];
    if (typeof sub === 'string') pending.push(client.zscore(keys.subjects(iss), sub));
    const [token, any, cutoff] = await Promise.all(pending);
    if ((token != null && Number(token) > now) || (any != null && Number(any) > now)) return true;
    if (cutoff == null) return false;
    const before = Number(cutoff);
    return before * 1000 + subjectTtlMs > now && isBeforeCutoff(iat, before);
  }

  async function directCheck(result: AuthResult, id: string): Promise<boolean> {
    const { issuer, payload } = result;
    const started = Date.now();
    try {
      await whenReady(client, timeoutMs, 'denylist check');
      const left = Math.max(1, timeoutMs - (Date.now() - started));
      return await withDeadline(askRedis(issuer, id, payload.sub, payload.iat), left, 'denylist check');
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'denylist check failed';
      emit({ type: 'denylist.unavailable', reason });
      throw new UnavailableError('ERR_DENYLIST_UNAVAILABLE', 'Token revocation status is unavailable', 5, {
        cause: error,
      });
    }
  }

  // ---- replica: subscribe, then snapshot, merged with what arrives meanwhile ------------------------------

  let subscriber: RedisClient | undefined;
  let synced = false;
  let lastMessageAt = -Infinity;
  let reportedStale = false;
  let syncing: Promise<void> | undefined;
  let syncAgain = false;
  let closed = false;
  let syncedOnce = false;
  // Callers of ready() waiting for the first snapshot: settled by the next sync attempt, either way.
  const waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  const timers: ReturnType<typeof setInterval>[] = [];

  function onMessage(channel: string, message: string): void {
    if (channel !== keys.channel) return;
    lastMessageAt = clock();
    reportedStale = false;
    const update = parseMessage(message);
    // Applied at once even while a snapshot loads: updates keep the larger value, so the snapshot and the
    // message combine to the same state in either order, and nothing published after SUBSCRIBE is lost.
    if (update) replica.apply(update);
  }

  // The snapshot is read in pages: a million entries in one reply take seconds to arrive and parse, block
  // the event loop (no heartbeats, no requests) and used to exceed the bound, so a large denylist could never
  // sync. ZSCAN, not ZRANGE by rank: entries expiring during the read shift every rank and a rank-paged read
  // would skip live ones, while ZSCAN returns every member present for the whole scan; a member added or
  // raised meanwhile is also published, and the subscription is already open.
  async function scanSet(key: string, apply: (member: string, score: number) => boolean): Promise<number> {
    let loaded = 0;
    let cursor = '0';
    do {
      const [next, flat] = await withDeadline(
        client.zscan(key, cursor, 'COUNT', SNAPSHOT_PAGE),
        writeTimeoutMs,
        'denylist snapshot',
      );
      for (let i = 0; i + 1 < flat.length; i += 2) {
        if (apply(flat[i] as string, Number(flat[i + 1]))) loaded++;
      }
      cursor = next;
    } while (cursor !== '0' && !closed);
    return loaded;
  }

  async function loadSnapshot(now: number): Promise<number> {
    const issuers = await withDeadline(
      client.zrangebyscore(keys.issuers, now, '+inf'),
      writeTimeoutMs,
      'denylist snapshot',
    );
    const minCutoff = (now - subjectTtlMs) / 1000;
    const counts = await Promise.all(
      issuers.flatMap((iss) => [
        scanSet(keys.tokens(iss), (member, score) => {
          if (score < now) return false; // expired: reads would ignore it anyway
          replica.apply({ kind: 't', iss, member, score });
          return true;
        }),
        scanSet(keys.subjects(iss), (member, score) => {
          if (score < minCutoff) return false;
          replica.apply({ kind: 's', iss, member, score });
          return true;
        }),
      ]),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  }

  async function syncOnce(sub: RedisClient): Promise<void> {
    // `synced` stays as it is while loading: a disconnect already cleared it, and a resync triggered by
    // staleness leaves a stale replica, which checks bypass anyway.
    const started = clock();
    const subscribe = async (): Promise<void> => {
      await whenReady(sub, writeTimeoutMs, 'subscribe');
      // SUBSCRIBE is acknowledged before the snapshot is read: every revocation is either in the snapshot
      // or published after the subscription, so a reconnect gap loses nothing.
      await sub.subscribe(keys.channel);
      await whenReady(client, writeTimeoutMs, 'snapshot');
    };
    await withDeadline(subscribe(), writeTimeoutMs, 'denylist subscribe');
    // Each page of the snapshot has its own bound (writeTimeout): a large denylist takes longer, a stalled
    // Redis still fails the sync.
    const loaded = await loadSnapshot(started);
    if (closed) return;
    // The snapshot is as fresh as the moment it was requested.
    lastMessageAt = Math.max(lastMessageAt, started);
    synced = true;
    reportedStale = false;
    emit({ type: 'denylist.synced', entries: replica.size, loaded, durationMs: clock() - started });
    syncedOnce = true;
    for (const waiter of waiting.splice(0)) waiter.resolve();
  }

  function requestSync(): void {
    if (closed || !subscriber) return;
    if (syncing) {
      syncAgain = true;
      return;
    }
    const sub = subscriber;
    syncing = (async () => {
      do {
        syncAgain = false;
        try {
          await syncOnce(sub);
        } catch (error) {
          if (!closed)
            emit({
              type: 'denylist.sync-failed',
              reason: error instanceof Error ? error.message : 'sync failed',
            });
          for (const waiter of waiting.splice(0)) waiter.reject(error);
        }
      } while (syncAgain && !closed);
      syncing = undefined;
    })();
  }

  function heartbeat(): void {
    if (closed) return;
    if (client.status === 'ready') {
      client.publish(keys.channel, '{"k":"h"}').catch(() => undefined);
    }
    const age = clock() - lastMessageAt;
    if (synced && age > maxStalenessMs) {
      if (!reportedStale) emit({ type: 'denylist.stale', ageMs: age });
      reportedStale = true;
      // A subscription can die silently (a proxy dropping pushes); resubscribing and reloading heals it.
      requestSync();
    } else if (!synced && !syncing) {
      // A failed sync is retried here; one still loading (a large snapshot) is left to finish.
      requestSync();
    }
  }

  if (mode === 'replica') {
    const sub = duplicate(client);
    subscriber = sub;
    sub.on('message', onMessage);
    sub.on('error', () => undefined); // reported through 'close' and the staleness bound instead
    sub.on('close', () => {
      if (closed) return;
      if (synced) emit({ type: 'denylist.disconnected' });
      synced = false;
    });
    sub.on('ready', requestSync);
    timers.push(setInterval(heartbeat, heartbeatMs));
    timers.push(setInterval(() => replica.sweep(clock()), SWEEP_INTERVAL_MS));
    for (const timer of timers) timer.unref();
    if (sub.status === 'ready') requestSync(); // otherwise its 'ready' event starts the first sync
  }
  if (owned) client.on('error', () => undefined); // ioredis reconnects by itself; checks report outages

  return {
    async revoke({ iss, jti, exp }) {
      if (typeof jti !== 'string' || jti === '')
        throw new TypeError('revoke: jti must be a non-empty string');
      if (typeof exp !== 'number' || !Number.isFinite(exp))
        throw new TypeError('revoke: exp must be a NumericDate');
      await revokeId(iss ?? ANY_ISSUER, `jti:${jti}`, exp);
    },
    async revokeToken(token) {
      const result: TokenLike = typeof token === 'string' ? unverifiedToken(token) : token;
      if (result.issuer === '') {
        throw new TypeError(
          'revokeToken: the token has no iss; use revoke({ jti, exp }) to revoke a jti for every issuer',
        );
      }
      await revokeId(result.issuer, tokenRevocationId(result), result.payload.exp);
    },
    async revokeSubject({ iss, sub, before }) {
      if (typeof iss !== 'string' || iss === '')
        throw new TypeError('revokeSubject: iss must be a non-empty string');
      if (typeof sub !== 'string' || sub === '')
        throw new TypeError('revokeSubject: sub must be a non-empty string');
      const cutoff = before ?? clock() / 1000;
      if (typeof cutoff !== 'number' || !Number.isFinite(cutoff)) {
        throw new TypeError('revokeSubject: before must be a NumericDate (seconds)');
      }
      await record({ kind: 's', iss, member: sub, score: cutoff }, cutoff * 1000 + subjectTtlMs);
    },
    isRevoked(result) {
      if (mode === 'direct') return directCheck(result, tokenRevocationId(result));
      const now = clock();
      const local = replica.isRevoked(result, now);
      if (local || (synced && now - lastMessageAt <= maxStalenessMs)) return local;
      // Stale or resyncing: the replica may miss a recent revocation, so Redis decides (or the check fails).
      return directCheck(result, tokenRevocationId(result));
    },
    async ready() {
      if (closed) throw new Error('ready: the denylist is closed');
      if (mode === 'direct') return whenReady(client, writeTimeoutMs, 'denylist connect');
      if (syncedOnce) return;
      return new Promise<void>((resolve, reject) => waiting.push({ resolve, reject }));
    },
    status() {
      return {
        mode,
        synced: mode === 'replica' && synced,
        stalenessMs: mode === 'replica' ? clock() - lastMessageAt : 0,
        entries: replica.size,
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearInterval(timer);
      for (const waiter of waiting.splice(0)) waiter.reject(new Error('ready: the denylist was closed'));
      await Promise.all([subscriber && shutdown(subscriber), owned ? shutdown(client) : undefined]);
    },
  };
}

function parseMessage(message: string): ReplicaUpdate | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const { k, i, m, x } = value as Record<string, unknown>;
  if ((k !== 't' && k !== 's') || typeof i !== 'string' || typeof m !== 'string' || typeof x !== 'number') {
    return undefined;
  }
  return { kind: k, iss: i, member: m, score: x };
}
