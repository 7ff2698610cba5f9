import { ConfigurationError, createVerifier, type VerifierOptions } from '../src/index.js';
import { AUDIENCE, ISSUER, makeKey, type TestKey } from './support/keys.js';

let es: TestKey;
let hs: TestKey;
beforeAll(async () => {
  es = await makeKey('ES256');
  hs = await makeKey('HS256');
});

function refused(options: Partial<VerifierOptions>, message: RegExp): void {
  const build = () => createVerifier(options as VerifierOptions);
  expect(build).toThrow(ConfigurationError);
  expect(build).toThrow(message);
}

describe('createVerifier refuses unsafe or inconsistent options, saying how to fix them', () => {
  test('missing options, issuer or audience', () => {
    refused(undefined as unknown as VerifierOptions, /needs options/);
    refused({ audience: AUDIENCE, keys: es.jwk }, /issuer is required/);
    refused({ issuer: [], audience: AUDIENCE, keys: es.jwk }, /issuer is required/);
    refused({ issuer: [''], audience: AUDIENCE, keys: es.jwk }, /issuer\[0\] must be a non-empty string/);
    refused({ issuer: ISSUER, keys: es.jwk }, /audience is required/);
    refused({ issuer: ISSUER, audience: [], keys: es.jwk }, /audience must not be empty/);
    refused({ issuer: [ISSUER, ISSUER], audience: AUDIENCE, keys: es.jwk }, /listed twice/);
  });

  test('a per-issuer audience satisfies the audience requirement', () => {
    expect(() =>
      createVerifier({
        issuer: [{ issuer: ISSUER, audience: 'a', keys: es.jwk }],
      } as unknown as VerifierOptions),
    ).not.toThrow();
  });

  test('"none" and unknown algorithms', () => {
    refused(
      { issuer: ISSUER, audience: AUDIENCE, keys: es.jwk, algorithms: ['none'] },
      /"none" is never allowed/,
    );
    refused(
      { issuer: ISSUER, audience: AUDIENCE, keys: es.jwk, algorithms: ['NONE'] },
      /"none" is never allowed/,
    );
    refused(
      { issuer: ISSUER, audience: AUDIENCE, keys: es.jwk, algorithms: ['ES256K'] },
      /unknown algorithm "ES256K"/,
    );
    refused(
      { issuer: ISSUER, audience: AUDIENCE, keys: es.jwk, algorithms: [] },
      /algorithms must not be empty/,
    );
  });

  test('HS algorithms with a JWKS or discovery', () => {
    refused(
      {
        issuer: ISSUER,
        audience: AUDIENCE,
        jwksUri: 'https://issuer.test/jwks',
        algorithms: ['RS256', 'HS256'],
      },
      /HS256 cannot be used with a JWKS or discovery/,
    );
    refused({ issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS512'] }, /HS512 cannot be used/);
  });

  test('keys that cannot verify any allowed algorithm', () => {
    refused(
      { issuer: ISSUER, audience: AUDIENCE, keys: es.jwk, algorithms: ['RS256'] },
      /none of the configured keys can verify RS256/,
    );
    refused(
      { issuer: ISSUER, audience: AUDIENCE, keys: hs.secret, algorithms: ['HS512'] },
      /keys support HS256/,
    );
  });

  test('keys and jwksUri together; discovery off without a source', () => {
    refused(
      { issuer: ISSUER, audience: AUDIENCE, keys: es.jwk, jwksUri: 'https://x.test/jwks' },
      /either keys or jwksUri/,
    );
    refused(
      { issuer: [{ issuer: ISSUER, discovery: false }], audience: AUDIENCE },
      /discovery is off, so give jwksUri or keys/,
    );
    refused(
      { issuer: ISSUER, audience: AUDIENCE, jwksUri: 'not a url' },
      /jwksUri must be an absolute https URL/,
    );
    refused(
      { issuer: 'my-issuer', audience: AUDIENCE },
      /issuer \(used for discovery\) must be an absolute https URL/,
    );
  });

  test('keys travel over https; plain http only on loopback (jwksUri and discovery)', () => {
    refused(
      { issuer: ISSUER, audience: AUDIENCE, jwksUri: 'http://keys.example.com/jwks' },
      /jwksUri must be an absolute https URL \(plain http only on localhost/,
    );
    refused(
      { issuer: 'http://auth.example.com/', audience: AUDIENCE },
      /issuer \(used for discovery\) must be an absolute https URL/,
    );
    refused(
      { issuer: [{ issuer: ISSUER, jwksUri: 'http://127.0.0.1.evil.test/jwks' }], audience: AUDIENCE },
      /jwksUri must be an absolute https URL/,
    );
    for (const jwksUri of ['http://127.0.0.1:8080/jwks', 'http://localhost/jwks', 'http://[::1]:3000/jwks']) {
      expect(() => createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUri })).not.toThrow();
    }
    expect(() => createVerifier({ issuer: 'http://127.0.0.1:4000/', audience: AUDIENCE })).not.toThrow();
    // With static keys nothing is fetched, so an http issuer identifier is just a string to compare.
    expect(() =>
      createVerifier({ issuer: 'http://auth.example.com/', audience: AUDIENCE, keys: es.jwk }),
    ).not.toThrow();
  });

  test('JWKS cache options are checked at construction', () => {
    refused(
      { issuer: ISSUER, audience: AUDIENCE, cache: { jwks: { refetchBudgetPerMinute: -1 } } },
      /refetchBudgetPerMinute/,
    );
    refused(
      { issuer: ISSUER, audience: AUDIENCE, cache: { jwks: { timeout: 'never' } } },
      /cache.jwks.timeout/,
    );
  });

  test('weak keys (details in static-keys.test.ts)', () => {
    refused({ issuer: ISSUER, audience: AUDIENCE, keys: 'too-short' }, /needs at least 256 bits/);
  });

  test('durations, limits and enums', () => {
    const base = { issuer: ISSUER, audience: AUDIENCE, keys: es.jwk };
    refused({ ...base, clockTolerance: -1 }, /clockTolerance must be a non-negative number/);
    refused({ ...base, clockTolerance: 'soon' }, /clockTolerance must be/);
    refused({ ...base, maxTokenAge: '1 week' }, /maxTokenAge must be/);
    refused({ ...base, denylistTimeout: 'x' }, /denylistTimeout must be/);
    refused({ ...base, maxTokenLength: 1.5 }, /maxTokenLength must be an integer/);
    refused({ ...base, denylistFailure: 'maybe' as 'open' }, /denylistFailure must be 'closed'/);
    refused({ ...base, denylist: {} as never }, /denylist must be a function/);
    refused({ ...base, validate: 'x' as never }, /validate must be a function/);
    refused({ ...base, requireExp: 'no' as never }, /requireExp must be true or false/);
    refused({ ...base, requiredClaims: [''] }, /requiredClaims must be/);
    refused({ ...base, typ: [] }, /typ must not be empty/);
    refused({ ...base, scopeClaim: [1 as never] }, /scopeClaim must be/);
    refused({ ...base, clock: 5 as never }, /clock must be a function/);
    refused({ ...base, onEvent: 5 as never }, /onEvent must be a function/);
  });

  test('valid configurations construct', () => {
    expect(() =>
      createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: [es.jwk, hs.secret as Uint8Array] }),
    ).not.toThrow();
    expect(() =>
      createVerifier({ issuer: ISSUER, audience: AUDIENCE, jwksUri: 'https://issuer.test/jwks' }),
    ).not.toThrow();
    expect(() => createVerifier({ issuer: ISSUER, audience: AUDIENCE })).not.toThrow();
  });
});
