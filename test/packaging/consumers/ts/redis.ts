import { createRedisDenylist } from '@jwtguard/redis';
import { createVerifier } from '@jwtguard/core';

// The Redis denylist plugs into the verifier's denylist hook (types only: no connection is made here).
export function verifierWithDenylist(): ReturnType<typeof createVerifier> {
  const denylist = createRedisDenylist({ prefix: 'jwtguard:' });
  return createVerifier({ issuer: 'https://issuer.example', audience: 'https://api.example', denylist });
}
// @ts-expect-error mode is 'replica' or 'direct'
createRedisDenylist({ mode: 'sometimes' });
