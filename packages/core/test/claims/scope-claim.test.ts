import { createVerifier, getScopes, hasAllScopes, hasAnyScope } from '../../src/index.js';
import { createScopeReader } from '../../src/claims/scope-claim.js';
import { AUDIENCE, ISSUER, NOW_MS, claims, makeKey, signToken } from '../support/keys.js';

describe('getScopes', () => {
  test('default: scope (space-delimited) then scp (string or array), as a union without duplicates', () => {
    expect(getScopes({ scope: 'read  write' })).toEqual(['read', 'write']);
    expect(getScopes({ scp: 'read write' })).toEqual(['read', 'write']);
    expect(getScopes({ scp: ['read', 'write'] })).toEqual(['read', 'write']);
    expect(getScopes({ scope: 'read', scp: ['read', 'admin'] })).toEqual(['read', 'admin']);
    expect(getScopes({})).toEqual([]);
  });

  test('a configured claim such as permissions, alone or with others', () => {
    const payload = { scope: 'openid', permissions: ['read:items', 'write:items'] };
    expect(getScopes(payload, 'permissions')).toEqual(['read:items', 'write:items']);
    expect(getScopes(payload, ['permissions', 'scope'])).toEqual(['read:items', 'write:items', 'openid']);
  });

  test('non-string members and other shapes contribute nothing', () => {
    expect(getScopes({ scope: 5, scp: ['a', 1, null, ''] } as never)).toEqual(['a']);
    expect(getScopes({ scope: { read: true } } as never)).toEqual([]);
    // Inherited names are not claims.
    expect(getScopes({}, 'toString')).toEqual([]);
  });

  test('duplicates are dropped in order of first appearance, for short and long claims alike', () => {
    expect(getScopes({ scope: 'a b a c b' })).toEqual(['a', 'b', 'c']);
    const many = Array.from({ length: 40 }, (_, index) => `s${index}`);
    expect(getScopes({ scope: many.join(' ') })).toEqual(many);
    expect(getScopes({ scope: [...many, 's3', 's0'].join(' '), scp: ['s39', 'extra'] })).toEqual([
      ...many,
      'extra',
    ]);
  });
});

describe("createScopeReader (the verifier's getScopes)", () => {
  test('answers what getScopes answers, for every shape and claim configuration', () => {
    const payloads = [
      { scope: 'read  write read' },
      { scp: ['read', 'write'] },
      { scope: 'read', scp: ['read', 'admin'] },
      { scope: 'a', scp: 'b' },
      { scope: 5, scp: ['a', 1, null, ''] },
      { permissions: ['p'], scope: 'openid' },
      { scope: '' },
      {},
    ] as never[];
    for (const claims of [['scope', 'scp'], ['permissions', 'scope'], ['scp']]) {
      const read = createScopeReader(claims);
      for (const payload of payloads) {
        // Twice: the second answer may come from what the reader remembered.
        expect(read(payload)).toEqual(getScopes(payload, claims));
        expect(read(payload)).toEqual(getScopes(payload, claims));
      }
    }
  });

  test('remembered lists are shared and frozen, so a caller cannot change the next answer', () => {
    const read = createScopeReader(['scope']);
    const first = read({ scope: 'read write' });
    expect(read({ scope: 'read write' })).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(read({ scope: ['a'] } as never))).toBe(true);
  });

  test('stays bounded: past 256 distinct strings it starts over, and long strings are not kept', () => {
    const read = createScopeReader(['scope']);
    const first = read({ scope: 's0' });
    for (let i = 1; i < 256; i++) read({ scope: `s${i}` });
    expect(read({ scope: 's0' })).toBe(first);
    read({ scope: 's256' });
    expect(read({ scope: 's0' })).not.toBe(first);
    const long = 'x '.repeat(600);
    expect(read({ scope: long })).not.toBe(read({ scope: long }));
  });

  test('each verified result gets its own scope array', async () => {
    const key = await makeKey('ES256');
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: key.jwk,
      clock: () => NOW_MS,
    });
    const token = await signToken(key, claims({ scope: 'read write' }));
    const first = await verifier.verify(token);
    first.scopes.push('admin');
    expect((await verifier.verify(token)).scopes).toEqual(['read', 'write']);
    expect((await verifier.verify(await signToken(key, claims({ scope: 'read write' })))).scopes).toEqual([
      'read',
      'write',
    ]);
  });
});

describe('hasAllScopes / hasAnyScope', () => {
  test('all-of and any-of', () => {
    expect(hasAllScopes(['a', 'b'], ['a', 'b'])).toBe(true);
    expect(hasAllScopes(['a'], ['a', 'b'])).toBe(false);
    expect(hasAllScopes(['a'], [])).toBe(true);
    expect(hasAnyScope(['a'], ['b', 'a'])).toBe(true);
    expect(hasAnyScope(['a'], ['b'])).toBe(false);
    expect(hasAnyScope(['a'], [])).toBe(false);
  });

  test('scopes are exact strings: no prefix or case matching', () => {
    expect(hasAllScopes(['read:items'], ['read'])).toBe(false);
    expect(hasAnyScope(['READ'], ['read'])).toBe(false);
  });
});

test('AuthResult.scopes follows the scopeClaim option', async () => {
  const key = await makeKey('ES256');
  const token = await signToken(key, claims({ scp: ['x'], roles: ['admin'] }));
  const base = { issuer: ISSUER, audience: AUDIENCE, keys: key.jwk, clock: () => NOW_MS };
  expect((await createVerifier(base).verify(token)).scopes).toEqual(['x']);
  expect((await createVerifier({ ...base, scopeClaim: ['roles'] }).verify(token)).scopes).toEqual(['admin']);
});
