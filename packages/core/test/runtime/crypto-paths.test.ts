// Both sides of the `#crypto-runtime` seam (node:crypto one-shot verify, Web Crypto) must make identical
// decisions: the whole hostile-token suite runs against each, then a matrix of per-algorithm tamperings
// compares the two paths' answers for the same bytes.
import { KeyObject, createHash, sign } from 'node:crypto';
import * as nodePath from '../../src/runtime/node.js';
import * as webPath from '../../src/runtime/web.js';
import { CRYPTO_RUNTIME, verifySignature } from '../../src/runtime/crypto-runtime.js';
import { createVerifierUsing } from '../../src/verifier.js';
import type { VerifierOptions } from '../../src/index.js';
import { forge } from '../support/forge.js';
import {
  AUDIENCE,
  ISSUER,
  MATRIX,
  NOW_MS,
  claims,
  makeKey,
  signToken,
  type TestKey,
} from '../support/keys.js';
import { securityCases } from '../support/security-cases.js';

const clock = (): number => NOW_MS;
const paths = [
  ['node:crypto', createVerifierUsing(nodePath.verifySignature)],
  ['Web Crypto', createVerifierUsing(webPath.verifySignature)],
] as const;

test('under Node (and so under jest) the seam resolves to the node:crypto side', () => {
  expect(CRYPTO_RUNTIME).toBe('node');
  expect(verifySignature).toBe(nodePath.verifySignature);
  expect(webPath.CRYPTO_RUNTIME).toBe('web');
});

describe.each(paths)('hostile tokens through the %s path', (_name, createVerifier) => {
  securityCases(createVerifier);
});

/** Flip one bit of the last signature byte (still canonical base64url: the last char's used bits change). */
function tamperSignature(token: string): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  const bytes = Buffer.from(s, 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return `${h}.${p}.${bytes.toString('base64url')}`;
}

function truncateSignature(token: string, bytes: number): string {
  const [h, p, s] = token.split('.') as [string, string, string];
  return `${h}.${p}.${Buffer.from(s, 'base64url').subarray(0, bytes).toString('base64url')}`;
}

describe.each(MATRIX)('%s: both paths agree', (alg) => {
  let key: TestKey;
  let other: TestKey;
  const decisions = async (options: Omit<VerifierOptions, 'issuer' | 'audience'>, token: string) =>
    Promise.all(
      paths.map(([, create]) =>
        create({ issuer: ISSUER, audience: AUDIENCE, clock, ...options })
          .verify(token)
          .then(
            () => 'accepted',
            (error: { code: string }) => error.code,
          ),
      ),
    );

  beforeAll(async () => {
    key = await makeKey(alg, 'k1');
    other = await makeKey(alg, 'k1');
  });

  test.each([
    ['a genuine token', 'accepted', async () => signToken(key)],
    [
      'a flipped signature bit',
      'ERR_JWS_SIGNATURE_INVALID',
      async () => tamperSignature(await signToken(key)),
    ],
    [
      'a truncated signature',
      'ERR_JWS_SIGNATURE_INVALID',
      async () => truncateSignature(await signToken(key), 16),
    ],
    ['another key with the same kid', 'ERR_JWS_SIGNATURE_INVALID', async () => signToken(other)],
    [
      'a payload swapped under a valid signature',
      'ERR_JWS_SIGNATURE_INVALID',
      async () => {
        const [h, , s] = (await signToken(key)).split('.');
        const [, p] = (await signToken(key, claims({ sub: 'admin' }))).split('.');
        return `${h}.${p}.${s}`;
      },
    ],
  ])('%s', async (_what, expected, make) => {
    const token = await make();
    const keys = alg.startsWith('HS') ? key.jwk : [key.jwk];
    expect(await decisions({ keys }, token)).toEqual([expected, expected]);
    if (key.pem) expect(await decisions({ keys: key.pem }, token)).toEqual([expected, expected]);
    if (key.publicKey) expect(await decisions({ keys: key.publicKey }, token)).toEqual([expected, expected]);
  });
});

test('RSA-PSS: a signature with a salt length other than the digest length is refused by both paths', async () => {
  const { privateKey, publicKey } = await crypto.subtle.generateKey(
    { name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
  const pem = KeyObject.from(publicKey).export({ format: 'pem', type: 'spki' }).toString();
  const signWithSalt = (saltLength: number) =>
    forge({
      header: { alg: 'PS256' },
      payload: claims(),
      signer: async (input) =>
        new Uint8Array(
          await crypto.subtle.sign(
            { name: 'RSA-PSS', saltLength },
            privateKey,
            input as Uint8Array<ArrayBuffer>,
          ),
        ),
    });
  for (const [, create] of paths) {
    const verifier = create({ issuer: ISSUER, audience: AUDIENCE, clock, keys: pem });
    await expect(verifier.verify(await signWithSalt(32))).resolves.toMatchObject({ issuer: ISSUER });
    await expect(verifier.verify(await signWithSalt(0))).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_INVALID',
    });
    await expect(verifier.verify(await signWithSalt(20))).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_INVALID',
    });
  }
});

test('ES256: a DER-encoded signature of the right key is refused by both paths (JWS requires R || S)', async () => {
  const { privateKey, publicKey } = await crypto.subtle.generateKey(
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['sign', 'verify'],
  );
  const token = await forge({
    header: { alg: 'ES256' },
    payload: claims(),
    signer: async (input) => new Uint8Array(sign('sha256', input, KeyObject.from(privateKey))),
  });
  for (const [, create] of paths) {
    const verifier = create({ issuer: ISSUER, audience: AUDIENCE, clock, keys: publicKey });
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'ERR_JWS_SIGNATURE_INVALID' });
  }
});

/** A side's answer as plain data: the bytes (a Buffer on Node becomes a Uint8Array), or undefined. */
const decoded = (decode: (segment: string) => Uint8Array | undefined, segment: string) => {
  const bytes = decode(segment);
  return bytes === undefined ? undefined : Uint8Array.from(bytes);
};

test('both sides decode canonical base64url to the same bytes, at every length', () => {
  for (let n = 0; n < 70; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 151 + n * 7) & 0xff);
    const text = Buffer.from(bytes).toString('base64url');
    expect(decoded(nodePath.decodeBase64Url, text)).toEqual(bytes);
    expect(decoded(webPath.decodeBase64Url, text)).toEqual(bytes);
  }
});

test('both sides encode base64url and hash SHA-256 to the same text, at every length', async () => {
  for (let n = 0; n < 70; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 151 + n * 7) & 0xff);
    const expected = Buffer.from(bytes).toString('base64url');
    expect(nodePath.encodeBase64Url(bytes)).toBe(expected);
    expect(webPath.encodeBase64Url(bytes)).toBe(expected);
    const text = expected.repeat(3);
    const digest = createHash('sha256').update(text).digest('base64url');
    expect(nodePath.sha256Base64Url(text)).toBe(digest);
    await expect(webPath.sha256Base64Url(text)).resolves.toBe(digest);
  }
});

test('both sides hash bytes with SHA-256 to the same base64url text (RFC 8705 x5t#S256), at every length', async () => {
  // Every byte value, and lengths around SHA-256's 64-byte block and a certificate's size.
  for (const n of [0, 1, 55, 56, 63, 64, 65, 255, 256, 1000, 4096]) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 197 + n) & 0xff);
    const expected = createHash('sha256').update(bytes).digest('base64url');
    expect(nodePath.sha256BytesBase64Url(bytes)).toBe(expected);
    await expect(webPath.sha256BytesBase64Url(bytes)).resolves.toBe(expected);
    // A view into a larger buffer hashes only its own bytes (a Buffer from a pool is such a view).
    const padded = new Uint8Array(n + 16);
    padded.set(bytes, 8);
    const view = padded.subarray(8, 8 + n);
    expect(nodePath.sha256BytesBase64Url(view)).toBe(expected);
    await expect(webPath.sha256BytesBase64Url(view)).resolves.toBe(expected);
  }
});

test.each([
  ['a 4n+1 length', 'AAAAA'],
  ['non-zero unused bits (4n+2)', 'AB'],
  ['non-zero unused bits (4n+3)', 'AAB'],
  ['padding', 'AA=='],
  ['padding inside', 'AA=A'],
  ['the standard alphabet', 'ab+/'],
  ['whitespace', 'AA AA'],
  ['a line break', 'AAAA\nAAAA'],
  ['a non-ASCII letter', 'AAé'],
  ['a character whose low bits spell a letter', `AA${String.fromCharCode(0x241)}A`],
  ['a NUL', 'AA\u0000A'],
])('both sides refuse base64url with %s', (_what, segment) => {
  expect(nodePath.decodeBase64Url(segment)).toBeUndefined();
  expect(webPath.decodeBase64Url(segment)).toBeUndefined();
});

test.each([
  ['ASCII', [0x7b, 0x7d], '{}'],
  ['multi-byte characters', [0x22, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80, 0x22], '"é€😀"'],
  ['a leading byte order mark (dropped)', [0xef, 0xbb, 0xbf, 0x7b, 0x7d], '{}'],
  ['an overlong encoding', [0x22, 0xc0, 0xaf, 0x22], undefined],
  ['an encoded surrogate', [0x22, 0xed, 0xa0, 0x80, 0x22], undefined],
  ['a code point above U+10FFFF', [0x22, 0xf4, 0x90, 0x80, 0x80, 0x22], undefined],
  ['a truncated sequence', [0x22, 0xe2, 0x82], undefined],
  ['a lone continuation byte', [0x22, 0x80, 0x22], undefined],
])('both sides decode UTF-8 with %s alike', (_what, bytes, expected) => {
  for (const decode of [nodePath.decodeUtf8, webPath.decodeUtf8]) {
    const input = Uint8Array.from(bytes);
    if (expected === undefined) expect(() => decode(input)).toThrow();
    else expect(decode(input)).toBe(expected);
  }
});

test.each(paths)(
  'the %s path verifies a signing input longer than any buffer it keeps, and the next one after it',
  async (_name, createVerifier) => {
    // node:crypto writes signing inputs into one reused buffer (8 KiB to start): a bigger token must
    // grow it, and a smaller one after it must not read the bigger one's leftover bytes.
    const key = await makeKey('RS256');
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: [key.jwk],
      maxTokenLength: 100_000,
      clock,
    });
    const big = await signToken(key, { ...claims(), blob: 'x'.repeat(40_000) });
    const small = await signToken(key, claims());
    await expect(verifier.verify(big)).resolves.toMatchObject({ payload: { blob: 'x'.repeat(40_000) } });
    await expect(verifier.verify(small)).resolves.toMatchObject({ token: small });
    await expect(verifier.verify(tamperSignature(big))).rejects.toMatchObject({
      code: 'ERR_JWS_SIGNATURE_INVALID',
    });
  },
);

test('node:crypto side: a key is converted once per algorithm, then verified synchronously', async () => {
  const { privateKey, publicKey } = await crypto.subtle.generateKey(
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign', 'verify'],
  );
  let imports = 0;
  const key = {
    kid: undefined,
    kty: 'EC' as const,
    alg: 'ES256',
    jwk: undefined,
    supports: (alg: string) => alg === 'ES256',
    importFor: async () => {
      imports++;
      return publicKey;
    },
  };
  const input = 'header.payload';
  const signature = new Uint8Array(
    await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, new TextEncoder().encode(input)),
  );
  expect(await nodePath.verifySignature(key, 'ES256', input, signature)).toBe(true);
  // Every later call answers a boolean, not a promise: no import, no microtask.
  expect(nodePath.verifySignature(key, 'ES256', input, signature)).toBe(true);
  expect(nodePath.verifySignature(key, 'ES256', input, new Uint8Array(64))).toBe(false);
  expect(imports).toBe(1);
});
