import { checkHeader, normaliseMediaType, type HeaderPolicy } from '../../src/jws/header-policy.js';
import { createVerifier } from '../../src/index.js';
import { AUDIENCE, ISSUER, NOW_MS, claims, makeKey, signToken } from '../support/keys.js';

const policy: HeaderPolicy = { algorithms: new Set(['RS256', 'ES256']), typ: undefined };

describe('checkHeader', () => {
  test('alg must be in the allow-list, exactly', () => {
    expect(checkHeader({ alg: 'RS256' }, policy).alg).toBe('RS256');
    for (const alg of ['HS256', 'rs256', 'none', 'NONE', 'PS256']) {
      expect(() => checkHeader({ alg }, policy)).toThrow(
        expect.objectContaining({ code: 'ERR_JOSE_ALG_NOT_ALLOWED' }),
      );
    }
  });

  test('none is refused even if it were in the allow-list', () => {
    const unsafe = { algorithms: new Set(['none', 'None']), typ: undefined };
    expect(() => checkHeader({ alg: 'none' }, unsafe)).toThrow(
      expect.objectContaining({ code: 'ERR_JOSE_ALG_NOT_ALLOWED' }),
    );
    expect(() => checkHeader({ alg: 'None' }, unsafe)).toThrow(
      expect.objectContaining({ code: 'ERR_JOSE_ALG_NOT_ALLOWED' }),
    );
  });

  test('crit: absent is fine; any value is refused', () => {
    for (const crit of [[], ['exp'], ['b64'], 'b64', null]) {
      expect(() => checkHeader({ alg: 'RS256', crit }, policy)).toThrow(
        expect.objectContaining({ code: 'ERR_JWS_INVALID' }),
      );
    }
  });

  test('embedded key members are accepted in the header but play no part', () => {
    const header = { alg: 'RS256', jwk: { kty: 'RSA' }, jku: 'https://x', x5u: 'https://x', x5c: ['AA'] };
    expect(checkHeader(header, policy)).toBe(header);
  });

  test('typ is checked only when configured, with application/ and case normalised', () => {
    expect(checkHeader({ alg: 'RS256', typ: 'whatever' }, policy)).toBeDefined();
    const typed = { ...policy, typ: new Set(['at+jwt']) };
    expect(checkHeader({ alg: 'RS256', typ: 'application/AT+JWT' }, typed)).toBeDefined();
    expect(() => checkHeader({ alg: 'RS256', typ: 'JWT' }, typed)).toThrow(
      expect.objectContaining({ claim: 'typ' }),
    );
    expect(() => checkHeader({ alg: 'RS256' }, typed)).toThrow(expect.objectContaining({ claim: 'typ' }));
    expect(() => checkHeader({ alg: 'RS256', typ: 1 }, policy)).toThrow(
      expect.objectContaining({ claim: 'typ' }),
    );
  });

  test('normaliseMediaType', () => {
    expect(normaliseMediaType('Application/At+Jwt')).toBe('at+jwt');
    expect(normaliseMediaType('JWT')).toBe('jwt');
  });
});

describe('typ and algorithms options through createVerifier', () => {
  test('typ accepts a list', async () => {
    const key = await makeKey('ES256');
    const base = { issuer: ISSUER, audience: AUDIENCE, keys: key.jwk, clock: () => NOW_MS };
    const jwtTyped = await signToken(key, claims(), { typ: 'JWT' });
    await expect(createVerifier(base).verify(jwtTyped)).resolves.toBeDefined();
    await expect(createVerifier({ ...base, typ: 'at+jwt' }).verify(jwtTyped)).rejects.toMatchObject({
      claim: 'typ',
    });
    await expect(
      createVerifier({ ...base, typ: ['at+jwt', 'application/jwt'] }).verify(jwtTyped),
    ).resolves.toBeDefined();
  });

  test('algorithms narrows what the keys could verify', async () => {
    const rsa = await makeKey('RS256');
    const ps = { ...rsa, alg: 'PS256', signer: (await makeKey('PS256')).signer };
    const { jwk } = rsa;
    const unbound = { ...jwk, alg: undefined };
    const base = { issuer: ISSUER, audience: AUDIENCE, keys: unbound, clock: () => NOW_MS };
    const token = await signToken(rsa);
    await expect(createVerifier(base).verify(token)).resolves.toBeDefined();
    await expect(createVerifier({ ...base, algorithms: ['PS256'] }).verify(token)).rejects.toMatchObject({
      code: 'ERR_JOSE_ALG_NOT_ALLOWED',
    });
    // With a different PS256 key the signature fails, but the algorithm itself passes the policy.
    await expect(
      createVerifier({ ...base, algorithms: ['PS256'] }).verify(await signToken(ps)),
    ).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_INVALID',
    });
  });
});
