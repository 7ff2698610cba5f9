// The verified-token cache (`cache.tokens`): a hit skips only the signature; every other check still runs on
// every request; entries end with their token, their `ttl`, their LRU slot, or their key.
import { ConfigurationError } from '../src/errors.js';
import type { JwtGuardEvent, Verifier, VerifierOptions } from '../src/types.js';
import { createVerifier } from '../src/verifier.js';
import { forge } from './support/forge.js';
import {
  createSigningKey,
  startJwksServer,
  type JwksServer,
  type SigningKey,
} from './support/jwks-server.js';
import { AUDIENCE, ISSUER, NOW, NOW_MS, claims, makeKey, signToken, type TestKey } from './support/keys.js';

let now = NOW_MS;
const clock = (): number => now;
let events: JwtGuardEvent[];
let key: TestKey;

beforeAll(async () => {
  key = await makeKey('RS256', 'rs-1');
});
beforeEach(() => {
  now = NOW_MS;
  events = [];
});

function verifier(options: Partial<VerifierOptions> = {}): Verifier {
  return createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: key.pem,
    clock,
    cache: { tokens: {} },
    onEvent: (event) => events.push(event),
    ...options,
  });
}

/** Whether each accepted verification so far was served from the cache. */
function cachedFlags(): boolean[] {
  return events.flatMap((event) => (event.type === 'token.accepted' ? [event.cached] : []));
}

test('off by default: every verification checks the signature', async () => {
  const guard = verifier({ cache: undefined });
  const token = await signToken(key);
  await guard.verify(token);
  await guard.verify(token);
  expect(cachedFlags()).toEqual([false, false]);
});

test('on: the second verification of the same token string is a hit, with the same result', async () => {
  const guard = verifier();
  const token = await signToken(key);
  const first = await guard.verify(token);
  const second = await guard.verify(token);
  expect(cachedFlags()).toEqual([false, true]);
  expect(second).toEqual(first);
  expect(second.token).toBe(token);
});

test('cache: { tokens: false } is off', async () => {
  const guard = verifier({ cache: { tokens: false } });
  const token = await signToken(key);
  await guard.verify(token);
  await guard.verify(token);
  expect(cachedFlags()).toEqual([false, false]);
});

test('only the very token string hits: the same header and payload with another signature does not', async () => {
  const guard = verifier();
  const token = await signToken(key);
  await guard.verify(token);
  const [h, p, s] = token.split('.') as [string, string, string];
  const sig = Buffer.from(s, 'base64url');
  sig[10] = (sig[10] ?? 0) ^ 0xff;
  await expect(guard.verify(`${h}.${p}.${sig.toString('base64url')}`)).rejects.toMatchObject({
    code: 'ERR_JWS_SIGNATURE_INVALID',
  });
  // And a forged token sharing a long prefix with a cached one (only the last claim differs) is not either.
  const attacker = await makeKey('RS256', 'rs-1');
  const forged = await forge({
    header: { alg: 'RS256', kid: 'rs-1', typ: 'at+jwt' },
    payload: { ...claims({ jti: 'same' }), zz: 'b' },
    signer: attacker.signer,
  });
  const genuine = await signToken(key, { ...claims({ jti: 'same' }), zz: 'a' });
  await guard.verify(genuine);
  await expect(guard.verify(forged)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
});

test('a token ending like a cached one (its very signature on another payload) is not a hit and evicts nothing', async () => {
  const guard = verifier();
  const genuine = await signToken(key, claims({ scope: 'read' }));
  await guard.verify(genuine);
  const [h, , s] = genuine.split('.') as [string, string, string];
  const payload = Buffer.from(JSON.stringify(claims({ scope: 'admin' }))).toString('base64url');
  await expect(guard.verify(`${h}.${payload}.${s}`)).rejects.toMatchObject({
    code: 'ERR_JWS_SIGNATURE_INVALID',
  });
  // The genuine token's entry is still there: still a hit.
  await guard.verify(genuine);
  expect(cachedFlags()).toEqual([false, true]);
});

test('with the cache on, something that is not a string is refused as malformed, as without it', async () => {
  const guard = verifier();
  for (const bad of [undefined, null, 42, {}, ['a.b.c']]) {
    await expect(guard.verify(bad as unknown as string)).rejects.toMatchObject({ code: 'ERR_JWT_MALFORMED' });
  }
});

test('nested header values are frozen, cache on or off, so no result can change a shared header', async () => {
  for (const cache of [{ tokens: {} }, undefined]) {
    const guard = verifier({ cache });
    const token = await signToken(key, claims(), { ext: { note: 'x' } });
    const first = await guard.verify(token);
    expect(Object.isFrozen(first.header.ext)).toBe(true);
    expect(() => {
      (first.header.ext as { note: string }).note = 'changed';
    }).toThrow(TypeError);
    expect((await guard.verify(token)).header.ext).toEqual({ note: 'x' });
  }
});

test('exp is re-checked on a hit: a cached token is refused once it expires', async () => {
  const guard = verifier({ clockTolerance: 0 });
  const token = await signToken(key, claims({ exp: NOW + 60 }));
  await guard.verify(token);
  await guard.verify(token);
  now = (NOW + 60) * 1000;
  await expect(guard.verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
});

test('nbf is re-checked on a hit (a clock that steps back)', async () => {
  const guard = verifier({ clockTolerance: 0 });
  const token = await signToken(key, claims({ nbf: NOW - 5 }));
  await guard.verify(token);
  now = (NOW - 30) * 1000;
  await expect(guard.verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_NOT_YET_VALID' });
});

test('the denylist is consulted on every hit', async () => {
  const revoked = new Set<string>();
  let asked = 0;
  const guard = verifier({
    denylist: (result) => {
      asked++;
      return revoked.has(String(result.payload.jti));
    },
  });
  const token = await signToken(key, claims({ jti: 'to-revoke' }));
  await guard.verify(token);
  await guard.verify(token);
  expect(cachedFlags()).toEqual([false, true]);
  revoked.add('to-revoke');
  await expect(guard.verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED' });
  expect(asked).toBe(3);
});

test('validate runs on every hit, with the request context', async () => {
  const seen: unknown[] = [];
  const guard = verifier({ validate: (_result, context) => void seen.push(context.method) });
  const token = await signToken(key);
  await guard.verify(token, { method: 'GET' });
  await guard.verify(token, { method: 'DELETE' });
  expect(seen).toEqual(['GET', 'DELETE']);
  expect(cachedFlags()).toEqual([false, true]);
});

test('a token refused after its signature verified (denylist) is not cached', async () => {
  let revoked = true;
  const guard = verifier({ denylist: () => revoked });
  const token = await signToken(key);
  await expect(guard.verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED' });
  revoked = false;
  await guard.verify(token);
  expect(cachedFlags()).toEqual([false]);
});

test('an entry never outlives its token: inside the clock tolerance the token is verified afresh', async () => {
  const guard = verifier({ clockTolerance: 30 });
  const token = await signToken(key, claims({ exp: NOW + 60 }));
  await guard.verify(token);
  now = (NOW + 70) * 1000; // past exp, within the 30 s tolerance: still acceptable, but not from the cache
  await guard.verify(token);
  expect(cachedFlags()).toEqual([false, false]);
});

test('ttl bounds an entry of a long-lived token', async () => {
  const guard = verifier({ cache: { tokens: { ttl: '10s' } } });
  const token = await signToken(key, claims({ exp: NOW + 3600 }));
  await guard.verify(token);
  now += 9_000;
  await guard.verify(token);
  now += 2_000;
  await guard.verify(token);
  expect(cachedFlags()).toEqual([false, true, false]);
});

test('max bounds the entries (least recently used evicted first)', async () => {
  const guard = verifier({ cache: { tokens: { max: 2 } } });
  const [a, b, c] = await Promise.all([signToken(key), signToken(key), signToken(key)]);
  for (const token of [a, b, a, c, b, a]) await guard.verify(token as string);
  // a, b miss; a hit; c miss evicts b (least recent); b miss evicts a; a miss.
  expect(cachedFlags()).toEqual([false, false, true, false, false, false]);
});

test('mutating a result cannot change what a later hit returns', async () => {
  const guard = verifier();
  const token = await signToken(key, claims({ scope: 'read', sub: 'alice', amr: ['pwd'] }));
  const first = await guard.verify(token);
  (first.payload as Record<string, unknown>).sub = 'admin';
  // Nested claim values are shared between results, so they are frozen.
  expect(() => (first.payload.amr as string[]).push('otp')).toThrow(TypeError);
  first.scopes.push('write');
  const second = await guard.verify(token);
  expect(second.payload.sub).toBe('alice');
  expect(second.payload.amr).toEqual(['pwd']);
  expect(second.scopes).toEqual(['read']);
  second.scopes.push('admin');
  const third = await guard.verify(token);
  expect(third.scopes).toEqual(['read']);
  expect(third.scopes).not.toBe(second.scopes);
  expect(cachedFlags()).toEqual([false, true, true]);
});

test('scopes changed by validate on the first verification are not what a hit returns', async () => {
  const guard = verifier({
    validate: (result) => {
      result.scopes.push('write');
    },
  });
  const token = await signToken(key, claims({ scope: 'read' }));
  expect((await guard.verify(token)).scopes).toEqual(['read', 'write']);
  expect((await guard.verify(token)).scopes).toEqual(['read', 'write']);
  expect(cachedFlags()).toEqual([false, true]);
});

test('cached tokens share scope lists only when the lists are equal', async () => {
  const guard = verifier();
  const tokens = await Promise.all([
    signToken(key, claims({ scope: 'a b' })),
    signToken(key, claims({ scp: ['a b'] })),
    signToken(key, claims({ scope: 'a b', sub: 'other' })),
    signToken(key, claims({ scope: 'b a' })),
  ]);
  const expected = [['a', 'b'], ['a b'], ['a', 'b'], ['b', 'a']];
  for (const token of tokens) await guard.verify(token);
  for (const [index, token] of tokens.entries()) {
    expect((await guard.verify(token)).scopes).toEqual(expected[index]);
  }
  expect(cachedFlags()).toEqual([false, false, false, false, true, true, true, true]);
});

test('a hit returns the scopes of the configured scopeClaim', async () => {
  const guard = verifier({ scopeClaim: 'permissions' });
  const token = await signToken(key, claims({ scope: 'read', permissions: ['items:write'] }));
  await guard.verify(token);
  expect((await guard.verify(token)).scopes).toEqual(['items:write']);
  expect(cachedFlags()).toEqual([false, true]);
});

test('decoded headers are shared between tokens, yet every result gets its own header', async () => {
  for (const cache of [undefined, { tokens: {} }]) {
    const guard = verifier({ cache });
    const [a, b] = await Promise.all([signToken(key), signToken(key)]);
    const first = await guard.verify(a as string);
    (first.header as unknown as Record<string, unknown>).alg = 'none';
    const second = await guard.verify(b as string);
    expect(second.header.alg).toBe('RS256');
    expect(second.header).not.toBe(first.header);
  }
});

test('invalid cache.tokens options fail at construction', () => {
  expect(() => verifier({ cache: { tokens: { max: 0 } } })).toThrow(ConfigurationError);
  expect(() => verifier({ cache: { tokens: { max: 1.5 } } })).toThrow(ConfigurationError);
  expect(() => verifier({ cache: { tokens: { ttl: 'soon' } } })).toThrow(ConfigurationError);
  expect(() => verifier({ cache: { tokens: { ttl: 0 } } })).toThrow(ConfigurationError);
});

describe('with keys from a JWKS', () => {
  let server: JwksServer;
  let old: SigningKey;
  let next: SigningKey;
  beforeAll(async () => {
    server = await startJwksServer();
    [old, next] = await Promise.all([createSigningKey('ES256', 'old'), createSigningKey('ES256', 'next')]);
  });
  afterAll(() => server.close());

  test('a key dropped from the JWKS invalidates the tokens it verified', async () => {
    server.keys = [old.publicJwk, next.publicJwk];
    const guard = createVerifier({
      issuer: server.issuer,
      audience: AUDIENCE,
      jwksUri: server.jwksUri,
      clock,
      cache: { tokens: {}, jwks: { cacheMaxAge: 60, refreshAhead: 0 } },
      onEvent: (event) => events.push(event),
    });
    const iat = Math.floor(now / 1000);
    const token = await old.sign({ iss: server.issuer, aud: AUDIENCE, sub: 'u', iat, exp: iat + 600 });
    await guard.verify(token);
    await guard.verify(token);
    expect(cachedFlags()).toEqual([false, true]);
    server.keys = [next.publicJwk];
    now += 61_000;
    await expect(guard.verify(token)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
  });
});
