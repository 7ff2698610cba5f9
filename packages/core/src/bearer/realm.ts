// What a challenge names beyond the error (RFC 6750 §3 `realm`, RFC 9449 §7.1 `algs`): the guard that saw a
// request remembers it for that request, so the route checks after it (requireScopes, requireClaims) issue
// the same challenge without being configured twice.
import type { DpopChallenge } from '../types.js';

/** Sets the challenge's realm unless the error already names one. */
export function withRealm<E extends { realm: string | undefined }>(err: E, realm: string | undefined): E {
  if (realm !== undefined && err.realm === undefined) err.realm = realm;
  return err;
}

export interface RequestChallenge {
  realm: string | undefined;
  dpop: DpopChallenge | undefined;
}

// Keyed by the framework's per-request object (Express `req`, Koa `ctx`, Hono `c`): gone with the request.
const challenges = new WeakMap<object, RequestChallenge>();

export function rememberChallenge(request: object, challenge: RequestChallenge): void {
  challenges.set(request, challenge);
}

export function challengeOf(request: object): RequestChallenge | undefined {
  return challenges.get(request);
}
