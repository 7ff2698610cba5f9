// Several issuer instances behind one load balancer, sharing a key store. Each sees the other's rotations
// only when it re-reads the store (keySyncInterval), so the timing rule must absorb that lag: a key made by
// one instance is not signed with before the other has published it for the JWKS cache lifetime, and a key
// retired by one instance stays published until the tokens the other still signed with it have expired.
import { createLocalJWKSet, compactVerify, decodeProtectedHeader, type JSONWebKeySet } from 'jose';
import {
  createIssuer,
  createMemoryKeyStore,
  type Issuer,
  type IssuerEvent,
  type IssuerOptions,
  type KeyStore,
} from '@jwtguard/issuer';

const ISS = 'https://auth.example.test';
const AUD = 'https://api.example.test';
const MINUTE = 60_000;

function cluster(extra: Partial<IssuerOptions> = {}) {
  let now = Date.UTC(2026, 0, 1);
  const keyStore = createMemoryKeyStore();
  const make = (options: Partial<IssuerOptions>) =>
    createIssuer({
      issuer: ISS,
      audience: AUD,
      clock: () => now,
      keyStore,
      jwksCacheLifetime: '10m',
      accessTokenLifetime: '15m',
      // No leeway, so only the sync lag in the retention keeps B's last tokens of a retired key verifiable.
      clockTolerance: 0,
      ...extra,
      ...options,
    });
  return { make, clock: () => now, advance: (ms: number) => void (now += ms) };
}

const kidOf = async (issuer: Issuer) =>
  decodeProtectedHeader(
    (await issuer.issueTokens({ sub: 'u', clientId: 'web', refreshToken: false })).accessToken,
  ).kid;

interface StrictCache {
  keys?: ReturnType<typeof createLocalJWKSet>;
  expiresAt: number;
  fetches: number;
}

/**
 * Runs two instances for `hours` simulated hours: A rotates on a schedule and by hand, B only serves. Caches
 * that never refetch before max-age fetch from A and B in turn; every live token must verify with each.
 */
async function run(
  extra: Partial<IssuerOptions>,
  hours: number,
): Promise<{ refusals: string[]; kids: Set<string> }> {
  const { make, clock, advance } = cluster(extra);
  // A rolling start: the first instance creates the keys, the second finds them in the store.
  const a = make({ rotation: { every: '1h', checkInterval: false } });
  await a.ready();
  const b = make({});
  await b.ready();
  const start = clock();
  // Caches start at different instants, so between them they fetch at many phases of each rotation.
  const caches: StrictCache[] = Array.from({ length: 6 }, (_, index) => ({
    expiresAt: start + index * 97_000,
    fetches: 0,
  }));
  const live: Array<{ token: string; exp: number }> = [];
  const refusals: string[] = [];
  const kids = new Set<string>();
  // 13-second steps do not divide the minute, so the instances' reads fall at every phase of the lag.
  for (let step = 0; clock() < start + hours * 60 * MINUTE; step++, advance(13_000)) {
    await a.tick();
    if (step % 77 === 40) await a.rotateKeys(); // by hand too, with young next keys
    for (const instance of [a, b]) {
      const set = await instance.issueTokens({ sub: `u${step}`, clientId: 'web', refreshToken: false });
      kids.add(decodeProtectedHeader(set.accessToken).kid as string);
      live.push({ token: set.accessToken, exp: set.exp });
    }
    while (live.length > 0 && (live[0] as { exp: number }).exp <= clock() / 1000) live.shift();
    for (const [index, cache] of caches.entries()) {
      if (clock() < start + index * 97_000) continue; // not started yet
      if (clock() >= cache.expiresAt) {
        const from = (cache.fetches + index) % 2 === 0 ? a : b;
        const response = await from.handle(new Request(`${ISS}/jwks.json`));
        const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1]);
        cache.keys = createLocalJWKSet((await response.json()) as JSONWebKeySet);
        cache.expiresAt = clock() + maxAge * 1000;
        cache.fetches++;
      }
      for (const { token } of live.slice(0, 2).concat(live.slice(-2))) {
        await compactVerify(token, cache.keys as ReturnType<typeof createLocalJWKSet>).catch((error: Error) =>
          refusals.push(`cache ${index} @${(clock() - start) / 1000}s: ${error.message}`),
        );
      }
    }
  }
  await a.close();
  await b.close();
  return { refusals, kids };
}

describe('instances sharing a key store', () => {
  test('three hours of rotations by one instance: no cache state refuses a token signed by either', async () => {
    const { refusals, kids } = await run({}, 3);
    expect(refusals).toEqual([]);
    expect(kids.size).toBeGreaterThanOrEqual(5);
  }, 60_000); // thousands of signatures and verifications: give a busy machine time

  test('without re-reading the store (keySyncInterval: false) the other instance breaks verifiers', async () => {
    const { refusals } = await run({ keySyncInterval: false }, 2);
    expect(refusals.length).toBeGreaterThan(0);
  }, 60_000);

  test('keySyncInterval bounds how late another instance follows a rotation', async () => {
    const { make, advance } = cluster({ keySyncInterval: '5m' });
    const a = make({});
    await a.ready();
    const b = make({});
    const before = await kidOf(b);
    expect(before).toBe(await kidOf(a));
    advance(20 * MINUTE);
    expect(await kidOf(b)).toBe(before); // B re-reads the store now, just before A rotates
    const info = await a.rotateKeys();
    expect(await kidOf(a)).toBe(info.kid);
    advance(5 * MINUTE - 1);
    expect(await kidOf(b)).toBe(before);
    advance(1);
    expect(await kidOf(b)).toBe(info.kid);
  });

  test('the sync lag is added to the publish lead and to the retention of keys', async () => {
    const { make, advance, clock } = cluster({ keySyncInterval: '2m' });
    const issuer = make({});
    const [old, next] = await issuer.keyStatus();
    // 10m of JWKS cache lifetime is not enough: another instance may have published the key 2m late.
    advance(10 * MINUTE);
    const info = await issuer.rotateKeys();
    expect(info.kid).toBe(next?.kid);
    expect(info.activatesAt).toBe((next?.createdAt ?? 0) + 12 * MINUTE);
    advance(2 * MINUTE);
    expect(clock()).toBe(info.activatesAt);
    const retired = (await issuer.keyStatus()).find((key) => key.kid === old?.kid);
    expect(retired?.removeAt).toBe(info.activatesAt + 15 * MINUTE + 2 * MINUTE);
  });

  test('the default: one minute with a keyStore given, none with the built-in memory store', async () => {
    const { make, advance } = cluster();
    const shared = make({});
    const [, sharedNext] = await shared.keyStatus();
    advance(10 * MINUTE);
    expect((await shared.rotateKeys()).activatesAt).toBe((sharedNext?.createdAt ?? 0) + 11 * MINUTE);

    let now = Date.UTC(2026, 0, 1);
    const own = createIssuer({ issuer: ISS, audience: AUD, clock: () => now, jwksCacheLifetime: '10m' });
    const [, ownNext] = await own.keyStatus();
    now += 10 * MINUTE;
    expect((await own.rotateKeys()).activatesAt).toBe((ownNext?.createdAt ?? 0) + 10 * MINUTE);
  });

  test('a store that cannot be re-read: tokens are still issued with the last view, keys.sync_failed reports it', async () => {
    let now = Date.UTC(2026, 0, 1);
    const store = createMemoryKeyStore();
    let failing = false;
    let reads = 0;
    const flaky: KeyStore = {
      list: () => {
        reads++;
        return failing ? Promise.reject(new Error('store unreachable')) : store.list();
      },
      put: (key) => store.put(key),
      delete: (kid) => store.delete(kid),
    };
    const events: IssuerEvent[] = [];
    const issuer = createIssuer({
      issuer: ISS,
      audience: AUD,
      clock: () => now,
      keyStore: flaky,
      keySyncInterval: '1m',
      onEvent: (event) => events.push(event),
    });
    const kid = await kidOf(issuer);
    failing = true;
    now += MINUTE;
    const readsBefore = reads;
    expect(await kidOf(issuer)).toBe(kid);
    expect(events).toContainEqual({ type: 'keys.sync_failed', reason: 'store unreachable' });
    // not retried on every request: once more after a short pause
    expect(await kidOf(issuer)).toBe(kid);
    expect(reads).toBe(readsBefore + 1);
    now += 5000;
    await issuer.jwks();
    expect(reads).toBe(readsBefore + 2);
    failing = false;
    now += 5000;
    await issuer.jwks();
    expect(reads).toBe(readsBefore + 3);
    expect(events.filter((event) => event.type === 'keys.sync_failed')).toHaveLength(2);
  });
});
