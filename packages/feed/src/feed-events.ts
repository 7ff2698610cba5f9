// What the feed denylist reports through `onEvent`, and the guard around that listener: it is called from
// the stream and from timers, where a throw would end the process. Observing the feed never changes what it
// decides, so a listener's failure (thrown or a rejected promise) goes no further.
import { guardListener } from '@jwtguard/core';
import type { SetRejectionReason } from './set-events.js';

export type FeedDenylistEvent =
  | { type: 'feed.connected'; lastEventId: string | undefined }
  | { type: 'feed.ready'; last: string | null; entries: number }
  | { type: 'feed.applied'; jti: string; eventId: string | undefined; kind: 'token' | 'subject' }
  | {
      type: 'feed.set-rejected';
      reason: SetRejectionReason;
      description: string;
      eventId: string | undefined;
    }
  | { type: 'feed.reset' }
  | { type: 'feed.disconnected'; reason: string; retryInMs: number }
  | { type: 'feed.stale'; ageMs: number }
  | { type: 'feed.unavailable'; reason: string };

export type FeedEventListener = (event: FeedDenylistEvent) => void;

/** `onEvent` behind core's guard; a no-op without one. */
export const guardedListener: (onEvent: FeedEventListener | undefined) => FeedEventListener = guardListener;
