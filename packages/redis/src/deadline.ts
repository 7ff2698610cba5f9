// Bounded waits on Redis. A command sent to an unreachable or stalled server (DEBUG SLEEP, a network
// partition) would otherwise wait for ioredis' own reconnects: a request must get its answer, or a 503,
// within the configured bound, never hang.
import type { RedisClient } from './connection.js';

export class DeadlineError extends Error {
  constructor(what: string, ms: number) {
    super(`${what}: Redis did not answer within ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

export function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  // The losing command still settles later; swallow its outcome so it is not an unhandled rejection.
  work.catch(() => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(what, ms)), ms);
    // A bound never keeps a process alive by itself (after close(), say); the work it bounds may.
    timer.unref();
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Resolves once the client is connected, waiting at most `ms`. Commands are not sent to a client that is
 * not ready: they would pile up in ioredis' offline queue for the length of an outage.
 */
export function whenReady(client: RedisClient, ms: number, what: string): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      reject(new DeadlineError(what, ms));
    }, ms);
    timer.unref();
    function onReady(): void {
      clearTimeout(timer);
      resolve();
    }
    client.once('ready', onReady);
  });
}
