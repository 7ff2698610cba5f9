// RFC 8935 push delivery of the revocation feed's SETs (docs/revocation-feed.md): every entry appended to the
// log is POSTed to each configured receiver. One loop per receiver delivers its queue in append order, one SET
// at a time, so a receiver applies revocations in the order the issuer made them.
// Outcomes (RFC 8935 §2.2, §2.3): 202 (or 200) is delivered; a 400 carrying `{ err, description }` is the
// receiver refusing that SET: it will refuse it again, so it is reported and not retried. A network error, a
// 5xx or a 429 is transient: retried with exponential backoff and jitter, but only while the entry is retained
// (`expiresAt`, the log's rule): past it no token the SET refuses can still be valid, so delivering it is moot.
// Each receiver's waiting queue is bounded: when full, entries no longer retained go first; if every waiting
// entry is still live the new one is not queued (reported), so an unreachable receiver never grows memory.
import type { RevocationLogEntry } from './revocation-log.js';
import type { IssuerEvent } from './types.js';

/** One receiver as resolved from `revocationFeed.push`. */
export interface PushReceiverConfig {
  url: string;
  /** The `Authorization` header value sent with every POST (never reported). */
  authorization: string | undefined;
}

export interface RevocationPushDependencies {
  receivers: readonly PushReceiverConfig[];
  clock: () => number;
  emit(event: IssuerEvent): void;
  fetch?: typeof fetch;
  /** First retry delay (ms, default 500); doubled on each further attempt up to `maxDelay`. */
  initialDelay?: number;
  /** Longest wait between attempts (ms, default 60 s). */
  maxDelay?: number;
  /** Entries waiting per receiver, besides the one in flight (default 10 000). */
  maxQueue?: number;
  /** One POST is abandoned (and retried) after this long (ms, default 10 s). */
  requestTimeout?: number;
}

export interface RevocationPush {
  /** Queue an entry the log now holds for every receiver (in id order). */
  enqueue(entry: RevocationLogEntry): void;
  /** Stop every loop: in-flight POSTs are aborted, queued entries dropped; resolves once all have stopped. */
  close(): Promise<void>;
}

/** RFC 8935 §2.1: the SET is the body, as `application/secevent+jwt`. */
const SET_CONTENT_TYPE = 'application/secevent+jwt';
/** Longest receiver `description` carried in an event: it is the receiver's text, of any length. */
const MAX_DESCRIPTION = 200;

/** How a receiver is named in events: origin and path only, so a secret in a query string is never reported. */
export function receiverLabel(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

type Outcome =
  | { kind: 'delivered'; status: number }
  | { kind: 'refused'; status: number; err?: string; description?: string }
  | { kind: 'retry'; reason: string; retryAfter: number | undefined };

/** RFC 8935 §2.3: the error body of a 400, `{ "err": <§2.4 code>, "description": <text> }`, when present. */
async function errorBody(response: Response): Promise<{ err?: string; description?: string }> {
  try {
    const body: unknown = await response.json();
    if (typeof body !== 'object' || body === null) return {};
    const err: unknown = Reflect.get(body, 'err');
    const description: unknown = Reflect.get(body, 'description');
    return {
      ...(typeof err === 'string' ? { err: err.slice(0, 64) } : {}),
      ...(typeof description === 'string' ? { description: description.slice(0, MAX_DESCRIPTION) } : {}),
    };
  } catch {
    return {};
  }
}

/** Retry-After (RFC 9110 §10.2.3) in ms, seconds form only; undefined when absent or a date. */
function retryAfter(response: Response): number | undefined {
  const value = response.headers.get('retry-after');
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1000;
}

function networkReason(error: unknown): string {
  if (!(error instanceof Error)) return 'network error';
  if (error.name === 'TimeoutError') return 'timed out';
  const cause: unknown = error.cause;
  const code = typeof cause === 'object' && cause !== null ? Reflect.get(cause, 'code') : undefined;
  // The message of a fetch failure names neither the URL's query nor the headers.
  return typeof code === 'string' ? `${error.message} (${code})` : error.message;
}

export function createRevocationPush(deps: RevocationPushDependencies): RevocationPush {
  const { clock, emit } = deps;
  const doFetch = deps.fetch ?? fetch;
  const initialDelay = deps.initialDelay ?? 500;
  const maxDelay = deps.maxDelay ?? 60_000;
  const maxQueue = deps.maxQueue ?? 10_000;
  const requestTimeout = deps.requestTimeout ?? 10_000;
  const stopping = new AbortController();

  /** Wait `ms` of real time, or less when closing; answers whether the push is still running. */
  const sleep = (ms: number) =>
    new Promise<boolean>((resolve) => {
      if (stopping.signal.aborted) return resolve(false);
      const done = () => {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        resolve(!stopping.signal.aborted);
      };
      const timer = setTimeout(done, ms);
      stopping.signal.addEventListener('abort', done, { once: true });
    });

  function receiverLoop(config: PushReceiverConfig) {
    const receiver = receiverLabel(config.url);
    const queue: RevocationLogEntry[] = [];
    let running: Promise<void> | undefined;

    const headers: Record<string, string> = {
      'content-type': SET_CONTENT_TYPE,
      // RFC 8935 §2: the transmitter accepts a JSON error body.
      accept: 'application/json',
      ...(config.authorization === undefined ? {} : { authorization: config.authorization }),
    };

    async function post(entry: RevocationLogEntry): Promise<Outcome> {
      let response: Response;
      try {
        response = await doFetch(config.url, {
          method: 'POST',
          headers,
          body: entry.set,
          // A redirect would carry the SET (and the Authorization header) somewhere not configured.
          redirect: 'manual',
          signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(requestTimeout)]),
        });
      } catch (error) {
        return { kind: 'retry', reason: networkReason(error), retryAfter: undefined };
      }
      const { status } = response;
      if (status === 202 || status === 200) {
        await response.body?.cancel().catch(() => undefined);
        return { kind: 'delivered', status };
      }
      // Transient on the receiver's side: 5xx (its store or keys unreachable), 429 and 408.
      if (status >= 500 || status === 429 || status === 408) {
        await response.body?.cancel().catch(() => undefined);
        return { kind: 'retry', reason: `HTTP ${status}`, retryAfter: retryAfter(response) };
      }
      // RFC 8935 §2.3: a 400 is the receiver refusing this SET; any other answer (401, 403, 404, a redirect)
      // is a configuration the same SET cannot get past by being sent again.
      if (status === 400) return { kind: 'refused', status, ...(await errorBody(response)) };
      await response.body?.cancel().catch(() => undefined);
      return { kind: 'refused', status };
    }

    async function deliver(entry: RevocationLogEntry): Promise<void> {
      for (let attempt = 1; ; attempt += 1) {
        if (stopping.signal.aborted) return;
        if (entry.expiresAt <= clock()) {
          emit({ type: 'revocation_push.dropped', receiver, reason: 'expired', ids: [entry.id] });
          return;
        }
        const outcome = await post(entry);
        if (stopping.signal.aborted) return;
        if (outcome.kind === 'delivered') {
          emit({
            type: 'revocation_push.delivered',
            receiver,
            id: entry.id,
            status: outcome.status,
            attempts: attempt,
          });
          return;
        }
        if (outcome.kind === 'refused') {
          const { kind: _kind, ...detail } = outcome;
          emit({ type: 'revocation_push.refused', receiver, id: entry.id, ...detail });
          return;
        }
        // Exponential backoff with equal jitter: receivers that failed together do not all retry together.
        const backoff = Math.min(maxDelay, initialDelay * 2 ** (attempt - 1));
        let delay = backoff / 2 + Math.random() * (backoff / 2);
        if (outcome.retryAfter !== undefined) delay = Math.max(delay, Math.min(outcome.retryAfter, maxDelay));
        delay = Math.round(delay);
        emit({
          type: 'revocation_push.retry',
          receiver,
          id: entry.id,
          attempt,
          delay,
          reason: outcome.reason,
        });
        if (!(await sleep(delay))) return;
      }
    }

    async function run(): Promise<void> {
      for (let entry = queue.shift(); entry !== undefined; entry = queue.shift()) {
        await deliver(entry);
        if (stopping.signal.aborted) return;
      }
    }

    function start(): void {
      running ??= run()
        .catch(() => undefined) // a throwing clock ends this round; the next entry starts another
        .finally(() => {
          running = undefined;
          // An entry queued after the loop saw an empty queue, before it ended.
          if (queue.length > 0 && !stopping.signal.aborted) start();
        });
    }

    return {
      enqueue(entry: RevocationLogEntry) {
        if (stopping.signal.aborted) return;
        if (queue.length >= maxQueue) {
          const now = clock();
          const expired = queue.filter((waiting) => waiting.expiresAt <= now);
          if (expired.length > 0) {
            const live = queue.filter((waiting) => waiting.expiresAt > now);
            queue.splice(0, queue.length, ...live);
            emit({
              type: 'revocation_push.dropped',
              receiver,
              reason: 'expired',
              ids: expired.map((e) => e.id),
            });
          }
        }
        if (queue.length >= maxQueue) {
          // Every waiting entry still matters: refusing the new one keeps memory bounded. It stays in the log,
          // so a receiver that also reads the SSE feed still learns it.
          emit({ type: 'revocation_push.dropped', receiver, reason: 'queue_full', ids: [entry.id] });
          return;
        }
        queue.push(entry);
        start();
      },
      async stop() {
        queue.length = 0;
        await running;
      },
    };
  }

  const loops = deps.receivers.map(receiverLoop);
  return {
    enqueue(entry) {
      for (const loop of loops) loop.enqueue(entry);
    },
    async close() {
      stopping.abort();
      await Promise.all(loops.map((loop) => loop.stop()));
    },
  };
}
