// Fresh signing keys. RSA keys are 2048-bit (RFC 7518 §3.3 minimum, and what every verifier accepts);
// kids are RFC 7638 thumbprints, so a kid names exactly one key and can never be reused for another.
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { calculateJwkThumbprint, type JWK } from 'jose';
import type { SigningAlgorithm, StoredKey } from './key-store.js';

const generate = promisify(generateKeyPair) as unknown as (
  type: string,
  options: Record<string, unknown>,
) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;

function pairFor(alg: SigningAlgorithm): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  switch (alg) {
    case 'RS256':
    case 'PS256':
      return generate('rsa', { modulusLength: 2048 });
    case 'ES256':
      return generate('ec', { namedCurve: 'P-256' });
    case 'EdDSA':
      return generate('ed25519', {});
  }
}

export async function generateSigningKey(
  alg: SigningAlgorithm,
  createdAt: number,
  activatesAt: number | null,
): Promise<StoredKey> {
  const { publicKey, privateKey } = await pairFor(alg);
  const publicPart = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(publicPart, 'sha256');
  return {
    kid,
    alg,
    publicJwk: { ...publicPart, kid, alg, use: 'sig' },
    privateJwk: { ...(privateKey.export({ format: 'jwk' }) as JWK), kid, alg },
    createdAt,
    activatesAt,
  };
}
