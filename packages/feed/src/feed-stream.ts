// The subscription itself: a Web-standard `fetch` whose body is read as a stream and parsed as Server-Sent
// Events (HTML Living Standard §9.2) by eventsource-parser, so the same code runs on Node, Bun and Deno.
// The platform's EventSource is not used: it cannot send an Authorization header, and Node has none. After
// a drop it reconnects with jittered exponential backoff, sending `Last-Event-ID` (§9.2.4) so the issuer
// resends only what was missed. What the events mean is feed-denylist.ts's concern.
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface FeedStreamConfig {
  url: string;
  /** The Authorization header value (client credentials, docs/revocation-feed.md). */
  authorization: string;
  fetch: typeof fetch;
  /** The id to resume after; awaited before each connection so earlier events are applied first. */
  resumeFrom: () => Promise<string | undefined>;
  onOpen: (lastEventId: string | undefined) => void;
  onMessage: (message: EventSourceMessage) => void;
  onClosed: (reason: string, retryInMs: number) => void;
  /** Longest delay between two attempts (ms). */
  maxDelayMs: number;
}

export interface FeedStream {
  /** Drops the current connection (or attempt), so the next one starts now. */
  reconnect(): void;
  /** When the current connection or attempt started (ms, on the injected clock). */
  readonly attemptStartedAt: number;
  close(): void;
}

/** Largest single event accepted: a SET is a few hundred bytes; a line without end must not grow memory. */
const MAX_EVENT_BYTES = 256 * 1024;
/** The reconnection time until the server sends `retry:` (§9.2.6 leaves the default to the client). */
const DEFAULT_RETRY_MS = 1000;

export function startFeedStream(config: FeedStreamConfig, clock: () => number): FeedStream {
  let closed = false;
  let controller: AbortController | undefined;
  let attempt = 0;
  let retryMs = DEFAULT_RETRY_MS;
  let attemptStartedAt = clock();
  let wake: (() => void) | undefined;

  /** Full jitter over an exponential ceiling: reconnecting APIs do not arrive at the issuer in step. */
  function delay(): number {
    const ceiling = Math.min(config.maxDelayMs, retryMs * 2 ** Math.min(attempt, 16));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  async function connectOnce(signal: AbortSignal): Promise<string> {
    const lastEventId = await config.resumeFrom();
    const headers: Record<string, string> = {
      Accept: 'text/event-stream',
      Authorization: config.authorization,
      'Cache-Control': 'no-cache',
    };
    if (lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
    const response = await config.fetch(config.url, { headers, signal, cache: 'no-store' });
    if (!response.ok || response.body === null) {
      await response.body?.cancel().catch(() => undefined);
      return `HTTP ${response.status}`;
    }
    const type = response.headers.get('content-type') ?? '';
    if (!/^text\/event-stream\b/i.test(type)) {
      await response.body.cancel().catch(() => undefined);
      return `not an event stream (${type.slice(0, 100) || 'no content type'})`;
    }
    config.onOpen(lastEventId);
    const parser = createParser({
      onEvent: (message) => {
        attempt = 0; // the issuer is answering: the next drop starts the backoff again
        config.onMessage(message);
      },
      onRetry: (ms) => {
        if (Number.isFinite(ms) && ms >= 0) retryMs = Math.min(Math.max(ms, 10), config.maxDelayMs);
      },
      maxBufferSize: MAX_EVENT_BYTES,
      onError: () => undefined, // an unknown field is skipped, as §9.2.6 says
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return 'the issuer closed the stream';
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } finally {
      // Also ends the HTTP request when the loop stops on an error of ours.
      reader.cancel().catch(() => undefined);
    }
  }

  async function run(): Promise<void> {
    while (!closed) {
      controller = new AbortController();
      attemptStartedAt = clock();
      let reason: string;
      try {
        reason = await connectOnce(controller.signal);
      } catch (error) {
        reason = error instanceof Error ? error.message : 'connection failed';
      }
      controller.abort();
      if (closed) return;
      const wait = delay();
      attempt++;
      config.onClosed(reason, wait);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  void run();

  return {
    reconnect() {
      controller?.abort();
    },
    get attemptStartedAt() {
      return attemptStartedAt;
    },
    close() {
      closed = true;
      controller?.abort();
      wake?.();
    },
  };
}
