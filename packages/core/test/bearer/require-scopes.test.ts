import {
  ConfigurationError,
  InsufficientScopeError,
  UnauthorizedError,
  createScopeCheck,
  type AuthResult,
} from '@jwtguard/core';

function auth(scopes: string[]): AuthResult {
  return {
    token: 'h.p.s',
    header: { alg: 'ES256' },
    payload: { sub: 'alice' },
    scopes,
    issuer: 'https://iss/',
  };
}

function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('createScopeCheck("all")', () => {
  const check = createScopeCheck('all', ['read:items', 'write:items']);

  test('passes when every scope is granted', () => {
    expect(() => check(auth(['write:items', 'other', 'read:items']))).not.toThrow();
  });

  test('403 insufficient_scope naming every required scope when one is missing', () => {
    const err = thrown(() => check(auth(['read:items']))) as InsufficientScopeError;
    expect(err).toBeInstanceOf(InsufficientScopeError);
    expect(err.status).toBe(403);
    expect(err.scopes).toEqual(['read:items', 'write:items']);
    expect(err.headers['WWW-Authenticate']).toBe(
      'Bearer scope="read:items write:items", error="insufficient_scope", error_description="Requires scope read:items write:items"',
    );
  });

  test('401 without a challenge error when there is no authenticated token', () => {
    const err = thrown(() => check(undefined)) as UnauthorizedError;
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(err.status).toBe(401);
    expect(err.headers['WWW-Authenticate']).toBe('Bearer');
  });

  test('the realm argument is named in the challenge', () => {
    const missing = thrown(() => check(undefined, 'api')) as UnauthorizedError;
    expect(missing.headers['WWW-Authenticate']).toBe('Bearer realm="api"');
    const short = thrown(() => check(auth([]), 'api')) as InsufficientScopeError;
    expect(short.headers['WWW-Authenticate']).toMatch(/^Bearer realm="api", scope="read:items write:items"/);
  });

  test('scope names are matched exactly (no prefix or case folding)', () => {
    const one = createScopeCheck('all', ['read:items']);
    expect(() => one(auth(['read:item', 'READ:ITEMS', 'read:items:extra']))).toThrow(InsufficientScopeError);
  });
});

describe('createScopeCheck("any")', () => {
  const check = createScopeCheck('any', ['admin', 'write:items']);

  test('passes with any one of the scopes', () => {
    expect(() => check(auth(['write:items']))).not.toThrow();
    expect(() => check(auth(['admin']))).not.toThrow();
  });

  test('403 listing the alternatives when none is granted', () => {
    const err = thrown(() => check(auth(['read:items']))) as InsufficientScopeError;
    expect(err.status).toBe(403);
    expect(err.scopes).toEqual(['admin', 'write:items']);
    expect(err.description).toBe('Requires one of the scopes admin write:items');
  });

  test('401 without a token', () => {
    expect(() => check(undefined)).toThrow(UnauthorizedError);
  });
});

describe('scope validation at declaration time', () => {
  test('an empty list is a configuration error', () => {
    expect(() => createScopeCheck('all', [])).toThrow(ConfigurationError);
    expect(() => createScopeCheck('any', [])).toThrow(/requireAnyScope\(\) needs at least one scope/);
  });

  test('a space-delimited string is refused with a hint', () => {
    expect(() => createScopeCheck('all', ['read:items write:items'])).toThrow(
      /pass each scope as its own argument/,
    );
  });

  test('quotes and backslashes are refused (they would break the challenge)', () => {
    expect(() => createScopeCheck('all', ['a"b'])).toThrow(ConfigurationError);
    expect(() => createScopeCheck('all', ['a\\b'])).toThrow(ConfigurationError);
    expect(() => createScopeCheck('all', [''])).toThrow(ConfigurationError);
  });

  test('duplicates are collapsed in the challenge', () => {
    const err = thrown(() => createScopeCheck('all', ['a', 'a'])(auth([]))) as InsufficientScopeError;
    expect(err.scopes).toEqual(['a']);
  });
});
