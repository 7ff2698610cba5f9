// A Denylist kept current by the issuer's revocation feed (docs/revocation-feed.md): a local replica, core's
// memory denylist, filled from the log's snapshot and then from live SETs, so a check is a lookup in memory
// with no I/O. Every SET is verified (set-verifier.ts) before it is applied; a forged, unsigned,
// foreign-audience or replayed one is ignored and reported. Silence is not taken for "nothing revoked":
// past maxStaleness without an event or a heartbeat the replica may be missing revocations, and a check
// throws core's UnavailableError (the verifier answers 503 with Retry-After) unless failure is 'open'.
import {
  assertKnownOptions,
  ConfigurationError,
  createMemoryDenylist,
  defaults,
  isJwtGuardError,
  revocationRule,
  toMilliseconds,
  UnavailableError,
  type AuthResult,
  type Denylist,
  type KeyInput,
  type MemoryDenylist,
} from '@jwtguard/core';
import type { EventSourceMessage } from 'eventsource-parser';
import { AppliedSets } from './applied-sets.js';
import { guardedListener, type FeedDenylistEvent } from './feed-events.js';
import { startFeedStream, type FeedStream } from './feed-stream.js';
import { SetRejection, type Revocation } from './set-events.js';
import { createSetVerifier } from './set-verifier.js';

export interface FeedDenylistOptions {
  /** The issuer's feed endpoint (its discovery document's `revocation_feed_endpoint`). */
  url: string;
  /** The issuer URL, exactly as in its SETs and tokens. */
  issuer: string;
  /** This API's audience: SETs for other audiences are ignored. */
  audience: string | string[];
  /** Client credentials of a client listed in the issuer's `revocationFeed.clients`. */
  clientId: string;
  clientSecret: string;
  /** The issuer's keys: a JWKS URL or static keys. Default: discovered from the issuer's metadata. */
  jwksUri?: string;
  keys?: KeyInput | KeyInput[];
  /** Accepted SET signature algorithms (default: derived from the keys). */
  algorithms?: string[];
  /** Past this long without an event or a heartbeat, checks are unavailable (default '5s'). */
  maxStaleness?: number | string;
  /** 'closed' (default): an unavailable feed makes checks throw (503). 'open': answer from the replica. */
  failure?: 'closed' | 'open';
  /** Added to `exp` before a token entry is dropped, matching the verifier's tolerance (default 5 s). */
  clockTolerance?: number | string;
  /** How long a subject cutoff is kept: the longest lifetime of a token the issuer issues (default '24h'). */
  maxTokenLifetime?: number | string;
  /** Most live revocations held (default 100 000); past it the feed is unavailable rather than incomplete. */
  maxEntries?: number;
  /** Longest wait between two reconnection attempts (default '30s'). */
  maxReconnectDelay?: number | string;
  /** Injectable fetch (Web standard), for proxies and tests. */
  fetch?: typeof fetch;
  /** Milliseconds since the epoch (default Date.now): expiry and staleness. */
  clock?: () => number;
  /** Called for each event; a listener that throws changes nothing. */
  onEvent?: (event: FeedDenylistEvent) => void;
}

export interface FeedDenylistStatus {
  /** The first `ready` has been applied. */
  ready: boolean;
  /** Milliseconds since the last event or heartbeat. */
  stalenessMs: number;
  /** Whether a check answers from the replica now (ready, fresh, complete). */
  available: boolean;
  /** Live revocations held. */
  entries: number;
  /** The id the next connection resumes after. */
  lastEventId: string | undefined;
}

export interface FeedDenylist extends Denylist {
  /**
   * From memory, synchronously for a token with a `jti`. Throws UnavailableError before the first snapshot,
   * past maxStaleness, or while the replica is known to be incomplete, unless `failure: 'open'`.
   */
  isRevoked(result: AuthResult): boolean | Promise<boolean>;
  /** Resolves once the first snapshot (`event: ready`) is applied; waits while the issuer is unreachable. */
  ready(): Promise<void>;
  status(): FeedDenylistStatus;
  /** Stops the subscription and the timers; a pending ready() rejects. */
  close(): Promise<void>;
}

const OPTION_NAMES = {
  url: true,
  issuer: true,
  audience: true,
  clientId: true,
  clientSecret: true,
  jwksUri: true,
  keys: true,
  algorithms: true,
  maxStaleness: true,
  failure: true,
  clockTolerance: true,
  maxTokenLifetime: true,
  maxEntries: true,
  maxReconnectDelay: true,
  fetch: true,
  clock: true,
  onEvent: true,
} satisfies Record<keyof FeedDenylistOptions, true>;

/** RFC 6749 §2.3.1: client credentials are form-urlencoded, then sent as HTTP Basic. */
function basicAuthorization(clientId: string, clientSecret: string): string {
  const form = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${btoa(`${form(clientId)}:${form(clientSecret)}`)}`;
}

function requireString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigurationError(`createFeedDenylist(): ${name} must be a non-empty string`);
  }
  return value;
}

/**
 * A denylist fed by the issuer's revocation feed.
 *
 * @example
 * const denylist = createFeedDenylist({ url: `${issuer}revocations`, issuer, audience, clientId, clientSecret });
 * await denylist.ready();
 * app.use(jwtGuard({ issuer, audience, denylist }));
 */
export function createFeedDenylist(options: FeedDenylistOptions): FeedDenylist {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('createFeedDenylist() needs an options object');
  }
  assertKnownOptions('createFeedDenylist()', options, Object.keys(OPTION_NAMES));
  const url = requireString('url', options.url);
  if (!/^https?:\/\//i.test(url))
    throw new ConfigurationError('createFeedDenylist(): url must be an http(s) URL');
  const issuer = requireString('issuer', options.issuer);
  const authorization = basicAuthorization(
    requireString('clientId', options.clientId),
    requireString('clientSecret', options.clientSecret),
  );
  const failure = options.failure ?? defaults.denylistFailure;
  if (failure !== 'closed' && failure !== 'open') {
    throw new ConfigurationError(`failure must be 'closed' (default) or 'open'; got ${String(failure)}`);
  }
  const clock = options.clock ?? Date.now;
  const fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  const maxStalenessMs = toMilliseconds(options.maxStaleness ?? '5s', 'maxStaleness');
  const maxDelayMs = toMilliseconds(options.maxReconnectDelay ?? '30s', 'maxReconnectDelay');
  const maxEntries = options.maxEntries ?? 100_000;
  const emit = guardedListener(options.onEvent);
  const rule = revocationRule(options);
  const verifySet = createSetVerifier({
    issuer,
    audience: options.audience,
    jwksUri: options.jwksUri,
    keys: options.keys,
    algorithms: options.algorithms,
    clockTolerance: options.clockTolerance,
    fetch: fetchImpl,
    clock,
  });
  const newReplica = (): MemoryDenylist =>
    createMemoryDenylist({
      clock,
      maxEntries,
      clockTolerance: options.clockTolerance,
      maxTokenLifetime: options.maxTokenLifetime,
    });

  let replica = newReplica();
  /** After `reset`: the new log is loaded here while the old replica answers, swapped in at `ready`. */
  let pending: MemoryDenylist | undefined;
  const applied = new AppliedSets(maxEntries);
  let lastEventId: string | undefined;
  let readyOnce = false;
  /** A SET could not be verified (keys unavailable): the replica is incomplete until the next `ready`. */
  let incomplete: string | undefined;
  /** A revocation could not be stored (the replica is full): incomplete until a `reset` replaces it. */
  let full: string | undefined;
  /** Connections are numbered; after a SET that could not be verified, the rest of its connection is skipped. */
  let connection = 0;
  let abandoned = -1;
  let lastHeardAt = -Infinity;
  let reportedStale = false;
  let closed = false;
  const waiting: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  // Events are verified asynchronously (keys may be fetched) but applied strictly in the log's order: a
  // `ready` must follow the snapshot it closes, a `reset` precede the log it announces.
  let queue: Promise<void> = Promise.resolve();

  function apply(target: MemoryDenylist, revocation: Revocation): void {
    if (revocation.kind === 'token') target.revoke(revocation);
    else target.revokeSubject({ iss: revocation.iss, sub: revocation.sub, before: revocation.before });
  }

  function relevantUntil(revocation: Revocation): number {
    return revocation.kind === 'token'
      ? rule.jti(revocation).expiresAtMs
      : rule.cutoffExpiresAt(revocation.before);
  }

  async function onSet(message: EventSourceMessage, from: number): Promise<void> {
    const eventId = message.id;
    let verified;
    try {
      verified = await verifySet(message.data.trim());
    } catch (error) {
      if (error instanceof SetRejection) {
        emit({ type: 'feed.set-rejected', reason: error.reason, description: error.message, eventId });
        lastEventId = eventId ?? lastEventId; // a bad entry stays bad: resuming past it loses nothing
        return;
      }
      // The keys cannot be had (503): this revocation is unknown, so the replica is incomplete. Resume from
      // the last applied event once the keys are back.
      incomplete = isJwtGuardError(error) ? error.description : 'a SET could not be verified';
      emit({ type: 'feed.unavailable', reason: incomplete });
      abandoned = from;
      stream.reconnect();
      return;
    }
    const now = clock();
    if (applied.has(verified.iss, verified.jti, now)) {
      emit({ type: 'feed.set-rejected', reason: 'replayed', description: 'SET already applied', eventId });
      lastEventId = eventId ?? lastEventId;
      return;
    }
    try {
      apply(pending ?? replica, verified.revocation);
    } catch (error) {
      // The memory denylist refuses to drop a live revocation when full: better unavailable than incomplete.
      full = error instanceof Error ? error.message : 'the revocation could not be stored';
      emit({ type: 'feed.unavailable', reason: full });
      return;
    }
    applied.add(verified.iss, verified.jti, relevantUntil(verified.revocation), now);
    lastEventId = eventId ?? lastEventId;
    emit({ type: 'feed.applied', jti: verified.jti, eventId, kind: verified.revocation.kind });
  }

  function onReady(message: EventSourceMessage): void {
    if (pending) {
      replica = pending;
      pending = undefined;
    }
    let last: string | null = null;
    try {
      const data: unknown = JSON.parse(message.data);
      if (typeof data === 'object' && data !== null && 'last' in data && typeof data.last === 'string') {
        last = data.last;
      }
    } catch {
      // The data is informative only; the event itself marks the end of the snapshot.
    }
    incomplete = undefined;
    readyOnce = true;
    for (const waiter of waiting.splice(0)) waiter.resolve();
    emit({ type: 'feed.ready', last, entries: replica.size });
  }

  function onReset(): void {
    // The issuer no longer has our last id (trimmed, or another log): the whole log follows. Load it into a
    // fresh replica; until its `ready`, the old one (a superset or a stale copy) keeps answering.
    pending = newReplica();
    applied.clear();
    lastEventId = undefined;
    incomplete = undefined;
    full = undefined;
    emit({ type: 'feed.reset' });
  }

  function onMessage(message: EventSourceMessage): void {
    // Any event, a heartbeat included, shows the subscription is alive.
    lastHeardAt = clock();
    reportedStale = false;
    const from = connection;
    queue = queue
      .then(() => {
        if (closed || from === abandoned) return;
        switch (message.event) {
          case 'set':
            return onSet(message, from);
          case 'ready':
            return onReady(message);
          case 'reset':
            return onReset();
          default:
            return undefined; // heartbeat, or an event type this version does not know
        }
      })
      .catch(() => undefined);
  }

  const stream: FeedStream = startFeedStream(
    {
      url,
      authorization,
      fetch: fetchImpl,
      maxDelayMs,
      // Resume after the last event applied, once every event already received has been.
      resumeFrom: async () => {
        await queue;
        return lastEventId;
      },
      onOpen: (id) => {
        connection++;
        emit({ type: 'feed.connected', lastEventId: id });
      },
      onMessage,
      onClosed: (reason, retryInMs) => emit({ type: 'feed.disconnected', reason, retryInMs }),
    },
    clock,
  );

  function available(now: number): boolean {
    return readyOnce && incomplete === undefined && full === undefined && now - lastHeardAt <= maxStalenessMs;
  }

  // A subscription can die silently (a proxy holding a dead connection): past maxStaleness without a
  // heartbeat, drop it and resume by id.
  const watchdog = setInterval(
    () => {
      const now = clock();
      const age = now - lastHeardAt;
      if (readyOnce && age > maxStalenessMs && !reportedStale) {
        reportedStale = true;
        emit({ type: 'feed.stale', ageMs: age });
      }
      if (age > maxStalenessMs && now - stream.attemptStartedAt > maxStalenessMs) stream.reconnect();
    },
    Math.max(10, Math.min(1000, maxStalenessMs / 4)),
  );
  (watchdog as { unref?: () => void }).unref?.();

  const retryAfterSeconds = Math.max(1, Math.ceil(maxStalenessMs / 1000));

  return {
    isRevoked(result) {
      if (!available(clock())) {
        if (failure === 'open') return replica.isRevoked(result);
        const reason = !readyOnce
          ? 'the revocation feed has not delivered its snapshot yet'
          : (incomplete ?? full ?? 'the revocation feed is stale');
        throw new UnavailableError(
          'ERR_DENYLIST_UNAVAILABLE',
          'Token revocation status is unavailable',
          retryAfterSeconds,
          { cause: new Error(reason) },
        );
      }
      return replica.isRevoked(result);
    },
    async ready() {
      if (readyOnce) return;
      if (closed) throw new Error('ready: the feed denylist is closed');
      return new Promise<void>((resolve, reject) => waiting.push({ resolve, reject }));
    },
    status() {
      const now = clock();
      return {
        ready: readyOnce,
        stalenessMs: now - lastHeardAt,
        available: available(now),
        entries: replica.size,
        lastEventId,
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(watchdog);
      stream.close();
      for (const waiter of waiting.splice(0)) waiter.reject(new Error('ready: the feed denylist was closed'));
      await queue;
    },
  };
}
