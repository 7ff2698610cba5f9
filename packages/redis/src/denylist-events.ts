// What the Redis denylist reports through `onEvent`, and the guard around that listener. The listener is
// called from timers (heartbeat, staleness) and from the snapshot sync: a throw there would be an uncaught
// exception that ends the process, or would fail a sync that has already succeeded. Observing the denylist
// must never change what it decides, so a listener's failure (thrown or a rejected promise) goes no further.
import { guardListener } from '@jwtguard/core';

export type RedisDenylistEvent =
  | { type: 'denylist.synced'; entries: number; loaded: number; durationMs: number }
  | { type: 'denylist.disconnected' }
  | { type: 'denylist.stale'; ageMs: number }
  | { type: 'denylist.sync-failed'; reason: string }
  | { type: 'denylist.unavailable'; reason: string };

export type EventListener = (event: RedisDenylistEvent) => void;

/** `onEvent` behind core's guard; a no-op without one. */
export const guardedListener: (onEvent: EventListener | undefined) => EventListener = guardListener;
