// DPoP (RFC 9449) on the resource server: a bound access token plus a fresh proof per request costs two
// signature checks. jwtguard (memory replay store, every §4.3 check) against "raw node:crypto doing the same
// two verifications plus the same parsing": split and JSON.parse both JWTs, one-shot verify of each with
// KeyObjects (the proof key imported once per distinct header, as jwtguard imports it once per JWK), the
// claim checks, ath and cnf.jkt compared, jti kept in a Set. A floor, not a product (no canonical base64url,
// no duplicate-member detection, no key policy, no errors with codes). Printed and written to
// bench/RESULTS-dpop.md; nothing is asserted.
//   pnpm bench:dpop [--quick]            (builds first; `node bench/dpop.mjs` after `pnpm build`)
import { createHash, createPublicKey, randomUUID, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { AUDIENCE, ISSUER, makeKey, makeToken } from './lib/fixtures.mjs';
import { environmentLines } from './lib/env.mjs';
import { formatRate } from './lib/measure.mjs';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 2 : 10;
const ROUND_MS = quick ? 150 : 300;
const POOL = quick ? 4000 : 12000;
const TOKENS = 100;
const ORIGIN = 'https://api.bench.example';
const PATH = '/items';

const core = await import('../packages/core/dist/index.js');

const b64 = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const ath = (token) => createHash('sha256').update(token).digest('base64url');
const thumbprint = (jwk) => {
  const members =
    jwk.kty === 'OKP'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
};

/** Bound tokens (issuer ES256) and a pool of distinct proofs by one client key of `alg`. */
function fixtures(alg) {
  const issuerKey = makeKey('ES256');
  const client = makeKey(alg);
  const { kty, crv, x, y } = client.jwk;
  const jwk = alg === 'EdDSA' ? { kty, crv, x } : { kty, crv, x, y };
  const jkt = thumbprint(jwk);
  const tokens = Array.from({ length: TOKENS }, (_, i) => {
    const plain = makeToken(issuerKey, i);
    // Re-sign with cnf.jkt: the binding a DPoP token carries (RFC 9449 §6.1).
    const [h, p] = plain.split('.');
    const payload = { ...JSON.parse(Buffer.from(p, 'base64url')), cnf: { jkt } };
    const input = `${h}.${b64(payload)}`;
    return `${input}.${issuerKey.sign(Buffer.from(input)).toString('base64url')}`;
  });
  const header = b64({ typ: 'dpop+jwt', alg, jwk });
  const now = Math.floor(Date.now() / 1000);
  const requests = Array.from({ length: POOL }, (_, i) => {
    const token = tokens[i % TOKENS];
    const input = `${header}.${b64({ jti: randomUUID(), htm: 'GET', htu: `${ORIGIN}${PATH}`, iat: now, ath: ath(token) })}`;
    return { token, proof: `${input}.${client.sign(Buffer.from(input)).toString('base64url')}` };
  });
  return { issuerKey, tokens, requests };
}

/** The floor: the same two verifications and the same parsing with node:crypto alone. */
function rawCase({ issuerKey }) {
  const tokenKey = { key: issuerKey.publicKey, dsaEncoding: 'ieee-p1363' };
  const proofKeys = new Map();
  const used = new Set();
  return ({ token, proof }) => {
    const now = Date.now() / 1000;
    const t1 = token.indexOf('.');
    const t2 = token.indexOf('.', t1 + 1);
    const header = JSON.parse(Buffer.from(token.slice(0, t1), 'base64url').toString());
    if (header.alg !== 'ES256') throw new Error('alg');
    if (
      !verify(
        'sha256',
        Buffer.from(token.slice(0, t2)),
        tokenKey,
        Buffer.from(token.slice(t2 + 1), 'base64url'),
      )
    )
      throw new Error('token signature');
    const payload = JSON.parse(Buffer.from(token.slice(t1 + 1, t2), 'base64url').toString());
    if (payload.iss !== ISSUER || payload.aud !== AUDIENCE || !(payload.exp > now)) throw new Error('claims');
    const p1 = proof.indexOf('.');
    const p2 = proof.indexOf('.', p1 + 1);
    const headerSegment = proof.slice(0, p1);
    let known = proofKeys.get(headerSegment);
    if (known === undefined) {
      const proofHeader = JSON.parse(Buffer.from(headerSegment, 'base64url').toString());
      if (proofHeader.typ !== 'dpop+jwt') throw new Error('typ');
      const key = createPublicKey({ key: proofHeader.jwk, format: 'jwk' });
      known = {
        alg: proofHeader.alg,
        jkt: thumbprint(proofHeader.jwk),
        options: proofHeader.alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key,
      };
      proofKeys.set(headerSegment, known);
    }
    const digest = known.alg === 'ES256' ? 'sha256' : null;
    if (
      !verify(
        digest,
        Buffer.from(proof.slice(0, p2)),
        known.options,
        Buffer.from(proof.slice(p2 + 1), 'base64url'),
      )
    )
      throw new Error('proof signature');
    const claims = JSON.parse(Buffer.from(proof.slice(p1 + 1, p2), 'base64url').toString());
    if (claims.htm !== 'GET' || claims.htu !== `${ORIGIN}${PATH}` || Math.abs(now - claims.iat) > 3600)
      throw new Error('proof claims');
    if (claims.ath !== ath(token) || payload.cnf?.jkt !== known.jkt) throw new Error('binding');
    const id = `${known.jkt}:${claims.jti}`;
    if (used.has(id)) throw new Error('replay');
    used.add(id);
    return payload;
  };
}

/** jwtguard: a fresh verifier (and memory replay store) per round, so a proof pool serves every round. */
function jwtguardCase({ issuerKey }) {
  const verifier = core.createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: [issuerKey.jwk],
    algorithms: ['ES256'],
    dpop: { proofMaxAge: '1h' },
  });
  return ({ token, proof }) =>
    verifier.verify(token, {
      method: 'GET',
      url: PATH,
      origin: ORIGIN,
      scheme: 'DPoP',
      headers: { dpop: proof },
    });
}

/** Operations per second of a case built fresh for this run over the pool, sequential or `concurrency` in flight. */
async function rate(build, data, concurrency) {
  const fn = build(data);
  let next = 0;
  const deadline = performance.now() + ROUND_MS;
  const start = performance.now();
  const worker = async () => {
    let done = 0;
    while (performance.now() < deadline && next < data.requests.length) {
      const result = fn(data.requests[next++]);
      if (result instanceof Promise) await result;
      done++;
    }
    return done;
  };
  const counts = await Promise.all(Array.from({ length: concurrency }, worker));
  return counts.reduce((a, b) => a + b, 0) / ((performance.now() - start) / 1000);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const CASES = [
  ['raw node:crypto (the limit)', rawCase],
  ['jwtguard, dpop on (memory replay store)', jwtguardCase],
];

async function table(alg) {
  const data = fixtures(alg);
  // Warm-up: JIT, key conversions, and a check that every case accepts the requests.
  for (const [, build] of CASES) {
    const fn = build(data);
    for (let i = 0; i < 500; i++) await fn(data.requests[i]);
  }
  const rates = CASES.map(() => [[], []]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, [, build]] of CASES.entries()) {
      rates[index][0].push(await rate(build, data, 1));
      rates[index][1].push(await rate(build, data, 16));
    }
  }
  return CASES.map(([name], index) => {
    const figure = (mode) => {
      const ratios = rates[index][mode].map((value, round) => value / rates[0][mode][round]);
      return { rate: median(ratios) * median(rates[0][mode]), ratio: median(ratios) };
    };
    return { name, sequential: figure(0), concurrent: figure(1) };
  });
}

const lines = [
  '# DPoP verification: jwtguard against raw node:crypto',
  '',
  `${quick ? 'A quick run (a smoke test, not figures to quote).' : 'A full run.'} A bound ES256 access token and a fresh DPoP proof per request (${POOL} distinct proofs). Each figure is the median over ${ROUNDS} interleaved rounds of the row's ratio to raw node:crypto in the same round, times raw's median rate. Target: jwtguard at 0.90 or more of raw for ES256 and EdDSA proofs.`,
  '',
  ...environmentLines(quick ? 'pnpm bench:dpop --quick' : 'pnpm bench:dpop', ['@jwtguard/core', 'jose']),
  '',
];
const summary = [];
for (const alg of ['ES256', 'EdDSA']) {
  const rows = await table(alg);
  lines.push(
    `## ${alg} proofs`,
    '',
    '| implementation | sequential ops/s | ratio | 16 in flight ops/s | ratio |',
    '|---|---:|---:|---:|---:|',
  );
  for (const row of rows) {
    lines.push(
      `| ${row.name} | ${formatRate(row.sequential.rate)} | ${row.sequential.ratio.toFixed(2)} | ${formatRate(row.concurrent.rate)} | ${row.concurrent.ratio.toFixed(2)} |`,
    );
  }
  lines.push('');
  const ours = rows[1];
  summary.push(
    `- ${alg} proofs: jwtguard at ${ours.sequential.ratio.toFixed(2)} of raw sequential, ${ours.concurrent.ratio.toFixed(2)} with 16 in flight (target ≥ 0.90: ${
      Math.min(ours.sequential.ratio, ours.concurrent.ratio) >= 0.9 ? 'met' : '**missed**'
    })`,
  );
  process.stderr.write(`dpop ${alg} done\n`);
}
lines.splice(4, 0, '## Targets', '', ...summary, '');
const report = `${lines.join('\n')}\n`;
process.stdout.write(report);
if (!quick) writeFileSync(new URL('RESULTS-dpop.md', import.meta.url), report);
