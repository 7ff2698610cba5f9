// Client errors (400 invalid_request, 401 invalid_token) are built without a stack trace, as they come in
// floods; everything a handler or a log reads from them stays, and the global limit is left as it was.
import {
  InvalidRequestError,
  InvalidTokenError,
  JwtGuardError,
  UnavailableError,
  isJwtGuardError,
} from '../src/errors.js';

test('an InvalidTokenError keeps its class, name, code, status, headers, claim and cause, without frames', () => {
  const cause = new Error('inner');
  const error = new InvalidTokenError('ERR_JWT_EXPIRED', 'Token has expired', { cause, claim: 'exp' });
  expect(error).toBeInstanceOf(InvalidTokenError);
  expect(error).toBeInstanceOf(JwtGuardError);
  expect(error).toBeInstanceOf(Error);
  expect(isJwtGuardError(error)).toBe(true);
  expect(error.name).toBe('InvalidTokenError');
  expect(error.message).toBe('Token has expired');
  expect(error.code).toBe('ERR_JWT_EXPIRED');
  expect(error.status).toBe(401);
  expect(error.claim).toBe('exp');
  expect(error.cause).toBe(cause);
  expect(error.headers).toEqual({
    'WWW-Authenticate': 'Bearer error="invalid_token", error_description="Token has expired"',
  });
  expect(error.stack).toBe('InvalidTokenError: Token has expired');
});

test('an InvalidRequestError keeps the same members, without frames', () => {
  const cause = new Error('inner');
  const error = new InvalidRequestError('ERR_INVALID_REQUEST', 'Two tokens', { cause });
  expect(error).toBeInstanceOf(InvalidRequestError);
  expect(error.name).toBe('InvalidRequestError');
  expect(error.status).toBe(400);
  expect(error.code).toBe('ERR_INVALID_REQUEST');
  expect(error.cause).toBe(cause);
  expect(error.headers['WWW-Authenticate']).toContain('error="invalid_request"');
  expect(error.stack).toBe('InvalidRequestError: Two tokens');
});

test('the stack trace limit is restored, and server-side errors keep their frames', () => {
  const before = Error.stackTraceLimit;
  new InvalidTokenError('ERR_JWT_INVALID', 'Token is invalid');
  new InvalidRequestError('ERR_INVALID_REQUEST', 'Bad request');
  expect(Error.stackTraceLimit).toBe(before);
  const unavailable = new UnavailableError('ERR_JWKS_UNAVAILABLE', 'Keys are unavailable');
  expect(unavailable.stack?.split('\n').length).toBeGreaterThan(1);
  expect(new Error('plain').stack?.split('\n').length).toBeGreaterThan(1);
});
