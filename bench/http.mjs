// HTTP throughput of each adapter against its framework with no auth, a raw node:crypto middleware (the
// in-framework limit) and the peer middlewares. Every server runs in its own child process (http-server.mjs);
// autocannon runs here, in the parent. The JWKS is served over loopback HTTP from this process. Variants of
// one framework run interleaved A/B/C…/A/B/C… so drift in machine load hits them all alike; the figures are
// medians of same-round ratios to no-auth. Two token sets: the same token on every request, and 1,000
// rotating tokens. Beside req/s, the server's CPU per request (its own cost, whatever autocannon took).
//   node bench/http.mjs [--quick] [--json] [--framework=express|koa|hono]        (needs `pnpm build`)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { AUDIENCE, ISSUER, makeKey, makeTokens } from './lib/fixtures.mjs';
import { renderHttpTable } from './lib/render.mjs';

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
// One second is autocannon's shortest run; more, shorter interleaved rounds beat fewer long ones on a
// machine whose load changes while the benchmark runs.
const DURATION_S = 1;
/** Rounds per token set: the rotating set is the one the targets are about. */
const ROUNDS = quick
  ? { 'same token': 1, '1,000 rotating tokens': 1 }
  : { 'same token': 3, '1,000 rotating tokens': 6 };
const CONNECTIONS = 10;
/** `--framework=express` runs one framework only (while working on an adapter). */
const only = process.argv.find((arg) => arg.startsWith('--framework='))?.slice('--framework='.length);
const ROTATING = 1000;
const serverScript = fileURLToPath(new URL('./http-server.mjs', import.meta.url));

export const FRAMEWORKS = {
  express: [
    'no-auth',
    'no-op middleware',
    'raw',
    'jwtguard',
    'jwtguard+cache',
    'express-oauth2-jwt-bearer',
    'express-jwt+jwks-rsa',
  ],
  koa: ['no-auth', 'no-op middleware', 'raw', 'jwtguard', 'jwtguard+cache', 'koa-jwt+jwks-rsa'],
  hono: [
    'no-auth',
    'no-op middleware',
    'raw',
    'jwtguard',
    'jwtguard+cache',
    'hono-jwk (inline keys)',
    'hono-jwk (jwks_uri)',
  ],
};

/** The JWKS (and a discovery document) on 127.0.0.1, counting fetches. */
async function startJwks(jwk) {
  let fetches = 0;
  const server = createServer((req, res) => {
    fetches++;
    const body =
      req.url === '/jwks'
        ? { keys: [jwk] }
        : { issuer: ISSUER, jwks_uri: `http://127.0.0.1:${server.address().port}/jwks` };
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' });
    res.end(JSON.stringify(body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, uri: `http://127.0.0.1:${server.address().port}/jwks`, fetches: () => fetches };
}

async function startServer(framework, variant, config) {
  const child = spawn(process.execPath, [serverScript, framework, variant], {
    // production: Express would otherwise print a stack trace for every 401 of the sanity check.
    env: { ...process.env, NODE_ENV: 'production', BENCH_CONFIG: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  return { child, url: `http://127.0.0.1:${JSON.parse(line).port}/items` };
}

/** The server's CPU time so far, in µs (user + system), asked over IPC. */
async function cpuOf(child) {
  child.send('cpu');
  const [{ user, system }] = await once(child, 'message');
  return user + system;
}

/**
 * One autocannon run against `server`; every request carries the next token of `tokens` (the no-auth
 * baseline ignores it). Also the server's CPU µs per request over the run.
 */
async function load({ url, child }, tokens, durationS) {
  const cpuBefore = await cpuOf(child);
  let next = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: durationS,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => ({
          ...request,
          headers: { authorization: `Bearer ${tokens[next++ % tokens.length]}` },
        }),
      },
    ],
  });
  const cpuUs = ((await cpuOf(child)) - cpuBefore) / result.requests.total;
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${url}: ${bad} failed requests of ${result.requests.total}`);
  // total ÷ duration: autocannon's per-second average has no sample in a run shorter than a second.
  return {
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUs,
  };
}

/** Every token once, 10 requests in flight. */
async function prime(url, tokens) {
  let next = 0;
  const worker = async () => {
    while (next < tokens.length) {
      const response = await fetch(url, { headers: { authorization: `Bearer ${tokens[next++]}` } });
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
}

/** Refuse to time a server that accepts requests without a token or refuses a valid one. */
async function sanityCheck(variant, url, token) {
  const ok = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (ok.status !== 200) throw new Error(`${variant}: valid token answered ${ok.status}`);
  await ok.arrayBuffer();
  if (variant === 'no-auth' || variant === 'no-op middleware') return;
  const denied = await fetch(url);
  if (denied.status < 400) throw new Error(`${variant}: request without a token answered ${denied.status}`);
  await denied.arrayBuffer();
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export async function runHttp({ log = () => {} } = {}) {
  const key = makeKey('RS256');
  const jwks = await startJwks(key.jwk);
  const config = { issuer: ISSUER, audience: AUDIENCE, jwksUri: jwks.uri, jwk: key.jwk };
  const rotating = makeTokens(key, ROTATING);
  // The quick run keeps the set the targets are about.
  const sets = quick
    ? { '1,000 rotating tokens': rotating }
    : { 'same token': rotating.slice(0, 1), '1,000 rotating tokens': rotating };
  const tables = {};
  try {
    for (const [framework, variants] of Object.entries(FRAMEWORKS)) {
      if (only !== undefined && only !== framework) continue;
      const servers = [];
      try {
        // Started together (each is its own process), then checked and warmed up one at a time.
        const started = await Promise.all(
          variants.map(async (variant) => ({ variant, ...(await startServer(framework, variant, config)) })),
        );
        servers.push(...started);
        for (const server of servers) {
          await sanityCheck(server.variant, server.url, rotating[0]);
          // Warm-up: JIT, JWKS and (for the caching variants) every token into the cache; the full run also
          // lets autocannon's own connections settle (autocannon cannot run for less than about a second).
          await prime(server.url, rotating);
          if (!quick) await load(server, rotating, 1);
        }
        for (const [setName, tokens] of Object.entries(sets)) {
          const samples = new Map(variants.map((variant) => [variant, []]));
          for (let round = 0; round < ROUNDS[setName]; round++) {
            for (const server of servers)
              samples.get(server.variant).push(await load(server, tokens, DURATION_S));
          }
          // The machine's speed drifts over a table: req/s and CPU per request are each the median of the
          // row's ratio to the no-auth run of the same round, times no-auth's median (see verify.mjs).
          const baseline = samples.get(variants[0]);
          const relative = (runs, key) =>
            median(runs.map((run, round) => run[key] / baseline[round][key])) *
            median(baseline.map((run) => run[key]));
          const rows = variants.map((variant) => {
            const runs = samples.get(variant);
            return {
              name: variant,
              rps: relative(runs, 'rps'),
              p50: median(runs.map((run) => run.p50)),
              p99: median(runs.map((run) => run.p99)),
              cpuUs: relative(runs, 'cpuUs'),
            };
          });
          tables[`${framework}, ${setName}`] = rows;
          log(`http ${framework} ${setName} done`);
        }
      } finally {
        for (const { child } of servers) child.kill();
      }
    }
  } finally {
    jwks.server.close();
  }
  return { tables, durationS: DURATION_S, rounds: ROUNDS['1,000 rotating tokens'], connections: CONNECTIONS };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await runHttp({ log: (line) => process.stderr.write(`${line}\n`) });
  if (args.has('--json')) process.stdout.write(JSON.stringify(result));
  else for (const [title, rows] of Object.entries(result.tables)) console.log(renderHttpTable(title, rows));
}
