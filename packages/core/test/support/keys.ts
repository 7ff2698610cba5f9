// Test key material for the algorithm matrix: real key pairs generated per run, public halves exported in
// every form the `keys` option accepts.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { exportJWK, exportSPKI, generateKeyPair, type JWK } from 'jose';
import { forge, hmacSigner, signerFor, type Signer } from './forge.js';

export const MATRIX = ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA', 'HS256'] as const;
export type MatrixAlg = (typeof MATRIX)[number];

export interface TestKey {
  alg: string;
  kid: string;
  signer: Signer;
  /** Public JWK (with kid and alg) or, for HS*, the oct JWK. */
  jwk: JWK;
  /** SPKI PEM for asymmetric keys. */
  pem?: string;
  /** Node KeyObject of the public key (asymmetric only). */
  keyObject?: KeyObject;
  publicKey?: CryptoKey;
  /** The HMAC secret (HS* only). */
  secret?: Uint8Array;
}

let counter = 0;

export async function makeKey(alg: string, kid = `${alg.toLowerCase()}-${++counter}`): Promise<TestKey> {
  if (alg.startsWith('HS')) {
    const secret = crypto.getRandomValues(new Uint8Array(Number(alg.slice(-3)) / 8));
    return {
      alg,
      kid,
      secret,
      signer: await hmacSigner(secret, alg),
      jwk: { kty: 'oct', k: Buffer.from(secret).toString('base64url'), kid, alg },
    };
  }
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    crv: alg === 'EdDSA' ? 'Ed25519' : undefined,
  });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg };
  const pem = await exportSPKI(publicKey);
  return {
    alg,
    kid,
    signer: signerFor(privateKey, alg),
    jwk,
    pem,
    keyObject: createPublicKey(pem),
    publicKey,
  };
}

export const ISSUER = 'https://issuer.test/';
export const AUDIENCE = 'https://api.test';
/** A fixed instant for the injected clock (ms), and the same in seconds for claims. */
export const NOW_MS = 1_800_000_000_000;
export const NOW = NOW_MS / 1000;

export function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-1',
    iat: NOW - 10,
    exp: NOW + 600,
    jti: `jti-${++counter}`,
    ...overrides,
  };
}

/** A well-formed token signed by `key`, with header and claim overrides (undefined removes a member). */
export async function signToken(
  key: TestKey,
  payload: Record<string, unknown> = claims(),
  header: Record<string, unknown> = {},
): Promise<string> {
  const fullHeader = Object.fromEntries(
    Object.entries({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  const fullPayload = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
  return forge({ header: fullHeader, payload: fullPayload, signer: key.signer });
}
