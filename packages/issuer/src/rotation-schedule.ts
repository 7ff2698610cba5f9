// Scheduled rotation: `tick()` re-reads the key store (dropping keys whose retention is over) and rotates
// once the current key has signed for `rotation.every`. Every instance sharing a store may tick: they derive
// the same due time from the stored timestamps, and one finding the rotation already scheduled does nothing.
import type { KeyRing } from './signing-keys.js';

export interface RotationScheduleOptions {
  ring: KeyRing;
  clock: () => number;
  /** Resolves once the ring holds its keys; a tick waits for it. */
  ready: () => Promise<void>;
  /** Rotate when the current key has signed this many ms; `undefined`: ticks only re-read the store. */
  every: number | undefined;
  /** Run `tick()` from a timer this often (ms); `undefined`: no timer, ticking is the caller's. */
  checkInterval: number | undefined;
  /** A timer tick failed; the timer carries on. */
  onTickFailed: (error: unknown) => void;
}

export interface RotationSchedule {
  tick(): Promise<void>;
  /** Stop the timer (a tick in flight finishes). */
  stop(): void;
}

export function createRotationSchedule(options: RotationScheduleOptions): RotationSchedule {
  const { ring, clock, every } = options;
  let ticking: Promise<void> | undefined;

  async function tick(): Promise<void> {
    await options.ready();
    // One tick at a time: a slow store must not let timer ticks pile up and rotate twice.
    if (ticking) return ticking;
    ticking = (async () => {
      await ring.reload();
      if (every !== undefined && !ring.rotationPending() && clock() >= ring.currentSince() + every) {
        await ring.rotate();
      }
    })().finally(() => {
      ticking = undefined;
    });
    return ticking;
  }

  let timer: ReturnType<typeof setInterval> | undefined;
  if (options.checkInterval !== undefined) {
    timer = setInterval(() => {
      tick().catch(options.onTickFailed);
    }, options.checkInterval);
    // The schedule must not keep a process alive that has nothing else to do.
    timer.unref?.();
  }

  return {
    tick,
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
