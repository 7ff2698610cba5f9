// Signing keys in one JSON file, private keys encrypted with AES-256-GCM (key-encryption.ts). Writes go to a
// temporary file that is renamed over the old one, so a crash mid-write never leaves a truncated key file;
// the file is created with mode 0600. Suits a single issuer instance; several instances should share a
// Redis store instead (concurrent writers to one file would lose updates).
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { assertKnownOptions } from '@jwtguard/core';
import {
  decryptStoredKey,
  encryptStoredKey,
  toEncryptionKey,
  type EncryptedStoredKey,
  type EncryptionKeyInput,
} from './key-encryption.js';
import type { KeyStore } from './key-store.js';

export interface FileKeyStoreOptions {
  /** Path of the JSON file (created with its directory when missing). */
  path: string;
  /** 32-byte AES-256-GCM key for the private keys; keep it outside the file (env var, secret manager). */
  encryptionKey: EncryptionKeyInput;
}

interface KeyFile {
  version: 1;
  keys: EncryptedStoredKey[];
}

const OPTION_NAMES = { path: true, encryptionKey: true } satisfies Record<keyof FileKeyStoreOptions, true>;

export function createFileKeyStore(options: FileKeyStoreOptions): KeyStore {
  assertKnownOptions('createFileKeyStore()', options, Object.keys(OPTION_NAMES));
  const key = toEncryptionKey(options.encryptionKey);
  const path = options.path;
  // Serialise read-modify-write cycles of this process so two puts cannot interleave.
  let queue: Promise<unknown> = Promise.resolve();

  async function read(): Promise<EncryptedStoredKey[]> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const parsed = JSON.parse(text) as KeyFile;
    if (parsed.version !== 1 || !Array.isArray(parsed.keys))
      throw new Error(`${path} is not a jwtguard key file`);
    return parsed.keys;
  }

  async function write(keys: EncryptedStoredKey[]): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
    const file: KeyFile = { version: 1, keys };
    await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
    await rename(temporary, path);
  }

  function exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = queue.then(operation, operation);
    queue = result.catch(() => undefined);
    return result;
  }

  return {
    list: () => exclusive(async () => (await read()).map((record) => decryptStoredKey(record, key))),
    put: (stored) =>
      exclusive(async () => {
        const keys = (await read()).filter((existing) => existing.kid !== stored.kid);
        keys.push(encryptStoredKey(stored, key));
        await write(keys);
      }),
    delete: (kid) =>
      exclusive(async () => {
        const keys = await read();
        const remaining = keys.filter((existing) => existing.kid !== kid);
        if (remaining.length !== keys.length) await write(remaining);
      }),
  };
}
