import {
  ConfigurationError,
  InsufficientScopeError,
  UnauthorizedError,
  createClaimCheck,
  type AuthResult,
  type ClaimExpectations,
  type JwtPayload,
} from '@jwtguard/core';

function auth(payload: JwtPayload): AuthResult {
  return { token: 'h.p.s', header: { alg: 'ES256' }, payload, scopes: [], issuer: 'https://iss/' };
}

describe('createClaimCheck with a map', () => {
  test('a scalar expectation matches an equal claim', async () => {
    const check = createClaimCheck({ role: 'admin', level: 3, verified: true });
    await expect(check(auth({ role: 'admin', level: 3, verified: true }))).resolves.toBeUndefined();
  });

  test('a scalar expectation matches an array claim containing it', async () => {
    await expect(
      createClaimCheck({ roles: 'admin' })(auth({ roles: ['user', 'admin'] })),
    ).resolves.toBeUndefined();
  });

  test('an array expectation requires every value to be included', async () => {
    const check = createClaimCheck({ roles: ['admin', 'billing'] });
    await expect(check(auth({ roles: ['billing', 'user', 'admin'] }))).resolves.toBeUndefined();
    await expect(check(auth({ roles: ['admin'] }))).rejects.toBeInstanceOf(InsufficientScopeError);
  });

  test('a mismatch is a 403 insufficient_scope with a stable code', async () => {
    const err = (await createClaimCheck({ role: 'admin' })(auth({ role: 'user' })).catch(
      (e) => e,
    )) as InsufficientScopeError;
    expect(err).toBeInstanceOf(InsufficientScopeError);
    expect(err.status).toBe(403);
    expect(err.code).toBe('ERR_CLAIM_CHECK_FAILED');
    expect(err.description).toBe('Claim role does not grant access');
    expect(err.headers['WWW-Authenticate']).toBe(
      'Bearer error="insufficient_scope", error_description="Claim role does not grant access"',
    );
  });

  test('values are compared strictly: "3" is not 3, a missing claim never matches', async () => {
    await expect(createClaimCheck({ level: 3 })(auth({ level: '3' }))).rejects.toBeInstanceOf(
      InsufficientScopeError,
    );
    await expect(createClaimCheck({ role: 'admin' })(auth({}))).rejects.toBeInstanceOf(
      InsufficientScopeError,
    );
    await expect(createClaimCheck({ flag: false })(auth({}))).rejects.toBeInstanceOf(InsufficientScopeError);
  });

  test('every entry of the map must hold', async () => {
    const check = createClaimCheck({ role: 'admin', tenant: 't1' });
    await expect(check(auth({ role: 'admin', tenant: 't2' }))).rejects.toBeInstanceOf(InsufficientScopeError);
  });

  test('401 without a token, naming the realm', async () => {
    const err = (await createClaimCheck({ role: 'admin' })(undefined, 'api').catch(
      (e) => e,
    )) as UnauthorizedError;
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(err.headers['WWW-Authenticate']).toBe('Bearer realm="api"');
  });

  test('invalid maps are configuration errors', () => {
    expect(() => createClaimCheck({})).toThrow(ConfigurationError);
    expect(() => createClaimCheck({ roles: [] })).toThrow(/non-empty array/);
    expect(() => createClaimCheck({ role: { nested: 1 } } as unknown as ClaimExpectations)).toThrow(
      ConfigurationError,
    );
    expect(() => createClaimCheck(null as unknown as ClaimExpectations)).toThrow(ConfigurationError);
  });
});

describe('createClaimCheck with a predicate', () => {
  interface TenantClaims extends JwtPayload {
    tenant: string;
  }

  test('receives the payload and the whole result; true passes', async () => {
    const seen: unknown[] = [];
    const check = createClaimCheck<TenantClaims>((payload, result) => {
      seen.push(payload.tenant, result.issuer);
      return payload.tenant === 't1';
    });
    await expect(check(auth({ tenant: 't1' }))).resolves.toBeUndefined();
    expect(seen).toEqual(['t1', 'https://iss/']);
  });

  test('false (or a truthy non-boolean) refuses with 403', async () => {
    await expect(createClaimCheck(() => false)(auth({}))).rejects.toBeInstanceOf(InsufficientScopeError);
    const sloppy = (() => 'yes') as unknown as () => boolean;
    await expect(createClaimCheck(sloppy)(auth({}))).rejects.toBeInstanceOf(InsufficientScopeError);
  });

  test('async predicates are awaited', async () => {
    const check = createClaimCheck(async (payload) => payload.sub === 'alice');
    await expect(check(auth({ sub: 'alice' }))).resolves.toBeUndefined();
    await expect(check(auth({ sub: 'bob' }))).rejects.toBeInstanceOf(InsufficientScopeError);
  });

  test('the predicate is not called without a token', async () => {
    let calls = 0;
    const check = createClaimCheck(() => (calls++, true));
    await expect(check(undefined)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(calls).toBe(0);
  });
});
