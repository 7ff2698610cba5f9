import {
  createFeedDenylist,
  createSetReceiver,
  type FeedDenylist,
  type FeedDenylistEvent,
} from '@jwtguard/feed';
import { createMemoryDenylist, createVerifier } from '@jwtguard/core';

// The feed denylist plugs into the verifier's denylist hook (types only: nothing connects here).
export function verifierWithFeed(): ReturnType<typeof createVerifier> {
  const denylist: FeedDenylist = createFeedDenylist({
    url: 'https://issuer.example/revocations',
    issuer: 'https://issuer.example/',
    audience: 'https://api.example',
    clientId: 'api',
    clientSecret: 'secret',
    onEvent: (event: FeedDenylistEvent) => void event.type,
  });
  return createVerifier({ issuer: 'https://issuer.example/', audience: 'https://api.example', denylist });
}
// A push receiver is a Web-standard handler.
export const receive: (request: Request) => Promise<Response> = createSetReceiver({
  issuer: 'https://issuer.example/',
  audience: 'https://api.example',
  denylist: createMemoryDenylist(),
});
export function misuse(): void {
  createFeedDenylist({
    url: 'https://issuer.example/revocations',
    issuer: 'https://issuer.example/',
    audience: 'https://api.example',
    clientId: 'api',
    clientSecret: 'secret',
    // @ts-expect-error failure is 'closed' or 'open'
    failure: 'sometimes',
  });
  // @ts-expect-error a receiver needs a denylist to apply revocations to
  createSetReceiver({ issuer: 'https://issuer.example/', audience: 'https://api.example' });
}
