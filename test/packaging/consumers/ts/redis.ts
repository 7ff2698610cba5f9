import { createRedisDenylist, createRedisReplayStore } from '@jwtguard/redis';
import { createVerifier } from '@jwtguard/core';

// The Redis denylist plugs into the verifier's denylist hook (types only: no connection is made here).
export function verifierWithDenylist(): ReturnType<typeof createVerifier> {
  const denylist = createRedisDenylist({ prefix: 'jwtguard:' });
  return createVerifier({ issuer: 'https://issuer.example', audience: 'https://api.example', denylist });
}
// A DPoP replay store shared by every instance plugs into the dpop option.
export function verifierWithReplayStore(): ReturnType<typeof createVerifier> {
  const replayStore = createRedisReplayStore();
  return createVerifier({
    issuer: 'https://issuer.example',
    audience: 'https://api.example',
    dpop: { replayStore },
  });
}
// @ts-expect-error mode is 'replica' or 'direct'
createRedisDenylist({ mode: 'sometimes' });

// The issuer's stores come from the subpath, typed against @jwtguard/issuer's store contracts.
import { createRedisKeyStore, createRedisRefreshTokenStore } from '@jwtguard/redis/issuer';
import type { KeyStore, RefreshTokenStore } from '@jwtguard/issuer';

export const keyStore: KeyStore = createRedisKeyStore({ encryptionKey: new Uint8Array(32) });
export const refreshStore: RefreshTokenStore = createRedisRefreshTokenStore();
// @ts-expect-error the stores are not on the main entry
import { createRedisKeyStore as notHere } from '@jwtguard/redis';
void notHere;
