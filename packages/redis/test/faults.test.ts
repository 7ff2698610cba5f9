// Faults on a redis-server of our own (random loopback port): stopped, restarted empty, subscriber killed,
// server stalled by DEBUG SLEEP. The rule under test: never a silent accept, never a hung request.
import { createVerifier, InvalidTokenError, UnavailableError, type JwtGuardEvent } from '@jwtguard/core';
import { Redis } from 'ioredis';
import { createServer } from 'node:net';
import { createRedisDenylist, type RedisDenylist, type RedisDenylistEvent } from '../src/index.js';
import { ISS, ScratchRedis, authResult, nowSeconds, randomPrefix, signHs256, until } from './support.js';

const SECRET = new TextEncoder().encode('a-test-secret-of-at-least-32-bytes!!');
let server: ScratchRedis;
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  server = await ScratchRedis.start();
});
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await server.stop();
});

function denylist(options: Parameters<typeof createRedisDenylist>[0] = {}): RedisDenylist {
  const made = createRedisDenylist({
    redis: server.url,
    maxStaleness: '300ms',
    heartbeatInterval: '50ms',
    timeout: '100ms',
    ...options,
  });
  closers.push(() => made.close());
  return made;
}

describe('Redis stops, then comes back empty', () => {
  it('fails closed (503) within the bound, keeps known revocations, and honours revocations made after recovery', async () => {
    const prefix = randomPrefix();
    const events: RedisDenylistEvent[] = [];
    const replica = denylist({ prefix, onEvent: (event) => events.push(event) });
    const writer = denylist({ prefix, mode: 'direct' });
    await Promise.all([replica.ready(), writer.ready()]);
    await writer.revoke({ iss: ISS, jti: 'before-outage', exp: nowSeconds() + 60 });
    await until(() => replica.isRevoked(authResult({ jti: 'before-outage' })) === true, 'propagation');

    const coreEvents: JwtGuardEvent[] = [];
    const verifier = createVerifier({
      issuer: ISS,
      audience: 'api',
      keys: SECRET,
      algorithms: ['HS256'],
      denylist: replica,
      onEvent: (event) => coreEvents.push(event),
    });
    const token = signHs256(
      { iss: ISS, aud: 'api', sub: 'u', jti: 'fine', iat: nowSeconds(), exp: nowSeconds() + 60 },
      SECRET,
    );
    await expect(verifier.verify(token)).resolves.toMatchObject({ issuer: ISS });

    await server.stop();
    await until(() => !replica.status().synced, 'the replica to notice the disconnect');
    const started = Date.now();
    const error = await verifier.verify(token).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const tookMs = Date.now() - started;
    console.log(`denylist down: 503 after ${tookMs} ms (timeout 100 ms)`);
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).status).toBe(503);
    expect(coreEvents).toContainEqual(expect.objectContaining({ type: 'denylist.unavailable' }));
    expect(events).toContainEqual({ type: 'denylist.disconnected' });
    // A revocation the replica already holds is still refused while Redis is down: no store, no accept.
    expect(replica.isRevoked(authResult({ jti: 'before-outage' }))).toBe(true);

    await server.start(); // memory only: Redis comes back empty
    await writer.revoke({ iss: ISS, jti: 'after-recovery', exp: nowSeconds() + 60 });
    await until(() => replica.status().synced, 'the replica to resync');
    await until(
      () => replica.isRevoked(authResult({ jti: 'after-recovery' })) === true,
      'the new revocation',
    );
    expect(replica.isRevoked(authResult({ jti: 'before-outage' }))).toBe(true);
    await expect(verifier.verify(token)).resolves.toMatchObject({ issuer: ISS });
    const revoked = signHs256(
      { iss: ISS, aud: 'api', jti: 'after-recovery', iat: nowSeconds(), exp: nowSeconds() + 60 },
      SECRET,
    );
    await expect(verifier.verify(revoked)).rejects.toThrow(InvalidTokenError);
  });
});

describe('CLIENT KILL of the subscriber', () => {
  it('resubscribes and reloads: a revocation published while it was gone is not lost', async () => {
    const prefix = randomPrefix();
    const events: RedisDenylistEvent[] = [];
    const replica = denylist({ prefix, onEvent: (event) => events.push(event) });
    const writer = denylist({ prefix, mode: 'direct' });
    await Promise.all([replica.ready(), writer.ready()]);
    const admin = new Redis(server.url);
    closers.push(() => admin.quit());

    await admin.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    // Published before the subscriber is back: only the snapshot can bring it.
    await writer.revoke({ iss: ISS, jti: 'during-gap', exp: nowSeconds() + 60 });
    await until(
      () => events.filter((event) => event.type === 'denylist.synced').length >= 2,
      'a second sync',
    );
    await until(() => replica.status().synced, 'synced');
    expect(replica.isRevoked(authResult({ jti: 'during-gap' }))).toBe(true);
    expect(events).toContainEqual({ type: 'denylist.disconnected' });
  });
});

// The denylist gets a client of the test's own, and DEBUG SLEEP goes out on that same connection: Redis answers
// a connection's commands in order, so the denylist's next command is certain to wait behind the stall (a
// sleep sent on another connection may reach the server after it, on a loaded machine).
function stallableClient(): Redis {
  const client = new Redis(server.url);
  closers.push(() => client.quit());
  return client;
}

describe('DEBUG SLEEP (a stalled server)', () => {
  it('a direct check gives up after `timeout` with a 503 error instead of hanging', async () => {
    const client = stallableClient();
    const checker = denylist({ mode: 'direct', timeout: '100ms', prefix: randomPrefix(), redis: client });
    await checker.ready();
    const sleeping = client.call('DEBUG', 'SLEEP', '1');
    const started = Date.now();
    const outcome = await Promise.resolve(checker.isRevoked(authResult({ jti: 'x' }))).then(
      (answer) => ({ answer }),
      (error: unknown) => ({ error }),
    );
    console.log(`DEBUG SLEEP 1: check settled after ${Date.now() - started} ms (timeout 100 ms)`);
    expect(outcome).toEqual({ error: expect.any(UnavailableError) });
    expect(((outcome as { error: UnavailableError }).error.cause as Error).message).toMatch(/within 100 ms/);
    await sleeping;
  });

  it('writeTimeout: a revoke on a stalled server rejects after the bound instead of hanging', async () => {
    const client = stallableClient();
    const writer = denylist({ mode: 'direct', writeTimeout: '100ms', prefix: randomPrefix(), redis: client });
    await writer.ready();
    const sleeping = client.call('DEBUG', 'SLEEP', '1');
    await expect(writer.revoke({ iss: ISS, jti: 'slow', exp: nowSeconds() + 60 })).rejects.toThrow(
      /revoke: Redis did not answer within 100 ms/,
    );
    await sleeping;
  });

  it('a stale replica asks Redis and fails closed when Redis is stalled', async () => {
    let now = Date.now();
    const client = stallableClient();
    const replica = denylist({
      prefix: randomPrefix(),
      maxStaleness: '1h',
      heartbeatInterval: '30m',
      clock: () => now,
      redis: client,
    });
    await replica.ready();
    now += 3_600_001;
    const sleeping = client.call('DEBUG', 'SLEEP', '0.5');
    await expect(
      Promise.resolve(replica.isRevoked(authResult({ jti: 'y', exp: Math.floor(now / 1000) + 60 }))),
    ).rejects.toThrow(UnavailableError);
    await sleeping;
  });
});

describe('Redis cannot be reached at start', () => {
  // A loopback port nothing listens on: bound, then released.
  async function closedPort(): Promise<number> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return port;
  }

  it('ready() rejects within writeTimeout in both modes instead of waiting forever', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const replica = createRedisDenylist({
      redis: url,
      writeTimeout: '200ms',
      maxStaleness: '300ms',
      heartbeatInterval: '50ms',
    });
    const direct = createRedisDenylist({ redis: url, mode: 'direct', writeTimeout: '200ms' });
    closers.push(
      () => replica.close(),
      () => direct.close(),
    );
    await expect(replica.ready()).rejects.toThrow(/within 200 ms/);
    await expect(direct.ready()).rejects.toThrow(/denylist connect: Redis did not answer within 200 ms/);
    // Still failing closed meanwhile: an unsynced replica asks Redis, which cannot answer.
    await expect(Promise.resolve(replica.isRevoked(authResult({ jti: 'z' })))).rejects.toThrow(
      UnavailableError,
    );
  });

  it('a listener that throws on denylist.unavailable changes nothing: the check still fails closed with a 503', async () => {
    const direct = createRedisDenylist({
      redis: `redis://127.0.0.1:${await closedPort()}`,
      mode: 'direct',
      timeout: '100ms',
      onEvent: () => {
        throw new Error('listener failure');
      },
    });
    closers.push(() => direct.close());
    await expect(Promise.resolve(direct.isRevoked(authResult({ jti: 'z' })))).rejects.toThrow(
      UnavailableError,
    );
  });

  it('a pending ready() rejects when the denylist is closed', async () => {
    const replica = createRedisDenylist({
      redis: `redis://127.0.0.1:${await closedPort()}`,
      maxStaleness: '2s',
    });
    const waiting = replica.ready();
    await replica.close();
    await expect(waiting).rejects.toThrow(/closed/);
  });
});
