// The direct check: isRevoked answered by Redis itself, in direct mode and whenever a replica cannot vouch
// for its own answer (stale, resyncing). Bounded by `timeout`: a Redis that does not answer in time makes the
// check throw an UnavailableError, which the verifier turns into a 503, never a silent accept.
import {
  ANY_ISSUER,
  isBeforeCutoff,
  revocationId,
  UnavailableError,
  type AuthResult,
  type RevocationRule,
} from '@jwtguard/core';
import type { RedisClient } from './connection.js';
import { whenReady, withDeadline } from './deadline.js';
import type { EventListener } from './denylist-events.js';
import type { RedisKeys } from './keys.js';

export interface DirectCheckConfig {
  client: RedisClient;
  keys: RedisKeys;
  rule: RevocationRule;
  clock: () => number;
  timeoutMs: number;
  emit: EventListener;
}

export type DirectCheck = (result: AuthResult) => Promise<boolean>;

export function createDirectCheck({
  client,
  keys,
  rule,
  clock,
  timeoutMs,
  emit,
}: DirectCheckConfig): DirectCheck {
  // Two or three ZSCOREs sent together: with auto-pipelining, checks that coincide share one write.
  async function ask(result: AuthResult): Promise<boolean> {
    const { issuer, payload } = result;
    const { id } = await revocationId(result);
    const now = clock();
    const pending: Promise<string | null>[] = [
      client.zscore(keys.tokens(issuer), id),
      client.zscore(keys.tokens(ANY_ISSUER), id),
    ];
    if (typeof payload.sub === 'string') pending.push(client.zscore(keys.subjects(issuer), payload.sub));
    const [token, any, cutoff] = await Promise.all(pending);
    if ((token != null && Number(token) > now) || (any != null && Number(any) > now)) return true;
    if (cutoff == null) return false;
    const before = Number(cutoff);
    return rule.cutoffExpiresAt(before) > now && isBeforeCutoff(payload.iat, before);
  }

  return async (result) => {
    const started = Date.now();
    try {
      await whenReady(client, timeoutMs, 'denylist check');
      const left = Math.max(1, timeoutMs - (Date.now() - started));
      return await withDeadline(ask(result), left, 'denylist check');
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'denylist check failed';
      emit({ type: 'denylist.unavailable', reason });
      throw new UnavailableError('ERR_DENYLIST_UNAVAILABLE', 'Token revocation status is unavailable', 5, {
        cause: error,
      });
    }
  };
}
