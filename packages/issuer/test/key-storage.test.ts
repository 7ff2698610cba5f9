// Key storage: the key-store contract for the memory and file stores (shared with the Redis store); the
// file store's own behaviour (survives restarts, tampering detected, rotation persisted); an external signer
// (KMS/HSM stand-in) signs without the issuer ever holding the private key.
import { constants, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify, type JWK } from 'jose';
import { createVerifier } from '@jwtguard/core';
import {
  createFileKeyStore,
  createIssuer,
  createMemoryKeyStore,
  decryptPrivateJwk,
  encryptPrivateJwk,
  toEncryptionKey,
} from '@jwtguard/issuer';
import { describeKeyStore } from '../../../test/contracts/key-store.js';

const ISS = 'https://auth.example.test';
const AUD = 'https://api.example.test';
const now = Date.UTC(2026, 0, 1);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jwtguard-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let files = 0;

describe('memory key store (contract)', () => {
  describeKeyStore({ location: () => '', open: () => createMemoryKeyStore() });
});

describe('file key store (contract)', () => {
  describeKeyStore({
    location: () => join(dir, `contract-${++files}.json`),
    open: (path, encryptionKey) => createFileKeyStore({ path, encryptionKey }),
    raw: (path) => readFile(path, 'utf8'),
  });
});

describe('file key store', () => {
  test('private keys are encrypted at rest; a restarted issuer signs with the same keys', async () => {
    const path = join(dir, 'a', 'keys.json');
    const encryptionKey = randomBytes(32).toString('base64url');
    const first = createIssuer({
      issuer: ISS,
      audience: AUD,
      clock: () => now,
      keyStore: createFileKeyStore({ path, encryptionKey }),
    });
    const jwks = await first.jwks();
    const text = await readFile(path, 'utf8');
    const file = JSON.parse(text) as { keys: Array<Record<string, unknown>> };
    expect(file.keys).toHaveLength(2);
    for (const key of file.keys) {
      expect(key.privateJwk).toBeUndefined();
      expect(key.encryptedPrivateJwk).toMatchObject({ v: 1, enc: 'A256GCM' });
    }
    expect(text).not.toMatch(/"d"\s*:/);

    const second = createIssuer({
      issuer: ISS,
      audience: AUD,
      clock: () => now,
      keyStore: createFileKeyStore({ path, encryptionKey }),
    });
    expect(await second.jwks()).toEqual(jwks);
    const token = (await second.issueTokens({ sub: 'u', clientId: 'c', refreshToken: false })).accessToken;
    await expect(
      jwtVerify(token, createLocalJWKSet(jwks), { currentDate: new Date(now) }),
    ).resolves.toMatchObject({
      payload: { iss: ISS, sub: 'u', client_id: 'c', aud: AUD },
      protectedHeader: { typ: 'at+jwt' },
    });
  });

  test('a ciphertext moved onto another kid fails authentication (kid is AAD)', async () => {
    const path = join(dir, 'c.json');
    const encryptionKey = randomBytes(32);
    await createIssuer({ issuer: ISS, keyStore: createFileKeyStore({ path, encryptionKey }) }).ready();
    const file = JSON.parse(await readFile(path, 'utf8')) as {
      keys: Array<{ encryptedPrivateJwk: unknown }>;
    };
    [file.keys[0]!.encryptedPrivateJwk, file.keys[1]!.encryptedPrivateJwk] = [
      file.keys[1]!.encryptedPrivateJwk,
      file.keys[0]!.encryptedPrivateJwk,
    ];
    await writeFile(path, JSON.stringify(file));
    await expect(createFileKeyStore({ path, encryptionKey }).list()).rejects.toThrow();
  });

  test('rotation and deletion are persisted', async () => {
    const path = join(dir, 'd.json');
    const encryptionKey = randomBytes(32);
    let clock = now;
    const issuer = createIssuer({
      issuer: ISS,
      clock: () => clock,
      jwksCacheLifetime: '1m',
      accessTokenLifetime: '1m',
      keyStore: createFileKeyStore({ path, encryptionKey }),
    });
    const [old] = await issuer.keyStatus();
    clock += 60_000;
    const info = await issuer.rotateKeys();
    clock += 10 * 60_000;
    await issuer.tick();
    const kids = (await createFileKeyStore({ path, encryptionKey }).list()).map((key) => key.kid);
    expect(kids).not.toContain(old?.kid);
    expect(kids).toEqual(expect.arrayContaining([info.kid, info.nextKid]));
  });

  test('encryptPrivateJwk / decryptPrivateJwk round trip with a hex key', () => {
    const key = toEncryptionKey(randomBytes(32).toString('hex'));
    const jwk: JWK = { kty: 'oct', k: 'abc' };
    expect(decryptPrivateJwk(encryptPrivateJwk(jwk, 'kid-1', key), 'kid-1', key)).toEqual(jwk);
  });
});

describe('external signer', () => {
  test.each([
    [
      'ES256',
      () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
      { dsaEncoding: 'ieee-p1363' as const },
      'sha256',
    ],
    ['EdDSA', () => generateKeyPairSync('ed25519'), {}, null],
    ['RS256', () => generateKeyPairSync('rsa', { modulusLength: 2048 }), {}, 'sha256'],
    [
      'PS256',
      () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
      { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      'sha256',
    ],
  ] as const)(
    '%s: tokens are signed through sign(data) and verified by jose and core',
    async (alg, generate, signOptions, hash) => {
      const { publicKey, privateKey } = generate();
      let calls = 0;
      const issuer = createIssuer({
        issuer: ISS,
        audience: AUD,
        clock: () => now,
        signer: {
          kid: 'kms-key-1',
          alg,
          publicJwk: publicKey.export({ format: 'jwk' }) as JWK,
          async sign(data) {
            calls++;
            return sign(hash, data, { key: privateKey, ...signOptions });
          },
        },
        publishedKeys: [
          { kty: 'OKP', crv: 'Ed25519', x: 'u2lvYMX3D0Fq8h4Iz7u2ujJ4xk1Ykd9yI4nV1jPZx0s', kid: 'previous' },
        ],
      });
      const jwks = await issuer.jwks();
      expect(jwks.keys.map((key) => key.kid)).toEqual(['kms-key-1', 'previous']);
      expect(jwks.keys[0]).toMatchObject({ alg, use: 'sig' });
      const { accessToken } = await issuer.issueTokens({ sub: 'u', clientId: 'c', refreshToken: false });
      expect(calls).toBe(1);
      const { protectedHeader } = await jwtVerify(accessToken, createLocalJWKSet(jwks), {
        currentDate: new Date(now),
      });
      expect(protectedHeader).toMatchObject({ alg, kid: 'kms-key-1', typ: 'at+jwt' });
      const verifier = createVerifier({ issuer: ISS, audience: AUD, keys: jwks, clock: () => now });
      await expect(verifier.verify(accessToken)).resolves.toMatchObject({
        issuer: ISS,
        payload: { sub: 'u', client_id: 'c' },
        header: { alg, kid: 'kms-key-1' },
      });
      await expect(issuer.rotateKeys()).rejects.toThrow(/KMS/);
    },
  );

  test('a schedule cannot be combined with an external signer', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    expect(() =>
      createIssuer({
        issuer: ISS,
        rotation: { every: '30d' },
        signer: {
          kid: 'k',
          alg: 'EdDSA',
          publicJwk: publicKey.export({ format: 'jwk' }) as JWK,
          sign: async () => new Uint8Array(),
        },
      }),
    ).toThrow(/external signer/);
  });
});
