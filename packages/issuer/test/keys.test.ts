import { jest } from '@jest/globals';
// Signing-key lifecycle: next → current → retired → removed, driven by an injected clock; the algorithm
// matrix verified by plain jose and by @jwtguard/core.
import { createLocalJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';
import { createVerifier } from '@jwtguard/core';
import {
  createIssuer,
  createMemoryKeyStore,
  SIGNING_ALGORITHMS,
  type IssuerEvent,
  type KeyStore,
} from '@jwtguard/issuer';

const ISS = 'https://auth.example.test';
const AUD = 'https://api.example.test';
const MINUTE = 60_000;

function fixture(extra: Parameters<typeof createIssuer>[0] extends infer O ? Partial<O> : never = {}) {
  let now = Date.UTC(2026, 0, 1);
  const events: IssuerEvent[] = [];
  const issuer = createIssuer({
    issuer: ISS,
    audience: AUD,
    clock: () => now,
    onEvent: (event) => events.push(event),
    ...extra,
  });
  return {
    issuer,
    events,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

async function token(issuer: ReturnType<typeof createIssuer>) {
  return (await issuer.issueTokens({ sub: 'u1', clientId: 'web', scope: 'read', refreshToken: false }))
    .accessToken;
}

describe('key lifecycle', () => {
  test('a fresh issuer signs at once and publishes a next key beside the current one', async () => {
    const { issuer } = fixture();
    const status = await issuer.keyStatus();
    expect(status.map((key) => key.state)).toEqual(['current', 'next']);
    const jwks = await issuer.jwks();
    expect(jwks.keys.map((key) => key.kid)).toEqual(status.map((key) => key.kid));
    expect(jwks.keys.every((key) => key.d === undefined && key.use === 'sig')).toBe(true);
    expect(decodeProtectedHeader(await token(issuer)).kid).toBe(status[0]?.kid);
  });

  test('rotateKeys promotes a next key published longer than jwksCacheLifetime immediately', async () => {
    const { issuer, advance, now, events } = fixture({ jwksCacheLifetime: '10m' });
    const [current, next] = await issuer.keyStatus();
    advance(10 * MINUTE);
    const info = await issuer.rotateKeys();
    expect(info.kid).toBe(next?.kid);
    expect(info.activatesAt).toBe(now());
    expect(decodeProtectedHeader(await token(issuer)).kid).toBe(next?.kid);
    const status = await issuer.keyStatus();
    expect(status.find((key) => key.kid === current?.kid)?.state).toBe('retired');
    expect(status.find((key) => key.kid === info.nextKid)?.state).toBe('next');
    expect(events).toContainEqual({ type: 'keys.rotated', ...info });
  });

  test('a key younger than jwksCacheLifetime waits: it activates exactly when it has been published long enough', async () => {
    const { issuer, advance } = fixture({ jwksCacheLifetime: '10m' });
    const [current, next] = await issuer.keyStatus();
    advance(3 * MINUTE);
    const info = await issuer.rotateKeys();
    expect(info.kid).toBe(next?.kid);
    expect(info.activatesAt).toBe((next?.createdAt ?? 0) + 10 * MINUTE);
    // still the old key for the remaining 7 minutes
    advance(7 * MINUTE - 1);
    expect(decodeProtectedHeader(await token(issuer)).kid).toBe(current?.kid);
    // rotating again meanwhile does not shorten the wait
    expect((await issuer.rotateKeys()).activatesAt).toBe(info.activatesAt);
    advance(1);
    expect(decodeProtectedHeader(await token(issuer)).kid).toBe(next?.kid);
  });

  test('a retired key stays published for the access-token lifetime + clock tolerance, then is removed', async () => {
    const { issuer, advance, events } = fixture({
      jwksCacheLifetime: '1m',
      accessTokenLifetime: '15m',
      clockTolerance: '5s',
    });
    const [old] = await issuer.keyStatus();
    advance(MINUTE);
    const info = await issuer.rotateKeys();
    const retired = (await issuer.keyStatus()).find((key) => key.kid === old?.kid);
    expect(retired?.state).toBe('retired');
    expect(retired?.removeAt).toBe(info.activatesAt + 15 * MINUTE + 5000);
    advance(15 * MINUTE + 5000 - 1);
    await issuer.tick();
    expect((await issuer.jwks()).keys.map((key) => key.kid)).toContain(old?.kid);
    advance(1);
    await issuer.tick();
    expect((await issuer.jwks()).keys.map((key) => key.kid)).not.toContain(old?.kid);
    expect(events).toContainEqual({ type: 'keys.removed', kid: old?.kid });
  });

  test('rotation: { every } rotates on tick() once the current key has signed that long', async () => {
    const { issuer, advance } = fixture({ rotation: { every: '30d', checkInterval: false } });
    const [first] = await issuer.keyStatus();
    advance(30 * 24 * 60 * MINUTE - 1);
    await issuer.tick();
    expect(decodeProtectedHeader(await token(issuer)).kid).toBe(first?.kid);
    advance(1);
    await issuer.tick();
    expect(decodeProtectedHeader(await token(issuer)).kid).not.toBe(first?.kid);
  });

  test('rotation.every must exceed jwksCacheLifetime', () => {
    expect(() => createIssuer({ issuer: ISS, rotation: { every: '5m' }, jwksCacheLifetime: '10m' })).toThrow(
      /rotation.every/,
    );
  });

  test('rotation.checkInterval: false starts no timer (tick() is yours to call); by default one timer runs', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const before = jest.getTimerCount();
      const manual = createIssuer({
        issuer: ISS,
        audience: AUD,
        rotation: { every: '30d', checkInterval: false },
      });
      expect(jest.getTimerCount()).toBe(before);
      const timed = createIssuer({ issuer: ISS, audience: AUD, rotation: { every: '30d' } });
      expect(jest.getTimerCount()).toBe(before + 1);
      await timed.close();
      await manual.close();
      expect(jest.getTimerCount()).toBe(before);
    } finally {
      jest.useRealTimers();
    }
  });

  test('the built-in timer ticks (checkInterval) and close() stops it', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const timersBefore = jest.getTimerCount();
      let now = Date.UTC(2026, 0, 1);
      // Every tick re-reads the key store: its reads count the ticks.
      const store = createMemoryKeyStore();
      let reads = 0;
      const counted: KeyStore = {
        list: () => {
          reads++;
          return store.list();
        },
        put: (key) => store.put(key),
        delete: (kid) => store.delete(kid),
      };
      let rotated: () => void = () => undefined;
      const rotation = new Promise<void>((resolve) => {
        rotated = resolve;
      });
      const issuer = createIssuer({
        issuer: ISS,
        audience: AUD,
        clock: () => now,
        keyStore: counted,
        keySyncInterval: false,
        jwksCacheLifetime: '1m',
        rotation: { every: '2m', checkInterval: '20ms' },
        onEvent: (event) => {
          if (event.type === 'keys.rotated') rotated();
        },
      });
      const [first] = await issuer.keyStatus();
      now += 3 * MINUTE;
      await jest.advanceTimersByTimeAsync(20);
      await rotation;
      expect(decodeProtectedHeader(await token(issuer)).kid).not.toBe(first?.kid);

      await issuer.close();
      expect(jest.getTimerCount()).toBe(timersBefore);
      const readsAtClose = reads;
      await jest.advanceTimersByTimeAsync(10 * 20);
      expect(reads).toBe(readsAtClose);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe.each(SIGNING_ALGORITHMS)('%s tokens', (algorithm) => {
  const { issuer } = fixture({ algorithm });

  test('verify with plain jose (typ at+jwt, RFC 9068 claims)', async () => {
    const set = await issuer.issueTokens({
      sub: 'u1',
      clientId: 'web',
      scope: 'read write',
      claims: { role: 'admin', iss: 'evil' },
    });
    const { payload, protectedHeader } = await jwtVerify(
      set.accessToken,
      createLocalJWKSet(await issuer.jwks()),
      {
        issuer: ISS,
        audience: AUD,
        typ: 'at+jwt',
        algorithms: [algorithm],
        currentDate: new Date(Date.UTC(2026, 0, 1)),
      },
    );
    expect(protectedHeader.alg).toBe(algorithm);
    expect(payload).toMatchObject({
      sub: 'u1',
      client_id: 'web',
      scope: 'read write',
      role: 'admin',
      iss: ISS,
    });
    expect(payload.exp! - payload.iat!).toBe(15 * 60);
    expect(typeof payload.jti).toBe('string');
    expect(set.expiresIn).toBe(900);
  });

  test('verify with @jwtguard/core', async () => {
    const now = Date.UTC(2026, 0, 1);
    const verifier = createVerifier({
      issuer: ISS,
      audience: AUD,
      keys: await issuer.jwks(),
      typ: 'at+jwt',
      clock: () => now,
    });
    const result = await verifier.verify(await token(issuer));
    expect(result.scopes).toEqual(['read']);
    expect(result.header.alg).toBe(algorithm);
  });
});

describe('access token options', () => {
  test('accessTokenLifetime sets exp - iat and expires_in', async () => {
    const { issuer } = fixture({ accessTokenLifetime: '2m' });
    const set = await issuer.issueTokens({ sub: 'u', clientId: 'c', refreshToken: false });
    expect(set.expiresIn).toBe(120);
    expect(set.exp).toBe(Math.floor(Date.UTC(2026, 0, 1) / 1000) + 120);
  });

  test('audience per call overrides the issuer default; no audience at all is a configuration error', async () => {
    const { issuer } = fixture();
    const set = await issuer.issueTokens({
      sub: 'u',
      clientId: 'c',
      audience: ['a1', 'a2'],
      refreshToken: false,
    });
    const jwks = createLocalJWKSet(await issuer.jwks());
    const { payload } = await jwtVerify(set.accessToken, jwks, {
      currentDate: new Date(Date.UTC(2026, 0, 1)),
    });
    expect(payload.aud).toEqual(['a1', 'a2']);
    const bare = createIssuer({ issuer: ISS });
    await expect(bare.issueTokens({ sub: 'u', clientId: 'c' })).rejects.toThrow(/audience/);
  });

  test('a bad issuer URL or algorithm fails at construction', () => {
    expect(() => createIssuer({ issuer: 'not a url' })).toThrow(/absolute URL/);
    expect(() => createIssuer({ issuer: ISS, algorithm: 'HS256' as never })).toThrow(/algorithm/);
  });
});

describe('retention and the schedule, option by option', () => {
  test('clockTolerance lengthens the retention of a retired key', async () => {
    const { issuer, advance } = fixture({
      jwksCacheLifetime: '1m',
      accessTokenLifetime: '15m',
      clockTolerance: '2m',
    });
    const [old] = await issuer.keyStatus();
    advance(MINUTE);
    const info = await issuer.rotateKeys();
    const retired = (await issuer.keyStatus()).find((key) => key.kid === old?.kid);
    expect(retired?.removeAt).toBe(info.activatesAt + 17 * MINUTE);
    advance(17 * MINUTE - 1);
    expect((await issuer.jwks()).keys.map((key) => key.kid)).toContain(old?.kid);
    advance(1);
    expect((await issuer.jwks()).keys.map((key) => key.kid)).not.toContain(old?.kid);
  });

  test('a failing scheduled tick is reported as tick.failed and the timer carries on', async () => {
    const store = createMemoryKeyStore();
    let failing = false;
    const flaky: KeyStore = {
      list: () => (failing ? Promise.reject(new Error('store unreachable')) : store.list()),
      put: (key) => store.put(key),
      delete: (kid) => store.delete(kid),
    };
    const events: IssuerEvent[] = [];
    let now = Date.UTC(2026, 0, 1);
    const issuer = createIssuer({
      issuer: ISS,
      audience: AUD,
      clock: () => now,
      keyStore: flaky,
      jwksCacheLifetime: '1m',
      rotation: { every: '2m', checkInterval: '10ms' },
      onEvent: (event) => events.push(event),
    });
    const [first] = await issuer.keyStatus();
    failing = true;
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (events.some((event) => event.type === 'tick.failed')) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    expect(events).toContainEqual({ type: 'tick.failed', reason: 'store unreachable' });
    // the store comes back: the next ticks rotate as scheduled
    failing = false;
    now += 3 * MINUTE;
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (events.some((event) => event.type === 'keys.rotated')) {
          clearInterval(poll);
          resolve();
        }
      }, 5);
    });
    expect(decodeProtectedHeader(await token(issuer)).kid).not.toBe(first?.kid);
    await issuer.close();
  });
});
