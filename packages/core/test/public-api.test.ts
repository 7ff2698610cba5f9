// The package entry as a user meets it: what `@jwtguard/core` exports, and a token signed by another
// library (jose) verified end to end through it, for an asymmetric key and an HMAC secret.
import { SignJWT, generateKeyPair } from 'jose';
import * as core from '../src/index.js';

const ISSUER = 'https://issuer.smoke.test/';
const AUDIENCE = 'https://api.smoke.test';

test('the entry exports the documented names', () => {
  for (const name of [
    'createVerifier',
    'createGuard',
    'createAdapter',
    'extractToken',
    'createMemoryDenylist',
    'createStaticKeySource',
    'createScopeCheck',
    'createClaimCheck',
    'errorResponse',
    'getScopes',
    'ERROR_CODES',
    'defaults',
    'assertKnownOptions',
    'JwtGuardError',
    'InvalidTokenError',
  ]) {
    expect([name, typeof (core as Record<string, unknown>)[name]]).not.toEqual([name, 'undefined']);
  }
});

test('an ES256 token signed by jose verifies, with its scopes; a tampered one is refused', async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const token = await new SignJWT({ scope: 'read:items write:items' })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject('alice')
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(privateKey);
  const verifier = core.createVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: publicKey,
    typ: 'at+jwt',
  });
  await expect(verifier.verify(token)).resolves.toMatchObject({
    issuer: ISSUER,
    header: { alg: 'ES256', typ: 'at+jwt' },
    payload: { sub: 'alice', aud: AUDIENCE },
    scopes: ['read:items', 'write:items'],
  });
  const [header, payload] = token.split('.');
  const other = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
  await expect(verifier.verify(`${header}.${payload}.${other.split('.')[2]}`)).rejects.toMatchObject({
    code: 'ERR_JWS_SIGNATURE_INVALID',
    status: 401,
  });
});

test('an HS256 token signed by jose verifies with the shared secret and no other', async () => {
  const secret = new TextEncoder().encode('a shared secret of thirty-two+ bytes');
  const token = await new SignJWT({ sub: 'bob' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setExpirationTime('5m')
    .sign(secret);
  const verify = (keys: Uint8Array) =>
    core.createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys }).verify(token);
  await expect(verify(secret)).resolves.toMatchObject({ payload: { sub: 'bob' } });
  await expect(verify(new TextEncoder().encode('another secret of thirty-two+ bytes'))).rejects.toMatchObject(
    {
      code: 'ERR_JWS_SIGNATURE_INVALID',
    },
  );
});
