// One contract for every signing-key store (memory, file, Redis): `put` inserts or replaces by kid, `list`
// hands back exactly what was put, `delete` of an unknown kid is no error; and for stores that persist, the
// private key is ciphertext at rest, only the right encryption key reads it back, and a short key is refused
// at construction. Each store's own test file keeps only what is particular to its storage.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { EncryptionKeyInput, KeyStore, StoredKey } from '@jwtguard/issuer';

export interface KeyStoreSubject {
  /** A fresh, empty place to keep keys (a file path, a key prefix). */
  location(): string;
  /** A store over `location`; stores that do not encrypt ignore `encryptionKey`. */
  open(location: string, encryptionKey: EncryptionKeyInput): KeyStore;
  /** Everything the store wrote at `location`, as text: present for stores that encrypt at rest. */
  raw?(location: string): Promise<string>;
}

export function storedKey(kid: string): StoredKey {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid,
    alg: 'ES256',
    publicJwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' },
    privateJwk: { ...privateKey.export({ format: 'jwk' }), kid, alg: 'ES256' },
    createdAt: Date.now(),
    activatesAt: null,
  };
}

const byKid = (keys: StoredKey[]) => [...keys].sort((x, y) => x.kid.localeCompare(y.kid));

export function describeKeyStore(subject: KeyStoreSubject): void {
  test('put, list, delete round trip; put replaces the key with the same kid', async () => {
    const store = subject.open(subject.location(), randomBytes(32));
    const [a, b] = [storedKey('a'), storedKey('b')];
    await store.put(a);
    await store.put(b);
    await store.put({ ...b, activatesAt: 123 });
    expect(byKid(await store.list())).toEqual([a, { ...b, activatesAt: 123 }]);
    await store.delete('a');
    await store.delete('never-stored');
    expect((await store.list()).map((key) => key.kid)).toEqual(['b']);
  });

  const raw = subject.raw?.bind(subject);
  if (!raw) return;

  test('the private key is ciphertext at rest', async () => {
    const location = subject.location();
    const store = subject.open(location, randomBytes(32).toString('base64url'));
    const [a, b] = [storedKey('a'), storedKey('b')];
    await store.put(a);
    await store.put(b);
    const text = await raw(location);
    expect(text).toMatch(/"enc":\s*"A256GCM"/);
    expect(text).not.toMatch(/"d"\s*:/);
    for (const key of [a, b]) expect(text).not.toContain(key.privateJwk.d);
  });

  test('encryptionKey: a store with another key cannot read the keys', async () => {
    const location = subject.location();
    await subject.open(location, randomBytes(32)).put(storedKey('k1'));
    await expect(subject.open(location, randomBytes(32)).list()).rejects.toThrow();
  });

  test('encryptionKey: a short key is refused at construction, saying how to make one', () => {
    expect(() => subject.open(subject.location(), 'short')).toThrow(/32 random bytes/);
  });
}
