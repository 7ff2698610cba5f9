// @jwtguard/feed public API: push revocation from the issuer's Security Event Token feed
// (docs/revocation-feed.md) and RFC 8935 push delivery.
export {
  createFeedDenylist,
  type FeedDenylist,
  type FeedDenylistOptions,
  type FeedDenylistStatus,
} from './feed-denylist.js';
export type { FeedDenylistEvent } from './feed-events.js';
export { SESSION_REVOKED, TOKEN_REVOKED, type Revocation, type SetRejectionReason } from './set-events.js';
export {
  createSetReceiver,
  type RevocationTarget,
  type SetErrorCode,
  type SetReceiverEvent,
  type SetReceiverOptions,
} from './set-receiver.js';
