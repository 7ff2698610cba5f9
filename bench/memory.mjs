// Memory of the verified-token cache: a process holding a verifier whose cache is full with 10,000 entries,
// against a process that only loaded Node (and, as a second baseline, one that loaded jwtguard and built
// the same verifier with an empty cache). Each figure comes from its own child process, measured after a
// full garbage collection, so nothing the benchmark itself allocated is counted: once right after the
// burst of work, and again after IDLE_MS without work, once V8's memory reducer has given back the young
// generation the burst grew (what a server holds between bursts).
//   node bench/memory.mjs [--json]        (needs `pnpm build`)
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AUDIENCE, ISSUER, makeKey, makeTokens } from './lib/fixtures.mjs';
import { renderMemory } from './lib/render.mjs';

export const ENTRIES = 10_000;
/** V8's memory reducer starts a few seconds after allocation slows down. */
const IDLE_MS = 6_000;
const self = fileURLToPath(import.meta.url);

function usage() {
  globalThis.gc();
  globalThis.gc();
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed };
}

/** Measured right away, then after IDLE_MS of doing nothing. */
async function burstAndIdle(tokenBytes) {
  const burst = usage();
  await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
  return { ...usage(), burst, tokenBytes };
}

async function child(mode) {
  if (mode === 'empty') return burstAndIdle(0);
  const { createVerifier } = await import('../packages/core/dist/index.js');
  // ES256: a real signature per token, fast to make; an RS256 token is ~30% longer (see tokenBytes).
  const key = makeKey('ES256');
  const verifier = createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: [key.jwk],
    algorithms: ['ES256'],
    ...(mode === 'no-cache' ? {} : { cache: { tokens: { max: ENTRIES } } }),
  });
  // 'no-cache' does the same work as 'full' with the cache off: what a busy process holds anyway.
  let tokens = makeTokens(key, mode === 'verifier' ? 1 : ENTRIES);
  const tokenBytes = tokens[0].length;
  for (const token of tokens) await verifier.verify(token);
  tokens = undefined;
  // A macrotask later: until the current job ends, V8 may still see the token array from its stack.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const measured = await burstAndIdle(tokenBytes);
  // Keep the verifier (and so its cache) reachable until after the measurement.
  if (typeof verifier.verify !== 'function') throw new Error('unreachable');
  return measured;
}

function measureIn(mode) {
  const out = execFileSync(process.execPath, ['--expose-gc', self, '--child', mode], { encoding: 'utf8' });
  return JSON.parse(out);
}

export function runMemory() {
  return {
    empty: measureIn('empty'),
    verifier: measureIn('verifier'),
    noCache: measureIn('no-cache'),
    full: measureIn('full'),
    entries: ENTRIES,
  };
}

if (process.argv.includes('--child')) {
  const mode = process.argv[process.argv.indexOf('--child') + 1];
  process.stdout.write(JSON.stringify(await child(mode)));
} else if (process.argv[1] === self) {
  const result = runMemory();
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(result));
  else console.log(renderMemory(result));
}
