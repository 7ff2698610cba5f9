// The realm of a challenge (RFC 6750 §3: `realm="…"` in WWW-Authenticate). The guard that saw a request
// remembers its realm for that request, so the route checks after it (requireScopes, requireClaims) issue
// the same challenge without being configured twice.

/** Sets the challenge's realm unless the error already names one. */
export function withRealm<E extends { realm: string | undefined }>(err: E, realm: string | undefined): E {
  if (realm !== undefined && err.realm === undefined) err.realm = realm;
  return err;
}

// Keyed by the framework's per-request object (Express `req`, Koa `ctx`, Hono `c`): gone with the request.
const realms = new WeakMap<object, string>();

export function rememberRealm(request: object, realm: string): void {
  realms.set(request, realm);
}

export function realmOf(request: object): string | undefined {
  return realms.get(request);
}
