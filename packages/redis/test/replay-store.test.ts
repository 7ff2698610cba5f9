// createRedisReplayStore against the real Redis: the replay-store contract shared with core's memory store,
// then what is Redis's own (key layout, lifetimes, the clock rule, options, connections), then what a user
// sees: two verifiers sharing the store refuse each other's replayed proofs, and a Redis that is down or
// stalled makes a DPoP request a 503, never an accept.
import { createHash } from 'node:crypto';
import net from 'node:net';
import {
  createVerifier,
  isJwtGuardError,
  type RequestContext,
  type ReplayStore,
  type Verifier,
} from '@jwtguard/core';
import { Redis } from 'ioredis';
import { createRedisReplayStore, type RedisReplayStoreOptions } from '../src/index.js';
import { describeReplayStore } from '../../../test/contracts/replay-store.js';
import { makeDpopKey, makeProof, type DpopKey } from '../../core/test/support/dpop.js';
import {
  AUDIENCE,
  ISSUER,
  NOW,
  NOW_MS,
  claims,
  makeKey,
  signToken,
  type TestKey,
} from '../../core/test/support/keys.js';
import { REDIS_URL, ScratchRedis, redisScratch, until } from './support.js';

const scratch = redisScratch();
const { newPrefix, closeLater } = scratch;

function store(options: RedisReplayStoreOptions = {}) {
  const made = createRedisReplayStore({ redis: REDIS_URL, prefix: newPrefix(), ...options });
  closeLater(() => made.close());
  return made;
}

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A redis-server of this file's own, on a free port of 6400-6499, stopped after the file. */
async function ownRedis(): Promise<ScratchRedis> {
  const first = 6400 + Math.floor(Math.random() * 100);
  for (let i = 0; i < 100; i++) {
    const port = 6400 + ((first - 6400 + i) % 100);
    if (!(await canListen(port))) continue;
    const server = new ScratchRedis(port);
    await server.start();
    closeLater(() => server.stop());
    return server;
  }
  throw new Error('no free port in 6400-6499');
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('base64url');

describe('contract', () => {
  const base = newPrefix();
  describeReplayStore({
    // Each store opens its own connection, as on separate API instances.
    open: (space) => store({ prefix: `${base}${space}:`, clockTolerance: 0 }),
    cannotTell: async () => store({ redis: `redis://127.0.0.1:${await closedPort()}`, timeout: '100ms' }),
  });
});

describe('storage', () => {
  test('one string per id: <prefix>dpop:jti:<SHA-256 of the id>, a fixed size whatever the id', async () => {
    const prefix = newPrefix();
    const replay = store({ prefix });
    const long = `${'t'.repeat(43)}:${'j'.repeat(300)}`;
    expect(await replay.markUsed(long, Date.now() / 1000 + 60)).toBe(true);
    const keys = await scratch.admin.keys(`${prefix}*`);
    expect(keys).toEqual([`${prefix}dpop:jti:${sha256(long)}`]);
    expect(keys[0]!.length).toBe(prefix.length + 'dpop:jti:'.length + 43);
    expect(await scratch.admin.get(keys[0]!)).toBe('1');
  });

  test('kept until expiresAt + clockTolerance (default 5 s), relative to the store clock, not Redis', async () => {
    const prefix = newPrefix();
    // A clock an hour ahead of Redis's: the lifetime is still 60 s + 5 s, not an hour less.
    const clock = () => Date.now() + 3_600_000;
    const replay = store({ prefix, clock });
    await replay.markUsed('jkt:a', clock() / 1000 + 60);
    const ttl = await scratch.admin.pttl(`${prefix}dpop:jti:${sha256('jkt:a')}`);
    expect(ttl).toBeGreaterThan(64_000);
    expect(ttl).toBeLessThanOrEqual(65_000);
    // A replay does not move the expiry.
    expect(await replay.markUsed('jkt:a', clock() / 1000 + 600)).toBe(false);
    expect(await scratch.admin.pttl(`${prefix}dpop:jti:${sha256('jkt:a')}`)).toBeLessThanOrEqual(65_000);
  });

  test('an expiresAt already past: recorded for what is left of the tolerance, refused beyond it', async () => {
    const prefix = newPrefix();
    const replay = store({ prefix, clockTolerance: '5s' });
    const now = Date.now() / 1000;
    expect(await replay.markUsed('jkt:late', now - 2)).toBe(true);
    expect(await replay.markUsed('jkt:late', now - 2)).toBe(false);
    const ttl = await scratch.admin.pttl(`${prefix}dpop:jti:${sha256('jkt:late')}`);
    expect(ttl).toBeGreaterThan(2_000);
    expect(ttl).toBeLessThanOrEqual(3_000);
    // Past by more than the tolerance: the verifier's clock is not this store's. Never true unrecorded.
    await expect(replay.markUsed('jkt:stale', now - 6)).rejects.toThrow(
      /expiresAt is \d+ ms past, beyond clockTolerance; give the store the verifier's clock/,
    );
    expect(await scratch.admin.keys(`${prefix}*`)).toHaveLength(1);
  });

  test('an id that is not a non-empty string, or an expiresAt that is not a finite number, rejects', async () => {
    const replay = store();
    const at = Date.now() / 1000 + 60;
    await expect(replay.markUsed('', at)).rejects.toThrow(TypeError);
    await expect(replay.markUsed(1 as unknown as string, at)).rejects.toThrow(TypeError);
    await expect(replay.markUsed('jkt:x', Number.NaN)).rejects.toThrow(TypeError);
    await expect(replay.markUsed('jkt:x', String(at) as unknown as number)).rejects.toThrow(TypeError);
  });
});

describe('options and connections', () => {
  test('unknown option names and unusable values are refused at construction', () => {
    expect(() => createRedisReplayStore({ perfix: 'x:' } as RedisReplayStoreOptions)).toThrow(
      'createRedisReplayStore(): unknown option "perfix"; did you mean "prefix"?',
    );
    expect(() => createRedisReplayStore({ timeout: 0 })).toThrow(/timeout must be longer than zero/);
    expect(() => createRedisReplayStore({ timeout: 'soon' })).toThrow(/timeout must be/);
    expect(() => createRedisReplayStore({ clockTolerance: -1 })).toThrow(/clockTolerance must be/);
    expect(() => createRedisReplayStore({ prefix: 1 as unknown as string })).toThrow(/prefix must be/);
    expect(() => createRedisReplayStore({ clock: 'now' as unknown as () => number })).toThrow(/clock must/);
  });

  test('redis: a client passed in is used and left open by close(); one the store opened is closed', async () => {
    const client = new Redis(REDIS_URL);
    const prefix = newPrefix();
    const passed = createRedisReplayStore({ redis: client, prefix });
    expect(await passed.markUsed('jkt:mine', Date.now() / 1000 + 60)).toBe(true);
    await passed.close();
    expect(client.status).toBe('ready');
    expect(await client.exists(`${prefix}dpop:jti:${sha256('jkt:mine')}`)).toBe(1);
    await client.quit();

    const owned = createRedisReplayStore({ redis: REDIS_URL, prefix });
    expect(await owned.markUsed('jkt:mine', Date.now() / 1000 + 60)).toBe(false);
    await owned.close();
    await expect(owned.markUsed('jkt:other', Date.now() / 1000 + 60)).rejects.toThrow();
  });

  test('timeout: a stalled Redis fails the call after the bound instead of hanging', async () => {
    const server = await ownRedis();
    // The stall goes out on the store's own connection, so markUsed is certain to queue behind it.
    const client = new Redis(server.url);
    closeLater(() => client.quit());
    const replay = createRedisReplayStore({ redis: client, timeout: '100ms' });
    expect(await replay.markUsed('jkt:before', Date.now() / 1000 + 60)).toBe(true);
    const sleeping = client.call('DEBUG', 'SLEEP', '1');
    const started = Date.now();
    await expect(replay.markUsed('jkt:during', Date.now() / 1000 + 60)).rejects.toThrow(
      /replay store: Redis did not answer within 100 ms/,
    );
    expect(Date.now() - started).toBeLessThan(900);
    await sleeping;
  });
});

describe('verifiers sharing the store', () => {
  let issuerKey: TestKey;
  let client: DpopKey;
  // The verifiers' clock, given to the stores too: lifetimes are counted on the clock that set expiresAt.
  const clock = () => NOW_MS;

  beforeAll(async () => {
    issuerKey = await makeKey('ES256');
    client = await makeDpopKey('ES256');
  });

  function verifierWith(replayStore: ReplayStore): Verifier {
    return createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: issuerKey.jwk,
      clock,
      dpop: { replayStore },
    });
  }

  const context = (proof: string): RequestContext => ({
    method: 'GET',
    url: '/items',
    origin: 'https://api.test',
    scheme: 'DPoP',
    headers: { dpop: proof },
  });

  /** A token bound to the client's key, with a fresh proof for it. */
  async function request() {
    const token = await signToken(issuerKey, claims({ cnf: { jkt: client.jkt } }));
    return { token, proof: await makeProof(client, { accessToken: token }) };
  }

  /** 'accepted', or the refusal's status and code. */
  const answer = (verifier: Verifier, token: string, proof: string) =>
    verifier.verify(token, context(proof)).then(
      () => 'accepted',
      (error: unknown) => (isJwtGuardError(error) ? `${error.status} ${error.code}` : String(error)),
    );

  /** Waits for the store to answer again, with a new proof per attempt (a timed-out one may be recorded). */
  async function acceptedAgain(verifier: Verifier) {
    let last = await request();
    await until(async () => {
      last = await request();
      return (await answer(verifier, last.token, last.proof)) === 'accepted';
    }, 'the store to answer again');
    return last;
  }

  test('a proof used on one instance is refused as a replay on another, each with its own connection', async () => {
    const prefix = newPrefix();
    const [a, b] = [verifierWith(store({ prefix, clock })), verifierWith(store({ prefix, clock }))];
    const first = await request();
    expect(await answer(a, first.token, first.proof)).toBe('accepted');
    expect(await answer(b, first.token, first.proof)).toBe('401 ERR_DPOP_PROOF_REPLAYED');
    expect(await answer(a, first.token, first.proof)).toBe('401 ERR_DPOP_PROOF_REPLAYED');
    // The other way round, and a fresh proof is fine on either.
    const second = await request();
    expect(await answer(b, second.token, second.proof)).toBe('accepted');
    expect(await answer(a, second.token, second.proof)).toBe('401 ERR_DPOP_PROOF_REPLAYED');
    const third = await request();
    expect(await answer(a, third.token, third.proof)).toBe('accepted');
    // The id is kept for the proof window from the verifier's clock, plus the tolerance.
    const key = (await scratch.admin.keys(`${prefix}dpop:jti:*`))[0]!;
    expect(await scratch.admin.pttl(key)).toBeGreaterThan((NOW + 60) * 1000 - NOW_MS);
  });

  test('one proof sent to four instances at once: exactly one accepts it', async () => {
    const prefix = newPrefix();
    const verifiers = Array.from({ length: 4 }, () => verifierWith(store({ prefix, clock })));
    for (let round = 0; round < 10; round++) {
      const { token, proof } = await request();
      const answers = await Promise.all(verifiers.map((verifier) => answer(verifier, token, proof)));
      expect(answers.filter((outcome) => outcome === 'accepted')).toHaveLength(1);
      expect(answers.filter((outcome) => outcome === '401 ERR_DPOP_PROOF_REPLAYED')).toHaveLength(3);
    }
  });

  test('Redis stops: 503 ERR_DPOP_REPLAY_STORE_UNAVAILABLE with Retry-After within the bound; back up: accepts', async () => {
    const server = await ownRedis();
    const verifier = verifierWith(store({ redis: server.url, clock, timeout: '100ms' }));
    const before = await request();
    expect(await answer(verifier, before.token, before.proof)).toBe('accepted');

    await server.stop();
    for (const { token, proof } of [before, await request()]) {
      const started = Date.now();
      const error = await verifier.verify(token, context(proof)).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      const tookMs = Date.now() - started;
      expect(isJwtGuardError(error) && error.code).toBe('ERR_DPOP_REPLAY_STORE_UNAVAILABLE');
      expect(isJwtGuardError(error) && error.status).toBe(503);
      expect(isJwtGuardError(error) && error.headers['Retry-After']).toBe('5');
      expect(tookMs).toBeLessThan(1_000);
    }

    await server.start(); // memory only: it comes back empty
    const after = await acceptedAgain(verifier);
    expect(await answer(verifier, after.token, after.proof)).toBe('401 ERR_DPOP_PROOF_REPLAYED');
  });

  test("CLIENT KILL of the store's connection: a replay is never accepted, the store reconnects", async () => {
    const server = await ownRedis();
    const verifier = verifierWith(store({ redis: server.url, clock }));
    const used = await request();
    expect(await answer(verifier, used.token, used.proof)).toBe('accepted');
    const admin = new Redis(server.url);
    closeLater(() => admin.quit());
    await admin.call('CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes');
    // Reconnected within the bound (refused as a replay) or not yet (503): never accepted.
    expect(['401 ERR_DPOP_PROOF_REPLAYED', '503 ERR_DPOP_REPLAY_STORE_UNAVAILABLE']).toContain(
      await answer(verifier, used.token, used.proof),
    );
    await acceptedAgain(verifier);
    expect(await answer(verifier, used.token, used.proof)).toBe('401 ERR_DPOP_PROOF_REPLAYED');
  });
});
