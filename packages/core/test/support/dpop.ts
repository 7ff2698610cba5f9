// DPoP proofs built by the tests themselves (RFC 9449 §4.2), with every member under the test's control, so
// a hostile proof is exactly the bytes an attacker would send. Thumbprints and `ath` are computed here with
// jose and node:crypto, independently of the code under test.
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { forge, signerFor, type Signer } from './forge.js';
import { NOW } from './keys.js';

export interface DpopKey {
  alg: string;
  signer: Signer;
  /** The public JWK a proof carries. */
  jwk: JWK;
  /** The private JWK (for the hostile "jwk with d" case). */
  privateJwk: JWK;
  /** RFC 7638 SHA-256 thumbprint: what a bound token's `cnf.jkt` holds. */
  jkt: string;
}

export async function makeDpopKey(alg = 'ES256'): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    crv: alg === 'EdDSA' ? 'Ed25519' : undefined,
  });
  const jwk = await exportJWK(publicKey);
  return {
    alg,
    signer: signerFor(privateKey, alg),
    jwk,
    privateJwk: await exportJWK(privateKey),
    jkt: await calculateJwkThumbprint(jwk, 'sha256'),
  };
}

export const ath = (token: string): string => createHash('sha256').update(token).digest('base64url');

let counter = 0;

export interface ProofInput {
  htm?: string;
  htu?: string;
  /** The access token the proof is for: its hash becomes `ath`. */
  accessToken?: string;
  /** Payload members to add, replace, or (undefined) remove. */
  claims?: Record<string, unknown>;
  /** Header members to add, replace, or (undefined) remove. */
  header?: Record<string, unknown>;
  signer?: Signer;
}

export async function makeProof(key: DpopKey, input: ProofInput = {}): Promise<string> {
  const header = withoutUndefined({ typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk, ...input.header });
  const payload = withoutUndefined({
    jti: `proof-${++counter}-${Math.random().toString(36).slice(2)}`,
    htm: input.htm ?? 'GET',
    htu: input.htu ?? 'https://api.test/items',
    iat: NOW,
    ...(input.accessToken !== undefined ? { ath: ath(input.accessToken) } : {}),
    ...input.claims,
  });
  return forge({ header, payload, signer: input.signer ?? key.signer });
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined));
}
