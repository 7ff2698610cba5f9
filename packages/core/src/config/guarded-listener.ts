// Every `onEvent` in jwtguard (verifier, denylists, feed, receiver, issuer) is called from request paths,
// timers and streams. Observing must never change a decision: a listener that throws, or an async one that
// rejects, goes no further (from a timer a throw would end the process; a rejection would be unhandled).
import { ConfigurationError } from '../errors.js';

/** `onEvent` behind that guard; a no-op without one. Refuses a listener that is not a function. */
export function guardListener<E>(onEvent: ((event: E) => unknown) | undefined): (event: E) => void {
  if (onEvent === undefined) return () => undefined;
  if (typeof onEvent !== 'function') throw new ConfigurationError('onEvent must be a function');
  return (event) => {
    try {
      const returned: unknown = onEvent(event);
      if (returned instanceof Promise) returned.catch(() => undefined);
    } catch {
      // Ignored: see above.
    }
  };
}
