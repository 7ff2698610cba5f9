import { checkClaims, type ClaimsPolicy } from '../../src/claims/registered-claims.js';
import { createVerifier, type VerifierOptions } from '../../src/index.js';
import { AUDIENCE, ISSUER, NOW, NOW_MS, claims, makeKey, signToken, type TestKey } from '../support/keys.js';

const policy: ClaimsPolicy = {
  issuer: ISSUER,
  audiences: new Set([AUDIENCE]),
  requireExp: true,
  clockTolerance: 5,
  maxTokenAge: undefined,
  requiredClaims: [],
};

function check(overrides: Record<string, unknown>, changes: Partial<ClaimsPolicy> = {}, now = NOW) {
  const payload = Object.fromEntries(Object.entries(claims(overrides)).filter(([, v]) => v !== undefined));
  return () => checkClaims(payload, { ...policy, ...changes }, now);
}

describe('checkClaims', () => {
  test('exp: refused on or after exp beyond the tolerance, accepted within it', () => {
    expect(check({ exp: NOW - 4 })).not.toThrow();
    expect(check({ exp: NOW - 5 })).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_EXPIRED', claim: 'exp' }),
    );
    expect(check({ exp: NOW + 1 }, { clockTolerance: 0 })).not.toThrow();
    expect(check({ exp: NOW }, { clockTolerance: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_EXPIRED' }),
    );
  });

  test('requireExp: exp is required by default and optional when turned off', () => {
    expect(check({ exp: undefined })).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_CLAIM_INVALID', claim: 'exp' }),
    );
    expect(check({ exp: undefined }, { requireExp: false })).not.toThrow();
    // Optional does not mean unchecked: a present exp is still enforced.
    expect(check({ exp: NOW - 60 }, { requireExp: false })).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_EXPIRED' }),
    );
  });

  test('nbf: in the future beyond the tolerance is not yet valid', () => {
    expect(check({ nbf: NOW + 5 })).not.toThrow();
    expect(check({ nbf: NOW + 6 })).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_NOT_YET_VALID', claim: 'nbf' }),
    );
  });

  test('iat: issued in the future beyond the tolerance is refused', () => {
    expect(check({ iat: NOW + 5 })).not.toThrow();
    expect(check({ iat: NOW + 6 })).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_CLAIM_INVALID', claim: 'iat' }),
    );
  });

  test('maxTokenAge: refuses older tokens and requires iat', () => {
    expect(check({ iat: NOW - 60 }, { maxTokenAge: 60 })).not.toThrow();
    expect(check({ iat: NOW - 66 }, { maxTokenAge: 60 })).toThrow(
      expect.objectContaining({ code: 'ERR_JWT_EXPIRED', claim: 'iat' }),
    );
    expect(check({ iat: undefined }, { maxTokenAge: 60 })).toThrow(expect.objectContaining({ claim: 'iat' }));
  });

  test('NumericDates must be finite numbers', () => {
    for (const value of [Infinity, -Infinity, NaN, '1', null, {}, []]) {
      for (const name of ['exp', 'nbf', 'iat']) {
        expect(check({ [name]: value })).toThrow(
          expect.objectContaining({ code: 'ERR_JWT_CLAIM_INVALID', claim: name }),
        );
      }
    }
    expect(check({ exp: NOW + 0.5, iat: NOW - 0.25 })).not.toThrow();
  });

  test('requiredClaims: each must be present and not null', () => {
    expect(check({ tenant: 't1' }, { requiredClaims: ['tenant', 'sub'] })).not.toThrow();
    expect(check({}, { requiredClaims: ['tenant'] })).toThrow(expect.objectContaining({ claim: 'tenant' }));
    expect(check({ tenant: null }, { requiredClaims: ['tenant'] })).toThrow(
      expect.objectContaining({ claim: 'tenant' }),
    );
    // An inherited name is not a claim.
    expect(check({}, { requiredClaims: ['toString'] })).toThrow(
      expect.objectContaining({ claim: 'toString' }),
    );
  });

  test('aud: any of several expected audiences', () => {
    const audiences = new Set([AUDIENCE, 'api-2']);
    expect(check({ aud: 'api-2' }, { audiences })).not.toThrow();
    expect(check({ aud: ['x', 'api-2'] }, { audiences })).not.toThrow();
    expect(check({ aud: 'x' }, { audiences })).toThrow(expect.objectContaining({ claim: 'aud' }));
  });

  test('aud: a string or a non-empty array of strings; a bad shape is invalid even next to our audience', () => {
    const invalid = expect.objectContaining({ claim: 'aud', description: 'Token audience is invalid' });
    const refused = expect.objectContaining({ claim: 'aud', description: 'Token audience is not accepted' });
    expect(check({ aud: [AUDIENCE] })).not.toThrow();
    expect(check({ aud: [] })).toThrow(invalid);
    expect(check({ aud: 5 })).toThrow(invalid);
    expect(check({ aud: undefined })).toThrow(invalid);
    expect(check({ aud: [AUDIENCE, 5] })).toThrow(invalid);
    expect(check({ aud: [5, AUDIENCE] })).toThrow(invalid);
    expect(check({ aud: ['x', 'y'] })).toThrow(refused);
    expect(check({ aud: '' })).toThrow(refused);
  });

  test('sub and jti: strings when present', () => {
    expect(check({ sub: 'alice', jti: 'id-1' })).not.toThrow();
    expect(check({ sub: 5 })).toThrow(expect.objectContaining({ claim: 'sub' }));
    expect(check({ jti: ['id'] })).toThrow(expect.objectContaining({ claim: 'jti' }));
  });

  test('iss: exact match only', () => {
    expect(check({ iss: `${ISSUER}x` })).toThrow(expect.objectContaining({ claim: 'iss' }));
  });
});

describe('claim options through createVerifier', () => {
  let key: TestKey;
  let now = NOW_MS;
  const make = (extra: Partial<VerifierOptions> = {}) =>
    createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: key.jwk, clock: () => now, ...extra });
  beforeAll(async () => {
    key = await makeKey('ES256');
  });
  afterEach(() => {
    now = NOW_MS;
  });

  test('the injected clock decides expiry', async () => {
    const token = await signToken(key, claims({ exp: NOW + 60 }));
    await expect(make().verify(token)).resolves.toBeDefined();
    now = NOW_MS + 70_000;
    await expect(make().verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });

  test('clockTolerance: default 5 s, number of seconds or duration string', async () => {
    const token = await signToken(key, claims({ exp: NOW - 20 }));
    await expect(make().verify(token)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
    await expect(make({ clockTolerance: 30 }).verify(token)).resolves.toBeDefined();
    await expect(make({ clockTolerance: '30s' }).verify(token)).resolves.toBeDefined();
    const edge = await signToken(key, claims({ exp: NOW - 4 }));
    await expect(make().verify(edge)).resolves.toBeDefined();
    await expect(make({ clockTolerance: 0 }).verify(edge)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });

  test('maxTokenAge', async () => {
    const token = await signToken(key, claims({ iat: NOW - 3600 }));
    await expect(make().verify(token)).resolves.toBeDefined();
    await expect(make({ maxTokenAge: '10m' }).verify(token)).rejects.toMatchObject({
      code: 'ERR_JWT_EXPIRED',
      claim: 'iat',
    });
  });

  test('requiredClaims', async () => {
    const token = await signToken(key, claims());
    await expect(make({ requiredClaims: ['client_id'] }).verify(token)).rejects.toMatchObject({
      claim: 'client_id',
    });
    await expect(make({ requiredClaims: ['sub', 'jti'] }).verify(token)).resolves.toBeDefined();
  });

  test('requireExp: false accepts a token without exp', async () => {
    const token = await signToken(key, claims({ exp: undefined }));
    await expect(make().verify(token)).rejects.toMatchObject({ claim: 'exp' });
    await expect(make({ requireExp: false }).verify(token)).resolves.toBeDefined();
  });

  test('audience: a list accepts any of its values', async () => {
    const token = await signToken(key, claims({ aud: 'second' }));
    await expect(make().verify(token)).rejects.toMatchObject({ claim: 'aud' });
    await expect(make({ audience: [AUDIENCE, 'second'] }).verify(token)).resolves.toBeDefined();
  });
});
