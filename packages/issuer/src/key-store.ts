// Where signing keys live between restarts and across issuer instances. The store holds plain records; the
// lifecycle (next → current → retired → removed) is derived from the timestamps in them by signing-keys.ts,
// so every instance sharing a store agrees on which key signs at a given instant without coordination.
import { assertKnownOptions } from '@jwtguard/core';
import type { JWK } from 'jose';

/** The signing algorithms the issuer generates keys for (RFC 7518 §3, RFC 8037). */
export type SigningAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

export const SIGNING_ALGORITHMS: readonly SigningAlgorithm[] = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/** One signing key as stored. Times are milliseconds since the epoch. */
export interface StoredKey {
  kid: string;
  alg: SigningAlgorithm;
  /** Public JWK as published in the JWKS (kid, alg, use: "sig" set). */
  publicJwk: JWK;
  /**
   * Private JWK. Stores that persist outside the process encrypt it at rest (see `encryptPrivateJwk`);
   * `list()` always hands back the plaintext form.
   */
  privateJwk: JWK;
  /** When the key was created, and so first published. */
  createdAt: number;
  /** When the key starts signing; `null` while it waits for the next rotation ("next"). */
  activatesAt: number | null;
}

/**
 * Persistence for signing keys. Implementations: `createMemoryKeyStore`, `createFileKeyStore` (here), and a
 * Redis one in `@jwtguard/redis`. Calls are few (startup, rotation), so the interface favours simplicity.
 */
export interface KeyStore {
  /** Every stored key, in any order. */
  list(): Promise<StoredKey[]>;
  /** Insert or replace the key with `key.kid`. */
  put(key: StoredKey): Promise<void>;
  /** Remove a key; removing an unknown kid is not an error. */
  delete(kid: string): Promise<void>;
  close?(): Promise<void>;
}

/**
 * Keys in process memory: tests and single-instance issuers whose tokens may be invalidated on restart. It
 * takes no options: one passed anyway (`{ path }`, expecting a persistent store) is refused, not ignored.
 */
export function createMemoryKeyStore(options: Readonly<Record<string, never>> = {}): KeyStore {
  assertKnownOptions('createMemoryKeyStore()', options, []);
  const keys = new Map<string, StoredKey>();
  return {
    async list() {
      return [...keys.values()].map((key) => structuredClone(key));
    },
    async put(key) {
      keys.set(key.kid, structuredClone(key));
    },
    async delete(kid) {
      keys.delete(kid);
    },
  };
}
