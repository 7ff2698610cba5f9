import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { exportJWK, generateKeyPair } from 'jose';
import { ConfigurationError, createStaticKeySource, createVerifier, type KeyInput } from '../../src/index.js';
import { forge, signerFor } from '../support/forge.js';
import { AUDIENCE, ISSUER, NOW_MS, claims, makeKey } from '../support/keys.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`../support/fixtures/${name}`, import.meta.url), 'utf8');

function refused(input: KeyInput | KeyInput[], message: RegExp): void {
  expect(() => createStaticKeySource(input)).toThrow(ConfigurationError);
  expect(() => createStaticKeySource(input)).toThrow(message);
}

describe('key policy at construction', () => {
  test('HMAC secrets under the hash size are refused', () => {
    refused(new Uint8Array(31), /248 bits; HS256 needs at least 256 bits/);
    refused('short secret', /HS256 needs at least 256 bits/);
    refused({ key: new Uint8Array(32), alg: 'HS384' }, /HS384 needs at least 384 bits/);
    refused({ kty: 'oct', k: Buffer.alloc(16).toString('base64url') }, /HMAC secret is 128 bits/);
    expect(createStaticKeySource(new Uint8Array(32)).algorithms).toEqual(['HS256']);
    expect(createStaticKeySource(new Uint8Array(64)).algorithms).toEqual(['HS256', 'HS384', 'HS512']);
  });

  test('RSA keys under 2048 bits are refused in every form', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = publicKey.export({ format: 'pem', type: 'spki' }).toString();
    refused(pem, /RSA key is 1024 bits; at least 2048/);
    refused(publicKey, /modulus under 2048/);
    refused(publicKey.export({ format: 'jwk' }) as KeyInput, /modulus under 2048/);
    const crypto1024 = await crypto.subtle.importKey(
      'spki',
      publicKey.export({ format: 'der', type: 'spki' }),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      true,
      ['verify'],
    );
    refused(crypto1024, /RSA key is 1024 bits/);
  });

  test('RSA size is counted in exact bits: a 2047-bit key is refused as PEM, KeyObject and JWK alike', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2047 });
    refused(
      publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      /RSA key is 2047 bits; at least 2048/,
    );
    refused(publicKey, /modulus under 2048/);
    const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
    refused({ kty: 'RSA', ...jwk } as KeyInput, /modulus under 2048/);
    // A modulus written with a leading zero octet is the same 2047-bit number.
    const padded = Buffer.concat([Buffer.alloc(1), Buffer.from(jwk.n, 'base64url')]).toString('base64url');
    refused({ kty: 'RSA', n: padded, e: jwk.e } as KeyInput, /modulus under 2048/);
    const full = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(createStaticKeySource(full.export({ format: 'jwk' }) as KeyInput).algorithms).toContain('RS256');
    expect(
      createStaticKeySource(full.export({ format: 'pem', type: 'spki' }).toString()).algorithms,
    ).toContain('RS256');
  });

  test('RSA with a non-standard public exponent is refused', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 });
    refused(publicKey.export({ format: 'pem', type: 'spki' }).toString(), /exponent must be 65537/);
    refused(publicKey.export({ format: 'jwk' }) as KeyInput, /non-standard RSA public exponent/);
  });

  test('private keys are refused with a hint to pass the public key', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    refused(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), /private key was given/);
    refused(privateKey, /private KeyObject/);
    refused(privateKey.export({ format: 'jwk' }) as KeyInput, /pass the public JWK/);
    const pair = await generateKeyPair('ES256');
    refused(pair.privateKey, /private CryptoKey/);
  });

  test('a key cannot be bound to an algorithm of another type or curve', async () => {
    const es = await makeKey('ES256');
    refused({ key: es.pem as string, alg: 'ES384' }, /EC P-256 key cannot verify ES384/);
    refused({ key: es.jwk, alg: 'RS256' }, /bound to ES256, not RS256/);
    refused({ key: new Uint8Array(32), alg: 'RS256' }, /HMAC secret cannot verify RS256/);
    refused({ key: es.pem as string, alg: 'XS256' }, /unknown alg/);
  });

  test('malformed inputs say what is expected', () => {
    refused([], /at least one key/);
    refused(42 as unknown as KeyInput, /expected a PEM string/);
    refused('-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----', /unsupported PEM type/);
    refused('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', /unusable PEM/);
    refused({ keys: [{ kty: 'RSA', use: 'enc', n: 'AQAB', e: 'AQAB' }] }, /no signature verification key/);
  });

  test('a JWKS: encryption keys are skipped, signing keys kept', async () => {
    const sig = await makeKey('ES256');
    const source = createStaticKeySource({
      keys: [
        { ...sig.jwk, use: 'sig' },
        { ...sig.jwk, kid: 'enc', use: 'enc' },
      ],
    });
    expect(source.keys.map((key) => key.kid)).toEqual([sig.kid]);
  });
});

describe('certificates and key forms', () => {
  test.each([
    ['RSA', 'rsa-cert', 'RS256'],
    ['EC P-384', 'ec-cert', 'ES384'],
  ])('an X.509 %s certificate verifies tokens of its key', async (_name, file, alg) => {
    const privateKey = await crypto.subtle.importKey(
      'pkcs8',
      createPrivateKey(fixture(`${file}.key.pem`)).export({ format: 'der', type: 'pkcs8' }),
      alg === 'RS256'
        ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }
        : { name: 'ECDSA', namedCurve: 'P-384' },
      false,
      ['sign'],
    );
    const token = await forge({ header: { alg }, payload: claims(), signer: signerFor(privateKey, alg) });
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: fixture(`${file}.pem`),
      clock: () => NOW_MS,
    });
    await expect(verifier.verify(token)).resolves.toMatchObject({ issuer: ISSUER });
    expect(createStaticKeySource(fixture(`${file}.pem`)).algorithms).toEqual(
      alg === 'RS256' ? ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] : ['ES384'],
    );
    // The certificate's key is the one in the certificate, not any other.
    const other = createPublicKey(fixture(`${file}.pem`)).export({ format: 'jwk' });
    expect(createStaticKeySource(other as KeyInput).algorithms).toEqual(
      createStaticKeySource(fixture(`${file}.pem`)).algorithms,
    );
  });

  test('a CryptoKey only supports the algorithm it was imported for', async () => {
    const rsa = await makeKey('RS256');
    const source = createStaticKeySource(rsa.publicKey as CryptoKey);
    expect(source.algorithms).toEqual(['RS256']);
  });

  test('an HMAC CryptoKey and an oct JWK are secrets', async () => {
    const hmac = await crypto.subtle.importKey(
      'raw',
      new Uint8Array(48),
      { name: 'HMAC', hash: 'SHA-384' },
      false,
      ['verify'],
    );
    expect(createStaticKeySource(hmac).algorithms).toEqual(['HS384']);
    const short = await crypto.subtle.importKey(
      'raw',
      new Uint8Array(16),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    refused(short, /HMAC key is 128 bits/);
    expect(
      createStaticKeySource({ kty: 'oct', k: Buffer.alloc(32, 1).toString('base64url') }).algorithms,
    ).toEqual(['HS256']);
  });

  test('{ key, kid } names a key; kid selection prefers exact matches, then keys without a kid', async () => {
    const a = await makeKey('ES256', 'a');
    const b = await makeKey('ES256', 'b');
    const plain = await makeKey('ES256');
    const source = createStaticKeySource([a.jwk, b.jwk, { key: plain.pem as string }]);
    expect((await source.getKeys({ alg: 'ES256', kid: 'b' })).map((k) => k.kid)).toEqual(['b']);
    expect((await source.getKeys({ alg: 'ES256', kid: 'zzz' })).map((k) => k.kid)).toEqual([undefined]);
    expect((await source.getKeys({ alg: 'ES256' })).length).toBe(3);
    expect(await source.getKeys({ alg: 'RS256', kid: 'a' })).toEqual([]);
    const renamed = createStaticKeySource({ key: plain.pem as string, kid: 'named' });
    expect((await renamed.getKeys({ alg: 'ES256', kid: 'named' })).map((k) => k.kid)).toEqual(['named']);
  });

  test('getKeys answers without a promise, in lists a caller cannot change', async () => {
    const a = await makeKey('ES256', 'a');
    const twin = await makeKey('ES256', 'a');
    const plain = await makeKey('ES256');
    const source = createStaticKeySource([a.jwk, twin.jwk, { key: plain.pem as string }]);
    for (const header of [
      { alg: 'ES256', kid: 'a' },
      { alg: 'ES256', kid: 'zzz' },
      { alg: 'ES256', kid: '__proto__' },
      { alg: 'ES256' },
      { alg: 'RS256' },
      { alg: 'none' },
    ]) {
      const found = source.getKeys(header);
      expect(Array.isArray(found)).toBe(true);
      expect(Object.isFrozen(found)).toBe(true);
    }
    // Two keys sharing a kid are both candidates (a duplicate kid must not refuse a good token).
    expect(source.getKeys({ alg: 'ES256', kid: 'a' })).toHaveLength(2);
    expect(source.getKeys({ alg: 'ES256', kid: '__proto__' }).map((k) => k.kid)).toEqual([undefined]);
  });

  test('EdDSA JWK exported by jose verifies', async () => {
    const { publicKey } = await generateKeyPair('EdDSA', { extractable: true });
    const source = createStaticKeySource(await exportJWK(publicKey));
    expect(source.algorithms).toEqual(['EdDSA', 'Ed25519']);
    await expect(source.warmUp()).resolves.toBeUndefined();
  });
});
