// The revocation feed's stream (docs/revocation-feed.md, "GET {issuer}/revocations"): Server-Sent Events (HTML
// Living Standard §9.2) carrying the retained log, then live entries. A subscriber first catches up from the
// log page by page, pulled only as fast as it reads, then gets `ready` and the live entries. Each stream's
// unsent bytes are counted (the stream's desiredSize under a byte-length strategy); past `maxBufferBytes` the
// subscriber is dropped, so a slow reader never makes the issuer's memory grow. It resumes by its last id.
import type { RevocationFeedConfig } from './issuer-options.js';
import type { RevocationLogEntry, RevocationLogStore } from './revocation-log.js';
import type { IssuerEvent } from './types.js';

/** Entries read from the log at a time while a subscriber catches up. */
const PAGE_SIZE = 256;
/** SSE `retry`: how long a disconnected receiver waits before it reconnects (ms). */
export const RECONNECT_DELAY_MS = 1000;

const encoder = new TextEncoder();

export interface RevocationFeedDependencies {
  config: Pick<RevocationFeedConfig, 'heartbeatInterval' | 'maxBufferBytes'>;
  log: RevocationLogStore;
  clock: () => number;
  emit(event: IssuerEvent): void;
}

export interface RevocationFeed {
  /** The event stream of one authenticated subscriber, resuming after `lastEventId` when given. */
  subscribe(clientId: string, lastEventId: string | null): Promise<Response>;
  /** Hand an entry the log now holds to every subscriber (in id order). */
  publish(entry: RevocationLogEntry): void;
  /** End every stream; later subscriptions are refused. */
  close(): void;
  readonly closed: boolean;
}

interface Subscriber {
  publish(entry: RevocationLogEntry): void;
  heartbeat(now: number): void;
  end(): void;
}

const setEvent = (entry: RevocationLogEntry) => `id: ${entry.id}\nevent: set\ndata: ${entry.set}\n\n`;

export function createRevocationFeed({
  config,
  log,
  clock,
  emit,
}: RevocationFeedDependencies): RevocationFeed {
  const subscribers = new Set<Subscriber>();
  let heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  let closed = false;

  function startHeartbeats(): void {
    if (heartbeatTimer !== undefined) return;
    heartbeatTimer = setInterval(() => {
      const now = clock();
      for (const subscriber of subscribers) subscriber.heartbeat(now);
      // Entries stop mattering with time alone; trimming here keeps an idle log from holding them.
      log.trim(now).catch(() => undefined);
    }, config.heartbeatInterval);
    heartbeatTimer.unref?.();
  }

  function stopHeartbeatsWhenIdle(): void {
    if (subscribers.size > 0 || heartbeatTimer === undefined) return;
    clearInterval(heartbeatTimer);
    heartbeatTimer = undefined;
  }

  function open(clientId: string, start: string | undefined, reset: boolean): ReadableStream<Uint8Array> {
    // Half the bound is what catching up fills the queue to; the other half is room for live entries and
    // heartbeats that arrive while the reader is behind.
    const highWaterMark = Math.floor(config.maxBufferBytes / 2);
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let state: 'catching-up' | 'live' | 'ended' = 'catching-up';
    let cursor = start;
    let missed = false;

    const subscriber: Subscriber = {
      publish(entry) {
        if (state === 'live') send(setEvent(entry));
        else if (state === 'catching-up') missed = true; // the catch-up loop reads the log again
      },
      heartbeat(now) {
        if (state !== 'ended') send(`event: heartbeat\ndata: ${now}\n\n`);
      },
      end() {
        if (state === 'ended') return;
        state = 'ended';
        subscribers.delete(subscriber);
        stopHeartbeatsWhenIdle();
        try {
          controller.close();
        } catch {
          // already closed or errored
        }
      },
    };

    function send(text: string): void {
      if (state === 'ended') return;
      const bytes = encoder.encode(text);
      const queued = highWaterMark - (controller.desiredSize ?? 0);
      if (queued + bytes.byteLength > config.maxBufferBytes) {
        state = 'ended';
        subscribers.delete(subscriber);
        stopHeartbeatsWhenIdle();
        // Erroring (not closing) drops the queued bytes at once; the receiver resumes from its last id.
        controller.error(new Error('revocation feed subscriber too slow'));
        emit({ type: 'revocation_feed.subscriber_dropped', clientId, bufferedBytes: queued });
        return;
      }
      controller.enqueue(bytes);
    }

    async function catchUp(): Promise<void> {
      while (state === 'catching-up' && (controller.desiredSize ?? 0) > 0) {
        missed = false;
        const page = await log.read(cursor, PAGE_SIZE);
        if (state !== 'catching-up') return;
        for (const entry of page) {
          send(setEvent(entry));
          cursor = entry.id;
        }
        if (page.length === 0 && !missed && state === 'catching-up') {
          send(`event: ready\ndata: ${JSON.stringify({ last: cursor ?? null })}\n\n`);
          if (state === 'catching-up') state = 'live';
        }
      }
    }

    const stream = new ReadableStream<Uint8Array>(
      {
        start(c) {
          controller = c;
          subscribers.add(subscriber);
          startHeartbeats();
          send(`retry: ${RECONNECT_DELAY_MS}\n\n`);
          // The receiver drops its replica before the whole log follows.
          if (reset) send('event: reset\ndata: {}\n\n');
        },
        async pull() {
          try {
            await catchUp();
          } catch {
            // The log could not be read: end the stream; the receiver reconnects and resumes.
            subscriber.end();
          }
        },
        cancel() {
          subscriber.end();
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark }),
    );
    return stream;
  }

  return {
    async subscribe(clientId, lastEventId) {
      await log.trim(clock());
      const resume = lastEventId !== null && lastEventId !== '' && (await log.has(lastEventId));
      const reset = lastEventId !== null && lastEventId !== '' && !resume;
      const body = open(clientId, resume ? lastEventId : undefined, reset);
      return new Response(body, {
        status: 200,
        headers: {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-store',
          // Reverse proxies that buffer responses (nginx) would hold events back.
          'x-accel-buffering': 'no',
        },
      });
    },
    publish(entry) {
      for (const subscriber of subscribers) subscriber.publish(entry);
    },
    close() {
      closed = true;
      for (const subscriber of [...subscribers]) subscriber.end();
      stopHeartbeatsWhenIdle();
    },
    get closed() {
      return closed;
    },
  };
}
