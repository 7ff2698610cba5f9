import { createMemoryDenylist, createVerifier, type AuthResult } from '../../src/index.js';
import { AUDIENCE, ISSUER, NOW, NOW_MS, claims, makeKey, signToken, type TestKey } from '../support/keys.js';
import { describeDenylist } from '../../../../test/contracts/denylist.js';

let key: TestKey;
let now = NOW_MS;
const clock = (): number => now;
beforeAll(async () => {
  key = await makeKey('ES256');
});
beforeEach(() => {
  now = NOW_MS;
});

function verifierWith(denylist: ReturnType<typeof createMemoryDenylist>) {
  return createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: key.jwk,
    clock,
    denylist,
    clockTolerance: 5,
  });
}

describe('contract', () => {
  describeDenylist({ open: (options) => createMemoryDenylist(options) });
});

describe('createMemoryDenylist', () => {
  test('revoke by jti for one issuer, or for every issuer when iss is omitted', async () => {
    const denylist = createMemoryDenylist({ clock });
    const verifier = verifierWith(denylist);
    const a = await signToken(key, claims({ jti: 'a' }));
    const b = await signToken(key, claims({ jti: 'b' }));
    await expect(verifier.verify(a)).resolves.toMatchObject({ payload: { jti: 'a' } });
    denylist.revoke({ iss: ISSUER, jti: 'a', exp: NOW + 600 });
    await expect(verifier.verify(a)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED' });
    await expect(verifier.verify(b)).resolves.toMatchObject({ payload: { jti: 'b' } });
    denylist.revoke({ iss: 'https://other.test/', jti: 'b', exp: NOW + 600 });
    await expect(verifier.verify(b)).resolves.toMatchObject({ payload: { jti: 'b' } });
    denylist.revoke({ jti: 'b', exp: NOW + 600 });
    await expect(verifier.verify(b)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED' });
  });

  test('a token is answered synchronously on Node (no promise for the verifier to race), with a jti or without', async () => {
    const denylist = createMemoryDenylist({ clock });
    denylist.revoke({ iss: ISSUER, jti: 'gone', exp: NOW + 600 });
    const result = (payload: AuthResult['payload']): AuthResult => ({
      token: 'x.y.z',
      issuer: ISSUER,
      payload,
      header: { alg: 'ES256' },
      scopes: [],
    });
    expect(denylist.isRevoked(result({ jti: 'gone' }))).toBe(true);
    expect(denylist.isRevoked(result({ jti: 'kept' }))).toBe(false);
    // Without one the id is a hash of the token: synchronous where the runtime hashes synchronously (Node).
    expect(denylist.isRevoked(result({}))).toBe(false);
  });

  test('revokeToken: by jti, or by hash for a token without jti (only that token)', async () => {
    const denylist = createMemoryDenylist({ clock });
    const verifier = verifierWith(denylist);
    const first = await signToken(key, claims({ jti: undefined, n: 1 }));
    const second = await signToken(key, claims({ jti: undefined, n: 2 }));
    await denylist.revokeToken(first);
    await expect(verifier.verify(first)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED' });
    await expect(verifier.verify(second)).resolves.toMatchObject({ payload: { n: 2 }, issuer: ISSUER });
    const withJti = await verifier.verify(await signToken(key, claims({ jti: 'x' })));
    await denylist.revokeToken(withJti);
    await expect(
      verifier.verify(await signToken(key, claims({ jti: 'x', other: true }))),
    ).rejects.toMatchObject({
      code: 'ERR_JWT_REVOKED',
    });
  });

  test('revokeSubject: tokens issued before the cutoff are revoked, newer ones are not', async () => {
    const denylist = createMemoryDenylist({ clock });
    const verifier = verifierWith(denylist);
    const old = await signToken(key, claims({ iat: NOW - 100 }));
    const otherUser = await signToken(key, claims({ iat: NOW - 100, sub: 'user-2' }));
    denylist.revokeSubject({ iss: ISSUER, sub: 'user-1' });
    await expect(verifier.verify(old)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED' });
    await expect(verifier.verify(otherUser)).resolves.toMatchObject({ payload: { sub: 'user-2' } });
    now = NOW_MS + 2000;
    const fresh = await signToken(key, claims({ iat: NOW + 1 }));
    await expect(verifier.verify(fresh)).resolves.toMatchObject({ payload: { sub: 'user-1', iat: NOW + 1 } });
    // An earlier cutoff never moves an existing one backwards.
    denylist.revokeSubject({ iss: ISSUER, sub: 'user-1', before: NOW - 1000 });
    await expect(verifier.verify(old)).rejects.toMatchObject({ code: 'ERR_JWT_REVOKED' });
    // A token without iat cannot prove it is newer than the cutoff.
    await expect(verifier.verify(await signToken(key, claims({ iat: undefined })))).rejects.toMatchObject({
      code: 'ERR_JWT_REVOKED',
    });
  });

  test('entries expire with the token (exp + clockTolerance)', async () => {
    const denylist = createMemoryDenylist({ clock, clockTolerance: 5 });
    const result = {
      token: 'x.y.z',
      issuer: ISSUER,
      payload: { jti: 'j', exp: NOW + 60 },
      header: { alg: 'ES256' },
      scopes: [],
    };
    denylist.revoke({ iss: ISSUER, jti: 'j', exp: NOW + 60 });
    expect(denylist.size).toBe(1);
    now = NOW_MS + 64_000;
    expect(await denylist.isRevoked(result as AuthResult)).toBe(true);
    now = NOW_MS + 65_001;
    expect(await denylist.isRevoked(result as AuthResult)).toBe(false);
    // Revoking an already expired token stores nothing.
    denylist.revoke({ iss: ISSUER, jti: 'old', exp: NOW - 3600 });
    expect(denylist.size).toBeLessThanOrEqual(1);
  });

  test('clockTolerance widens how long an entry is kept', async () => {
    const denylist = createMemoryDenylist({ clock, clockTolerance: '60s' });
    const result = {
      token: 'x.y.z',
      issuer: ISSUER,
      payload: { jti: 'j' },
      header: { alg: 'ES256' },
      scopes: [],
    };
    denylist.revoke({ iss: ISSUER, jti: 'j', exp: NOW });
    now = NOW_MS + 59_000;
    expect(await denylist.isRevoked(result as AuthResult)).toBe(true);
  });

  test('subject cutoffs are kept for maxTokenLifetime', async () => {
    const denylist = createMemoryDenylist({ clock, maxTokenLifetime: '1h', clockTolerance: 0 });
    const result = {
      token: 'x.y.z',
      issuer: ISSUER,
      payload: { sub: 's', iat: NOW - 10 },
      header: { alg: 'ES256' },
      scopes: [],
    };
    denylist.revokeSubject({ iss: ISSUER, sub: 's' });
    now = NOW_MS + 3_599_000;
    expect(await denylist.isRevoked(result as AuthResult)).toBe(true);
    now = NOW_MS + 3_601_000;
    expect(await denylist.isRevoked(result as AuthResult)).toBe(false);
    expect(denylist.size).toBe(0);
  });

  test('maxEntries bounds the list; expired entries make room, live ones are never dropped', async () => {
    const denylist = createMemoryDenylist({ clock, maxEntries: 3, clockTolerance: 0 });
    denylist.revoke({ iss: ISSUER, jti: 'short', exp: NOW + 1 });
    denylist.revoke({ iss: ISSUER, jti: 'a', exp: NOW + 600 });
    denylist.revoke({ iss: ISSUER, jti: 'b', exp: NOW + 600 });
    now = NOW_MS + 2000;
    denylist.revoke({ iss: ISSUER, jti: 'c', exp: NOW + 600 });
    expect(denylist.size).toBe(3);
    const revoked = async (jti: string) =>
      denylist.isRevoked({
        token: 'x.y.z',
        issuer: ISSUER,
        payload: { jti },
        header: { alg: 'ES256' },
        scopes: [],
      });
    expect([await revoked('a'), await revoked('b'), await revoked('c')]).toEqual([true, true, true]);
    expect(() => denylist.revoke({ iss: ISSUER, jti: 'd', exp: NOW + 600 })).toThrow(/denylist is full/);
    denylist.revoke({ iss: ISSUER, jti: 'a', exp: NOW + 900 }); // updating a live entry needs no room
    expect(denylist.size).toBe(3);
    expect([await revoked('a'), await revoked('b'), await revoked('c')]).toEqual([true, true, true]);
    now = NOW_MS + 601_000;
    denylist.revoke({ iss: ISSUER, jti: 'd', exp: NOW + 1200 }); // b and c expired: room again
    expect([await revoked('a'), await revoked('d')]).toEqual([true, true]);
  });

  test('argument checks', () => {
    const denylist = createMemoryDenylist();
    expect(() => denylist.revoke({ jti: '', exp: NOW })).toThrow(TypeError);
    expect(() => denylist.revoke({ jti: 'a', exp: Infinity })).toThrow(TypeError);
    expect(() => denylist.revokeSubject({ iss: ISSUER, sub: '' })).toThrow(TypeError);
    expect(() => createMemoryDenylist({ maxEntries: 0 })).toThrow(/maxEntries must be a positive integer/);
  });

  test('an unknown option name is refused at construction, with the closest known name', () => {
    const options = { maxEntires: 10 } as Parameters<typeof createMemoryDenylist>[0];
    expect(() => createMemoryDenylist(options)).toThrow(
      'createMemoryDenylist(): unknown option "maxEntires"; did you mean "maxEntries"?',
    );
  });
});
