// Verify throughput per algorithm: raw node:crypto (the limit, ratio 1.00) against jwtguard core (cache off,
// cache on with 1 and with 1,000 rotating tokens; node:crypto path and Web Crypto path), jose, fast-jwt
// (cache off/on), jsonwebtoken (KeyObject) and aws-jwt-verify (JWKS given through cacheJwks). Sequential and
// with 16 verifications in flight. The Web Crypto path runs in a child process started with
// `--conditions=jwtguard-web-crypto`, which makes the package `imports` map pick crypto-web.js.
//   node bench/verify.mjs [--quick] [--json]        (needs `pnpm build`)
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { ALGORITHMS, AUDIENCE, ISSUER, makeKey, makeTokens } from './lib/fixtures.mjs';
import { timed, warmUp } from './lib/measure.mjs';
import { renderVerifyTable } from './lib/render.mjs';
import { rawVerifier } from './lib/raw.mjs';

const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
/** Per case and mode: total measured time, split over ROUNDS interleaved rounds; then the warm-up. */
const durationMs = quick ? 60 : 600;
const ROUNDS = quick ? 2 : 12;
const warmMs = quick ? 30 : 150;
const ROTATING = 1000;
const self = fileURLToPath(import.meta.url);

const core = await import('../packages/core/dist/index.js');

/** jwtguard core on whichever side of the seam this process resolved. */
function jwtguardCases(key) {
  const keys = key.alg === 'HS256' ? key.jwk : [key.jwk];
  const base = { issuer: ISSUER, audience: AUDIENCE, keys, algorithms: [key.alg] };
  const off = core.createVerifier(base);
  const on1 = core.createVerifier({ ...base, cache: { tokens: { max: 10_000 } } });
  const onN = core.createVerifier({ ...base, cache: { tokens: { max: 10_000 } } });
  return [
    ['cache off', (t) => off.verify(t), 'rotating'],
    ['cache on, 1 token', (t) => on1.verify(t), 'single'],
    ['cache on, 1,000 tokens', (t) => onN.verify(t), 'rotating'],
  ];
}

async function peerCases(key) {
  // jose is core's dependency (not the root's): load the very copy jwtguard itself ships with.
  const { jwtVerify, importJWK } = await import('../packages/core/node_modules/jose/dist/webapi/index.js');
  const { createVerifier: fastJwt } = require('fast-jwt');
  const jsonwebtoken = require('jsonwebtoken');
  const { JwtVerifier } = require('aws-jwt-verify');
  const claims = { issuer: ISSUER, audience: AUDIENCE, algorithms: [key.alg] };
  const joseKey = key.alg === 'HS256' ? key.secret : await importJWK(key.jwk, key.alg);
  const fastKey = key.alg === 'HS256' ? key.secret : key.pem;
  const fastOptions = { key: fastKey, algorithms: [key.alg], allowedIss: ISSUER, allowedAud: AUDIENCE };
  const fastOff = fastJwt({ ...fastOptions, cache: false });
  const fastOn1 = fastJwt({ ...fastOptions, cache: ROTATING });
  const fastOnN = fastJwt({ ...fastOptions, cache: ROTATING });
  const cases = [
    ['jose jwtVerify', (t) => jwtVerify(t, joseKey, claims), 'rotating'],
    ['fast-jwt, cache off', (t) => fastOff(t), 'rotating'],
    ['fast-jwt, cache on, 1 token', (t) => fastOn1(t), 'single'],
    ['fast-jwt, cache on, 1,000 tokens', (t) => fastOnN(t), 'rotating'],
  ];
  // jsonwebtoken 9 has no EdDSA; aws-jwt-verify has no HMAC and no PS*.
  if (key.alg !== 'EdDSA') {
    const keyObject = key.alg === 'HS256' ? key.secret : key.publicKey;
    cases.push(['jsonwebtoken (KeyObject)', (t) => jsonwebtoken.verify(t, keyObject, claims), 'rotating']);
  }
  if (key.alg !== 'HS256' && key.alg !== 'PS256') {
    const aws = JwtVerifier.create({ issuer: ISSUER, audience: AUDIENCE, jwksUri: `${ISSUER}jwks` });
    aws.cacheJwks({ keys: [key.jwk] });
    cases.push(['aws-jwt-verify (verifySync)', (t) => aws.verifySync(t), 'rotating']);
  }
  return cases;
}

const MODES = [
  ['sequential', 1],
  ['concurrent', 16],
];

/**
 * Every case warmed up, then measured in interleaved rounds (case A, B, C…, then again). The machine's speed
 * drifts by tens of percent over a table (other tenants share the host), so a case is compared with the
 * first case (raw node:crypto) of the same round: its figure is the median over rounds of that ratio, times
 * the first case's median rate. Ratios between rows are then medians of same-round ratios.
 */
async function run(cases, tokens) {
  const prepared = [];
  for (const [name, fn, which] of cases) {
    const set = which === 'single' ? tokens.slice(0, 1) : tokens;
    await fn(set[0]); // fail loudly on a misconfigured case instead of timing exceptions
    await warmUp(fn, set, warmMs);
    prepared.push({ name, fn, set, rates: [[], []] });
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const entry of prepared) {
      for (const [index, [, concurrency]] of MODES.entries()) {
        const { ops, ms } = await timed(entry.fn, entry.set, {
          durationMs: durationMs / ROUNDS,
          concurrency,
        });
        entry.rates[index].push(ops / (ms / 1000));
      }
    }
  }
  const [first] = prepared;
  const figure = (entry, index) => {
    const reference = first.rates[index];
    const ratios = entry.rates[index].map((rate, round) => rate / reference[round]);
    return median(ratios) * median(reference);
  };
  return prepared.map((entry) => ({
    name: entry.name,
    sequential: figure(entry, 0),
    concurrent: figure(entry, 1),
  }));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main() {
  if (args.has('--child-web')) {
    // Child: only the Web Crypto side of jwtguard, reported as JSON to the parent.
    const results = {};
    for (const alg of ALGORITHMS) {
      const key = makeKey(alg);
      const tokens = makeTokens(key, ROTATING);
      const [off, , onN] = jwtguardCases(key);
      results[alg] = await run([off, onN], tokens);
    }
    return results;
  }
  const web = JSON.parse(
    execFileSync(
      process.execPath,
      ['--conditions=jwtguard-web-crypto', self, '--child-web', ...(quick ? ['--quick'] : [])],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    ),
  );
  const tables = {};
  for (const alg of ALGORITHMS) {
    const key = makeKey(alg);
    const tokens = makeTokens(key, ROTATING);
    const raw = rawVerifier(key, ISSUER, AUDIENCE);
    const ours = jwtguardCases(key).map(([name, fn, which]) => [`jwtguard, node:crypto, ${name}`, fn, which]);
    const peers = await peerCases(key);
    const rows = await run([['raw node:crypto (the limit)', raw, 'rotating'], ...ours, ...peers], tokens);
    // The Web Crypto rows were measured in their own process (the seam is chosen at load time).
    const webRows = web[alg].map((row) => ({ ...row, name: `jwtguard, Web Crypto, ${row.name}` }));
    rows.splice(1 + ours.length, 0, ...webRows);
    tables[alg] = { tokenBytes: tokens[0].length, rows };
    process.stderr.write(`verify ${alg} done\n`);
  }
  return tables;
}

const result = await main();
if (args.has('--json') || args.has('--child-web')) process.stdout.write(JSON.stringify(result));
else for (const [alg, table] of Object.entries(result)) console.log(renderVerifyTable(alg, table));
