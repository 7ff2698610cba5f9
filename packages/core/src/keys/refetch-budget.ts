// A global cap on JWKS refetches caused by unknown `kid`s. The per-issuer cooldown already bounds one issuer;
// this bounds them all together, so a flood of forged tokens naming many issuers (or many tenants) cannot turn
// the verifier into a request amplifier against identity providers.
import { ConfigurationError } from '../errors.js';

export interface RefetchBudget {
  /** Spend one refetch; `false` when the budget for the current window is exhausted. */
  tryTake(): boolean;
}

const WINDOW_MS = 60_000;

/**
 * A token bucket holding at most `perMinute` refetches, refilled continuously at `perMinute` per minute of
 * `clock` time. `perMinute: 0` disables unknown-kid refetches entirely (keys then change only on expiry).
 */
export function createRefetchBudget(perMinute: number, clock: () => number): RefetchBudget {
  if (!Number.isFinite(perMinute) || perMinute < 0) {
    throw new ConfigurationError(
      `cache.jwks.refetchBudgetPerMinute must be a non-negative number (default 60); got ${String(perMinute)}`,
    );
  }
  let tokens = perMinute;
  let updatedAt = clock();
  return {
    tryTake() {
      const now = clock();
      // A clock that goes backwards (NTP step) must not mint tokens or freeze the bucket.
      const elapsed = Math.max(0, now - updatedAt);
      updatedAt = now;
      tokens = Math.min(perMinute, tokens + (elapsed * perMinute) / WINDOW_MS);
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}
