// The pipeline runs synchronously until something must be awaited (a key to fetch or convert, an async
// hook): each step answers a value or a promise of it, and the next step runs on the value without a
// microtask turn when it is at hand. One helper carries that choice so the steps do not repeat it.

/** A value now, or a native promise of it. Never any other thenable: callers tell the two apart by `instanceof`. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * `next(state, value)` now when `value` is at hand, else once it resolves. `state` is passed through instead
 * of being captured by a closure, so the synchronous path allocates nothing.
 */
export function andThen<S, T, R>(
  value: MaybePromise<T>,
  next: (state: S, value: T) => MaybePromise<R>,
  state: S,
): MaybePromise<R> {
  return value instanceof Promise ? value.then((resolved) => next(state, resolved)) : next(state, value);
}
