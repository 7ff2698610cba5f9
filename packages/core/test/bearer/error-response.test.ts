import {
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  UnauthorizedError,
  UnavailableError,
  errorResponse,
} from '@jwtguard/core';

describe('errorResponse', () => {
  test('401 without a token: bare challenge with realm, JSON body', () => {
    const err = new UnauthorizedError();
    err.realm = 'api';
    expect(errorResponse(err)).toEqual({
      status: 401,
      headers: {
        'WWW-Authenticate': 'Bearer realm="api"',
        'Content-Type': 'application/json; charset=utf-8',
      },
      body: { error: 'unauthorized', error_description: 'Authentication required' },
    });
  });

  test('400 invalid_request', () => {
    const res = errorResponse(
      new InvalidRequestError('ERR_INVALID_REQUEST', 'Only one bearer token is allowed'),
    );
    expect(res.status).toBe(400);
    expect(res.headers['WWW-Authenticate']).toBe(
      'Bearer error="invalid_request", error_description="Only one bearer token is allowed"',
    );
    expect(res.body).toEqual({
      error: 'invalid_request',
      error_description: 'Only one bearer token is allowed',
    });
  });

  test('401 invalid_token', () => {
    const res = errorResponse(new InvalidTokenError('ERR_JWT_EXPIRED', 'Token expired', { claim: 'exp' }));
    expect(res.status).toBe(401);
    expect(res.headers['WWW-Authenticate']).toBe(
      'Bearer error="invalid_token", error_description="Token expired"',
    );
    expect(res.body.error).toBe('invalid_token');
  });

  test('403 insufficient_scope names the scope', () => {
    const res = errorResponse(new InsufficientScopeError(['write:items']));
    expect(res.status).toBe(403);
    expect(res.headers['WWW-Authenticate']).toContain('scope="write:items"');
    expect(res.body).toEqual({ error: 'insufficient_scope', error_description: 'Insufficient scope' });
  });

  test('503 carries Retry-After and no challenge', () => {
    const res = errorResponse(new UnavailableError('ERR_JWKS_UNAVAILABLE', 'Keys unavailable', 7));
    expect(res.status).toBe(503);
    expect(res.headers['Retry-After']).toBe('7');
    expect(res.headers['WWW-Authenticate']).toBeUndefined();
    expect(res.body.error).toBe('temporarily_unavailable');
  });

  test('the body never carries the code, a stack or the cause', () => {
    const err = new InvalidTokenError('ERR_JWS_INVALID', 'Invalid signature', {
      cause: new Error('secret detail'),
    });
    expect(JSON.stringify(errorResponse(err).body)).toBe(
      '{"error":"invalid_token","error_description":"Invalid signature"}',
    );
  });
});
