// Keeping a replica current: subscribe, then load a snapshot, merged with what arrives meanwhile; heartbeats
// so that silence can be told from a dead subscription; a resync after a reconnect or past maxStaleness. The
// replica (replica.ts) holds the entries; this module decides when they can be trusted.
import { duplicate, shutdown, type RedisClient } from './connection.js';
import { decodeUpdate, HEARTBEAT } from './channel-messages.js';
import { whenReady, withDeadline } from './deadline.js';
import type { EventListener } from './denylist-events.js';
import type { RedisKeys } from './keys.js';
import type { Replica } from './replica.js';

export interface ReplicaSyncConfig {
  /** The denylist's connection: snapshots are read on it, heartbeats published on it. */
  client: RedisClient;
  keys: RedisKeys;
  replica: Replica;
  /** How long a subject cutoff matters (ms): older cutoffs are left out of a snapshot. */
  cutoffLifetimeMs: number;
  clock: () => number;
  maxStalenessMs: number;
  heartbeatMs: number;
  /** Bound on subscribing and on each page of a snapshot. */
  writeTimeoutMs: number;
  emit: EventListener;
}

export interface ReplicaSync {
  /** True when the replica can answer alone: synced, and a message from Redis within maxStaleness. */
  fresh(nowMs: number): boolean;
  /** A snapshot has been loaded since the last (re)subscription. */
  readonly synced: boolean;
  /** Milliseconds since the last message from Redis (heartbeat or revocation). */
  stalenessMs(nowMs: number): number;
  /** Resolves once the first snapshot is loaded; rejects when the next sync attempt fails. */
  ready(): Promise<void>;
  /** Stops the timers, rejects pending ready() calls, closes the subscriber. */
  close(): Promise<void>;
}

const SWEEP_INTERVAL_MS = 60_000;
/** Members per ZSCAN page of the snapshot: small replies, few round trips. */
const SNAPSHOT_PAGE = 5000;

export function startReplicaSync(config: ReplicaSyncConfig): ReplicaSync {
  const { client, keys, replica, cutoffLifetimeMs, clock, maxStalenessMs, writeTimeoutMs, emit } = config;
  const subscriber = duplicate(client);
  let synced = false;
  let lastMessageAt = -Infinity;
  let reportedStale = false;
  let syncing: Promise<void> | undefined;
  let syncAgain = false;
  let closed = false;
  let syncedOnce = false;
  // Callers of ready() waiting for the first snapshot: settled by the next sync attempt, either way.
  const waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];

  function onMessage(channel: string, message: string): void {
    if (channel !== keys.channel) return;
    lastMessageAt = clock();
    reportedStale = false;
    const update = decodeUpdate(message);
    // Applied at once even while a snapshot loads: updates keep the larger value, so the snapshot and the
    // message combine to the same state in either order, and nothing published after SUBSCRIBE is lost.
    if (update) replica.apply(update);
  }

  // The snapshot is read in pages: a large denylist in one reply would block the event loop (no heartbeats,
  // no requests) while it arrives and is parsed, and could exceed the bound, so it could never sync. ZSCAN,
  // not ZRANGE by rank: entries expiring during the read shift every rank and a rank-paged read would skip
  // live ones, while ZSCAN returns every member present for the whole scan; a member added or raised
  // meanwhile is also published, and the subscription is already open.
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
    const minCutoff = (now - cutoffLifetimeMs) / 1000;
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

  async function syncOnce(): Promise<void> {
    // `synced` stays as it is while loading: a disconnect already cleared it, and a resync triggered by
    // staleness leaves a stale replica, which checks bypass anyway.
    const started = clock();
    const subscribe = async (): Promise<void> => {
      await whenReady(subscriber, writeTimeoutMs, 'subscribe');
      // SUBSCRIBE is acknowledged before the snapshot is read: every revocation is either in the snapshot
      // or published after the subscription, so a reconnect gap loses nothing.
      await subscriber.subscribe(keys.channel);
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
    syncedOnce = true;
    for (const waiter of waiting.splice(0)) waiter.resolve();
    emit({ type: 'denylist.synced', entries: replica.size, loaded, durationMs: clock() - started });
  }

  function requestSync(): void {
    if (closed) return;
    if (syncing) {
      syncAgain = true;
      return;
    }
    syncing = (async () => {
      do {
        syncAgain = false;
        try {
          await syncOnce();
        } catch (error) {
          for (const waiter of waiting.splice(0)) waiter.reject(error);
          if (!closed) {
            emit({
              type: 'denylist.sync-failed',
              reason: error instanceof Error ? error.message : 'sync failed',
            });
          }
        }
      } while (syncAgain && !closed);
      syncing = undefined;
    })();
  }

  function heartbeat(): void {
    if (closed) return;
    if (client.status === 'ready') client.publish(keys.channel, HEARTBEAT).catch(() => undefined);
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

  subscriber.on('message', onMessage);
  subscriber.on('error', () => undefined); // reported through 'close' and the staleness bound instead
  subscriber.on('close', () => {
    if (closed) return;
    if (synced) emit({ type: 'denylist.disconnected' });
    synced = false;
  });
  subscriber.on('ready', requestSync);
  const timers = [
    setInterval(heartbeat, config.heartbeatMs),
    setInterval(() => replica.sweep(clock()), SWEEP_INTERVAL_MS),
  ];
  for (const timer of timers) timer.unref();
  if (subscriber.status === 'ready') requestSync(); // otherwise its 'ready' event starts the first sync

  return {
    fresh: (nowMs) => synced && nowMs - lastMessageAt <= maxStalenessMs,
    get synced() {
      return synced;
    },
    stalenessMs: (nowMs) => nowMs - lastMessageAt,
    async ready() {
      if (syncedOnce) return;
      if (closed) throw new Error('ready: the denylist is closed');
      return new Promise<void>((resolve, reject) => waiting.push({ resolve, reject }));
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const timer of timers) clearInterval(timer);
      for (const waiter of waiting.splice(0)) waiter.reject(new Error('ready: the denylist was closed'));
      await shutdown(subscriber);
    },
  };
}
