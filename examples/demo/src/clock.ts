// The demo's clock: real time plus an offset that only grows. Moving it forward lets the demo show a token
// expiring and hours of scheduled key rotation in a few seconds of wall time, with every component (issuer,
// rotation schedule, verifiers, their JWKS caches) reading the same time.

export interface VirtualClock {
  /** Milliseconds since the epoch, as `Date.now`. */
  now(): number;
  /** Move time forward by `ms` milliseconds. */
  advance(ms: number): void;
}

export function createVirtualClock(): VirtualClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms) {
      if (!(ms >= 0)) throw new RangeError('the demo clock only moves forward');
      offset += ms;
    },
  };
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
