import { SignJWT, jwtVerify, generateKeyPair } from 'jose';

test('jose signs and verifies under jest ESM', async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwt = await new SignJWT({ a: 1 }).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
  const { payload } = await jwtVerify(jwt, publicKey);
  expect(payload.a).toBe(1);
  const secret = new TextEncoder().encode('x'.repeat(32));
  const h = await new SignJWT({ b: 2 }).setProtectedHeader({ alg: 'HS256' }).sign(secret);
  expect((await jwtVerify(h, secret)).payload.b).toBe(2);
});
