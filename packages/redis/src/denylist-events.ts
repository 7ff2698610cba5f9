// What the Redis denylist reports through `onEvent`, and the guard around that listener. The listener is
// called from timers (heartbeat, staleness) and from the snapshot sync: a throw there would be an uncaught
// exception that ends the process, or would fail a sync that has already succeeded. Observing the denylist
// must never change what it decides, so a listener's failure (thrown or a rejected promise) goes no further.
import { ConfigurationError } from '@jwtguard/core';

export type RedisDenylistEvent =
  | { type: 'denylist.synced'; entries: number; loaded: number; durationMs: number }
  | { type: 'denylist.disconnected' }
  | { type: 'denylist.stale'; ageMs: number }
  | { type: 'denylist.sync-failed'; reason: string }
  | { type: 'denylist.unavailable'; reason: string };

export type EventListener = (event: RedisDenylistEvent) => void;

/** `onEvent` behind a guard; a no-op without one. */
export function guardedListener(onEvent: EventListener | undefined): EventListener {
  if (onEvent === undefined) return () => undefined;
  if (typeof onEvent !== 'function') throw new ConfigurationError('onEvent must be a function');
  return (event) => {
    try {
      // An async listener is typed as returning void too; its rejection would be an unhandled one.
      const returned: unknown = onEvent(event);
      if (returned instanceof Promise) returned.catch(() => undefined);
    } catch {
      // Ignored: see above.
    }
  };
}
