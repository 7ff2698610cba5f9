// Throughput of one verify function, either strictly sequential or with `concurrency` verifications in
// flight. A synchronous function is not awaited (awaiting would charge it a microtask it never needs).

/** JIT, key imports and every token of the set at least once, so a "cache on" figure measures hits only. */
export async function warmUp(fn, tokens, durationMs) {
  await loop(fn, tokens, durationMs, 1, tokens.length);
}

/** Operations completed in about `durationMs`, and the exact milliseconds they took. */
export async function timed(fn, tokens, { durationMs, concurrency = 1 }) {
  const start = performance.now();
  const ops = await loop(fn, tokens, durationMs, concurrency, 0);
  return { ops, ms: performance.now() - start };
}

async function loop(fn, tokens, durationMs, concurrency, minimumOps) {
  const deadline = performance.now() + durationMs;
  let next = 0;
  const worker = async () => {
    let done = 0;
    while (performance.now() < deadline || next < minimumOps) {
      for (let k = 0; k < 16; k++) {
        const token = tokens[next++ % tokens.length];
        const result = fn(token);
        if (result !== null && typeof result === 'object' && typeof result.then === 'function') await result;
        done++;
      }
    }
    return done;
  };
  const counts = await Promise.all(Array.from({ length: concurrency }, worker));
  return counts.reduce((a, b) => a + b, 0);
}

export function formatRate(value) {
  if (value === undefined) return '—';
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(0);
}
