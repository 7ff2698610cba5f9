// JWKS storm: 10,000 concurrent verifications of tokens that each name a different unknown `kid`, against
// a JWKS served over loopback HTTP (20 ms per response, like a nearby authorization server). Counts the JWKS
// fetches each verifier makes. An unknown kid is how a key rotation looks, and how an attacker would try to
// turn every API instance into a flood of requests against the authorization server.
//   node bench/storm.mjs [--quick] [--json]        (needs `pnpm build`)
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { AUDIENCE, ISSUER, makeKey, makeToken } from './lib/fixtures.mjs';
import { renderStorm } from './lib/render.mjs';

const require = createRequire(import.meta.url);
export const STORM = Number(process.env.STORM ?? 10_000);
const LATENCY_MS = 20;

async function startJwks(jwk) {
  const server = createServer((req, res) => {
    server.fetches++;
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' });
      res.end(JSON.stringify({ keys: [jwk] }));
    }, LATENCY_MS);
  });
  server.fetches = 0;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/** Tokens that differ only in their kid; the signature never gets checked (no key has that kid). */
function unknownKidTokens(key) {
  const [, payload, signature] = makeToken(key).split('.');
  return Array.from({ length: STORM }, (_, i) => {
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'at+jwt', kid: `unknown-${i}` }));
    return `${header.toString('base64url')}.${payload}.${signature}`;
  });
}

const CASES = {
  async jwtguard(jwksUri, key, tokens, warm) {
    const { createVerifier } = await import('../packages/core/dist/index.js');
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUri, algorithms: ['RS256'] });
    if (warm) await verifier.verify(makeToken(key));
    return tokens.map((token) => verifier.verify(token));
  },
  async 'jose createRemoteJWKSet'(jwksUri, key, tokens, warm) {
    const { createRemoteJWKSet, jwtVerify } =
      await import('../packages/core/node_modules/jose/dist/webapi/index.js');
    const keys = createRemoteJWKSet(new URL(jwksUri));
    const claims = { issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256'] };
    if (warm) await jwtVerify(makeToken(key), keys, claims);
    return tokens.map((token) => jwtVerify(token, keys, claims));
  },
  async 'jwks-rsa (cache, rateLimit)'(jwksUri, key, tokens, warm) {
    const jwksRsa = require('jwks-rsa');
    const client = jwksRsa({ jwksUri, cache: true, rateLimit: true });
    if (warm) await client.getSigningKey(key.kid);
    return tokens.map((token) => {
      const { kid } = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString());
      return client.getSigningKey(kid);
    });
  },
};

/** Settle what settles within `ms`; the rest is reported as still waiting (jwks-rsa queues behind its limit). */
async function settleWithin(promises, ms) {
  let settled = 0;
  let accepted = 0;
  const all = Promise.all(
    promises.map((promise) =>
      promise.then(
        () => void (settled++, accepted++),
        () => void settled++,
      ),
    ),
  );
  let timer;
  await Promise.race([all, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
  return { settled, accepted };
}

export async function runStorm({ deadlineMs = 5_000 } = {}) {
  const key = makeKey('RS256');
  const tokens = unknownKidTokens(key);
  const rows = [];
  for (const warm of [false, true]) {
    for (const [name, start] of Object.entries(CASES)) {
      const server = await startJwks(key.jwk);
      try {
        const jwksUri = `http://127.0.0.1:${server.address().port}/jwks`;
        const calls = await start(jwksUri, key, tokens, warm);
        // The warm-up verification's fetch (with the real kid) is not part of the storm.
        const before = server.fetches;
        const began = performance.now();
        const { settled, accepted } = await settleWithin(calls, deadlineMs);
        const ms = performance.now() - began;
        const fetches = server.fetches - (warm ? before : 0);
        rows.push({ name, warm, fetches, accepted, waiting: tokens.length - settled, ms });
      } finally {
        server.closeAllConnections();
        server.close();
      }
    }
  }
  return { rows, storm: STORM, latencyMs: LATENCY_MS, deadlineMs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await runStorm({ deadlineMs: process.argv.includes('--quick') ? 1_000 : 5_000 });
  if (process.argv.includes('--json')) process.stdout.write(JSON.stringify(result));
  else console.log(renderStorm(result));
  // jwks-rsa keeps its queue of rate-limited fetches (and their timers) alive.
  process.exit(0);
}
