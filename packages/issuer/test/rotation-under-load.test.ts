// Rotation never refuses a valid token. The issuer is served over real HTTP; @jwtguard/core verifiers
// (discovery and jwksUri, started at different times so their caches are out of phase) verify every new
// token and the oldest still-valid one at each 2-minute step of a simulated 8 hours with scheduled and on-demand
// rotations. "Strict caches" model the worst verifier allowed by the JWKS Cache-Control: it never refetches
// on an unknown kid, only when max-age runs out; they prove the publish-lead invariant on its own, without
// the unknown-kid refetch that core adds as a second safety net.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import { createVerifier, type JwtGuardEvent, type Verifier } from '@jwtguard/core';
import { createIssuer, createNodeListener, type Issuer } from '@jwtguard/issuer';

const AUD = 'https://api.example.test';
const STEP = 2 * 60_000;
const MINUTE = 60_000;

let server: Server;
let url: string;
let issuer: Issuer;
let now = Date.UTC(2026, 0, 1);
const clock = () => now;

beforeAll(async () => {
  server = createServer(createNodeListener((request) => issuer.handle(request)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = createIssuer({
    issuer: url,
    audience: AUD,
    clock,
    algorithm: 'ES256',
    jwksCacheLifetime: '10m',
    accessTokenLifetime: '15m',
    rotation: { every: '1h', checkInterval: false },
  });
  await issuer.ready();
});

afterAll(async () => {
  await issuer.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

interface StrictCache {
  startsAt: number;
  fetchedAt: number;
  maxAge: number;
  keys: ReturnType<typeof createLocalJWKSet> | undefined;
  fetches: number;
}

async function refreshStrict(cache: StrictCache): Promise<void> {
  if (cache.keys && now < cache.fetchedAt + cache.maxAge) return;
  const response = await fetch(`${url}/jwks.json`);
  const maxAge = /max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '');
  cache.keys = createLocalJWKSet((await response.json()) as JSONWebKeySet);
  cache.fetchedAt = now;
  cache.maxAge = Number(maxAge?.[1]) * 1000;
  cache.fetches++;
}

test('a simulated 8 hours of scheduled and on-demand rotations: zero refusals of valid tokens', async () => {
  const start = now;
  const events: JwtGuardEvent[] = [];
  const verifiers: Array<{ startsAt: number; verifier?: Verifier; make: () => Verifier }> = [0, 3, 7].map(
    (offset, index) => ({
      startsAt: start + offset * MINUTE,
      make: () =>
        createVerifier({
          issuer: url,
          audience: AUD,
          typ: 'at+jwt',
          clock,
          ...(index === 1 ? { jwksUri: `${url}/jwks.json` } : {}),
          onEvent: (event) => events.push(event),
        }),
    }),
  );
  const strict: StrictCache[] = Array.from({ length: 5 }, (_, i) => ({
    startsAt: start + i * 2 * MINUTE,
    fetchedAt: 0,
    maxAge: 0,
    keys: undefined,
    fetches: 0,
  }));
  const live: Array<{ token: string; exp: number }> = [];
  const refusals: string[] = [];
  const signingKids = new Set<string>();
  let verifications = 0;

  for (let step = 0; now < start + 8 * 60 * MINUTE; step++, now += STEP) {
    await issuer.tick();
    // In hours 3-4, an operator also rotates by hand every 14 minutes, so new keys keep arriving that have
    // been published for less than the cache lifetime: their activation waits for the publish lead.
    if (now >= start + 180 * MINUTE && now < start + 240 * MINUTE && step % 7 === 0)
      await issuer.rotateKeys();
    const { accessToken, exp } = await issuer.issueTokens({
      sub: `user-${step}`,
      clientId: 'web',
      refreshToken: false,
    });
    signingKids.add(decodeProtectedHeader(accessToken).kid as string);
    live.push({ token: accessToken, exp });
    while (live.length > 0 && (live[0] as { exp: number }).exp <= now / 1000) live.shift();
    const samples = [accessToken, (live[0] as { token: string }).token];

    for (const entry of verifiers) {
      if (now < entry.startsAt) continue;
      entry.verifier ??= entry.make();
      for (const token of samples) {
        verifications++;
        await entry.verifier
          .verify(token)
          .catch((error: Error) => refusals.push(`core @${(now - start) / MINUTE}m: ${error.message}`));
      }
    }
    for (const cache of strict) {
      if (now < cache.startsAt) continue;
      await refreshStrict(cache);
      for (const token of samples) {
        verifications++;
        await compactVerify(token, cache.keys as ReturnType<typeof createLocalJWKSet>).catch((error: Error) =>
          refusals.push(`strict cache @${(now - start) / MINUTE}m: ${error.message}`),
        );
      }
    }
  }

  expect(refusals).toEqual([]);
  expect(signingKids.size).toBeGreaterThanOrEqual(8 + 5); // 7 scheduled rotations + the manual ones
  expect(verifications).toBeGreaterThan(2_500);
  expect(events.filter((event) => event.type === 'token.rejected')).toEqual([]);
  // The strict caches really were strict: one fetch per max-age (10 min), no more.
  for (const cache of strict) expect(cache.fetches).toBeLessThanOrEqual(8 * 6 + 1);
  // Retired keys are eventually unpublished: the JWKS stays small.
  expect((await issuer.jwks()).keys.length).toBeLessThanOrEqual(4);
}, 60_000);
