// A misspelt option name is refused at construction, with the name it was probably meant to be: silently
// dropping `denyList` would turn revocation off, and `optinal` would change who gets in.
import { createGuard, createVerifier, assertKnownOptions, ConfigurationError } from '../../src/index.js';

const base = {
  issuer: 'https://auth.example.com/',
  audience: 'https://api.example.com',
  keys: 'x'.repeat(32),
};

function refusal(build: () => unknown): ConfigurationError {
  try {
    build();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('constructed without a word');
}

describe('createVerifier refuses unknown option names', () => {
  test.each([
    ['denyList', 'denylist'],
    ['requireClaims', 'requiredClaims'],
    ['audiance', 'audience'],
    ['clocktolerance', 'clockTolerance'],
    ['jwks_uri', 'jwksUri'],
  ])('%s → did you mean %s', (typo, meant) => {
    const error = refusal(() => createVerifier({ ...base, [typo]: true } as never));
    expect(error.message).toContain(`createVerifier(): unknown option "${typo}"`);
    expect(error.message).toContain(`did you mean "${meant}"?`);
  });

  test('a name close to nothing gets no suggestion, and the list of known names', () => {
    const error = refusal(() => createVerifier({ ...base, tenantResolver: () => 'x' } as never));
    expect(error.message).not.toContain('did you mean');
    expect(error.message).toContain('Known options: issuer, audience');
  });

  test('nested options are checked too: cache, cache.jwks, cache.tokens, an issuer entry', () => {
    expect(refusal(() => createVerifier({ ...base, cache: { token: {} } } as never)).message).toContain(
      'cache: unknown option "token"; did you mean "tokens"?',
    );
    expect(
      refusal(() => createVerifier({ ...base, cache: { jwks: { coolDown: '1s' } } } as never)).message,
    ).toContain('cache.jwks: unknown option "coolDown"; did you mean "cooldown"?');
    expect(
      refusal(() => createVerifier({ ...base, cache: { tokens: { maxAge: '1m' } } } as never)).message,
    ).toContain('cache.tokens: unknown option "maxAge"');
    expect(
      refusal(() => createVerifier({ ...base, issuer: [{ issuer: base.issuer, audiences: ['a'] }] } as never))
        .message,
    ).toContain('issuer[0]: unknown option "audiences"; did you mean "audience"?');
  });

  test('every documented option name is accepted', () => {
    expect(() =>
      createVerifier({
        ...base,
        algorithms: ['HS256'],
        clockTolerance: 5,
        maxTokenAge: '1h',
        requiredClaims: ['sub'],
        typ: 'at+jwt',
        scopeClaim: 'scope',
        requireExp: true,
        denylist: () => false,
        denylistFailure: 'closed',
        denylistTimeout: '250ms',
        validate: () => undefined,
        maxTokenLength: 8192,
        cache: { jwks: {}, tokens: { max: 10, ttl: '1m' } },
        fetch: globalThis.fetch,
        clock: Date.now,
        onEvent: () => undefined,
      }),
    ).not.toThrow();
  });
});

describe('jwtGuard (createGuard) refuses unknown option names', () => {
  test('in the mixed options: optinal → optional', () => {
    const error = refusal(() => createGuard({ ...base, optinal: true } as never));
    expect(error.message).toContain('jwtGuard(): unknown option "optinal"; did you mean "optional"?');
  });

  test('in the mixed options, a verifier option is still checked: denyList → denylist', () => {
    expect(refusal(() => createGuard({ ...base, denyList: () => false } as never)).message).toContain(
      'did you mean "denylist"?',
    );
  });

  test('in the separate guard options: relam → realm', () => {
    const verifier = createVerifier(base);
    const error = refusal(() => createGuard(verifier, { relam: 'api' } as never));
    expect(error.message).toContain('unknown option "relam"; did you mean "realm"?');
  });
});

test('assertKnownOptions: the helper the other packages use', () => {
  expect(() => assertKnownOptions('createThing()', { a: 1 }, ['a', 'b'])).not.toThrow();
  expect(() => assertKnownOptions('createThing()', { prefx: 'x' }, ['prefix', 'redis'])).toThrow(
    'createThing(): unknown option "prefx"; did you mean "prefix"?',
  );
});
