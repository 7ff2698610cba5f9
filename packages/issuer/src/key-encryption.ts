// Private keys at rest: AES-256-GCM (NIST SP 800-38D) with a fresh 96-bit IV per encryption and the key's
// kid as additional authenticated data, so a ciphertext moved onto another key record fails to decrypt
// instead of silently signing under the wrong kid. Used by the file store here and the Redis store.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { ConfigurationError } from '@jwtguard/core';
import type { StoredKey } from './key-store.js';

/** The stored form of an encrypted private JWK. */
export interface EncryptedJwk {
  v: 1;
  enc: 'A256GCM';
  iv: string;
  tag: string;
  ciphertext: string;
}

/** A stored key at rest: everything public in the clear, the private JWK encrypted. */
export interface EncryptedStoredKey extends Omit<StoredKey, 'privateJwk'> {
  encryptedPrivateJwk: EncryptedJwk;
}

/** A 32-byte key, given as bytes or as a base64/base64url/hex string of 32 bytes. */
export type EncryptionKeyInput = Uint8Array | string;

/** Validate and decode an encryption key once, at construction, with a message that says how to fix it. */
export function toEncryptionKey(input: EncryptionKeyInput, option = 'encryptionKey'): Buffer {
  let bytes: Buffer | undefined;
  if (input instanceof Uint8Array) bytes = Buffer.from(input);
  else if (/^[0-9a-f]{64}$/i.test(input)) bytes = Buffer.from(input, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(input)) bytes = Buffer.from(input, 'base64url');
  if (!bytes || bytes.length !== 32) {
    throw new ConfigurationError(
      `${option} must be 32 random bytes (a Uint8Array, or 64 hex / 43 base64url characters); generate one with ` +
        `node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`,
    );
  }
  return bytes;
}

export function encryptPrivateJwk(jwk: JWK, kid: string, key: Buffer): EncryptedJwk {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(kid, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(jwk), 'utf8'), cipher.final()]);
  return {
    v: 1,
    enc: 'A256GCM',
    iv: iv.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
    ciphertext: ciphertext.toString('base64url'),
  };
}

/** Throws when the key is wrong or the record was tampered with (GCM authentication failure). */
export function decryptPrivateJwk(encrypted: EncryptedJwk, kid: string, key: Buffer): JWK {
  if (encrypted.v !== 1 || encrypted.enc !== 'A256GCM') {
    throw new Error(`unsupported encrypted key format for kid ${kid}`);
  }
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(encrypted.iv, 'base64url'));
  decipher.setAAD(Buffer.from(kid, 'utf8'));
  decipher.setAuthTag(Buffer.from(encrypted.tag, 'base64url'));
  const plaintext = Buffer.concat([
    decipher.update(Buffer.from(encrypted.ciphertext, 'base64url')),
    decipher.final(),
  ]);
  return JSON.parse(plaintext.toString('utf8')) as JWK;
}

/** The at-rest form of `stored` (what the file and Redis stores write). */
export function encryptStoredKey(stored: StoredKey, key: Buffer): EncryptedStoredKey {
  const { privateJwk, ...rest } = stored;
  return { ...rest, encryptedPrivateJwk: encryptPrivateJwk(privateJwk, rest.kid, key) };
}

/** The usable form of a record written by `encryptStoredKey`; throws for a wrong key or a tampered record. */
export function decryptStoredKey(record: EncryptedStoredKey, key: Buffer): StoredKey {
  const { encryptedPrivateJwk, ...rest } = record;
  return { ...rest, privateJwk: decryptPrivateJwk(encryptedPrivateJwk, rest.kid, key) };
}
