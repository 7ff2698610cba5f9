// The signing-key lifecycle. Every state is derived from the stored timestamps and the clock:
//   next     published, not signing           (activatesAt null, or in the future)
//   current  signing                           (the latest activatesAt <= now)
//   retired  published, no longer signing      (a later key has activated)
//   removed  unpublished and deleted           (retention after retirement has passed)
// Two invariants make a rotation invisible to verifiers whatever their cache state:
//   1. a key signs only after it has been published for `publishLead` (>= the verifiers' JWKS cache
//      lifetime), so every cached JWKS that could be in use already contains it;
//   2. a key is unpublished only `retention` (longest token lifetime + clock tolerance) after it stopped
//      signing, so every token it signed has expired first.
// Instances sharing a store see each other's changes only when they re-read it, at most `syncInterval`
// late; the issuer adds that lag to both the publish lead and the retention (see issuer.ts).
import { ConfigurationError } from '@jwtguard/core';
import type { JWK } from 'jose';
import { generateSigningKey } from './key-generation.js';
import type { KeyStore, SigningAlgorithm, StoredKey } from './key-store.js';
import { localSigner, type ExternalSigner } from './signer.js';

export interface KeyRingOptions {
  store: KeyStore;
  alg: SigningAlgorithm;
  clock: () => number;
  /** Milliseconds a new key is published before it signs. */
  publishLead: number;
  /** Milliseconds a retired key stays published. */
  retention: number;
  /** Re-read the store when the loaded view is this many ms old (`undefined`: only on rotate/reload). */
  syncInterval?: number;
  onRotated?: (info: RotationInfo) => void;
  onRemoved?: (kid: string) => void;
  /** A sync() could not read the store; the last view stays in use. */
  onSyncFailed?: (error: unknown) => void;
}

/** After a failed sync, the store is tried again this long later at most (or after the sync interval). */
const SYNC_RETRY_MS = 5000;

/** What `rotateKeys()` did. Times in milliseconds since the epoch. */
export interface RotationInfo {
  /** The key that becomes current. */
  kid: string;
  /** When it starts signing: now, or later if it has not yet been published for the publish lead. */
  activatesAt: number;
  /** The freshly created key that now waits, published, for the following rotation. */
  nextKid: string;
}

export interface KeyStatus {
  kid: string;
  alg: string;
  state: 'next' | 'current' | 'retired';
  createdAt: number;
  activatesAt: number | null;
  /** When the key stops being published (retired keys only). */
  removeAt: number | null;
}

export interface KeyRing {
  init(): Promise<void>;
  /** Re-read the store (other instances may have rotated), delete removed keys. */
  reload(): Promise<void>;
  /** Reload when the loaded view is older than the sync interval; a no-op otherwise. */
  sync(): Promise<void>;
  signer(): ExternalSigner;
  publicKeys(): JWK[];
  rotate(): Promise<RotationInfo>;
  status(): KeyStatus[];
  /** When the current key began signing. */
  currentSince(): number;
  /** True while a rotation is scheduled but its key has not activated yet. */
  rotationPending(): boolean;
}

export function createKeyRing(options: KeyRingOptions): KeyRing {
  const { store, clock } = options;
  let keys: StoredKey[] = [];
  let loadedAt = -Infinity;
  let retryAt = -Infinity;
  let syncing: Promise<void> | undefined;
  const signers = new Map<string, ExternalSigner>();

  const activated = (now: number) =>
    keys
      .filter(
        (key): key is StoredKey & { activatesAt: number } =>
          key.activatesAt !== null && key.activatesAt <= now,
      )
      .sort((a, b) => b.activatesAt - a.activatesAt);

  function current(now: number): (StoredKey & { activatesAt: number }) | undefined {
    return activated(now)[0];
  }

  // A key retires when the first key activated after it starts signing.
  function retiredAt(key: StoredKey, now: number): number | null {
    if (key.activatesAt === null) return null;
    const successors = activated(now).filter((other) => other.activatesAt > (key.activatesAt as number));
    if (successors.length === 0) return null;
    return Math.min(...successors.map((other) => other.activatesAt));
  }

  function removeAt(key: StoredKey, now: number): number | null {
    const retired = retiredAt(key, now);
    return retired === null ? null : retired + options.retention;
  }

  function pendingNext(): StoredKey | undefined {
    return keys.filter((key) => key.activatesAt === null).sort((a, b) => a.createdAt - b.createdAt)[0];
  }

  async function add(activatesAt: number | null): Promise<StoredKey> {
    const key = await generateSigningKey(options.alg, clock(), activatesAt);
    await store.put(key);
    keys.push(key);
    return key;
  }

  async function reload(): Promise<void> {
    const now = clock();
    keys = await store.list();
    loadedAt = now;
    for (const key of [...keys]) {
      const removal = removeAt(key, now);
      if (removal !== null && now >= removal) {
        await store.delete(key.kid);
        signers.delete(key.kid);
        options.onRemoved?.(key.kid);
      }
    }
    keys = keys.filter((key) => {
      const removal = removeAt(key, now);
      return removal === null || now < removal;
    });
    // Keys another instance removed leave the store without passing through the loop above.
    for (const kid of signers.keys()) if (!keys.some((key) => key.kid === kid)) signers.delete(kid);
  }

  return {
    async init() {
      await reload();
      // A brand-new issuer signs at once: no verifier can hold a cached JWKS of it yet.
      if (!current(clock())) {
        const scheduled = keys.some((key) => key.activatesAt !== null);
        if (!scheduled) await add(clock());
      }
      if (!pendingNext()) await add(null);
    },
    reload,
    sync() {
      const interval = options.syncInterval;
      const now = clock();
      if (interval === undefined || now - loadedAt < interval || now < retryAt) return Promise.resolve();
      // One read in flight however many requests find the view stale at once. A store that cannot be read
      // must not stop token issuing: keep the last view (stale-if-error) and say so, as core does for JWKS.
      syncing ??= reload()
        .catch((error: unknown) => {
          retryAt = clock() + Math.min(interval, SYNC_RETRY_MS);
          options.onSyncFailed?.(error);
        })
        .finally(() => {
          syncing = undefined;
        });
      return syncing;
    },
    signer() {
      const key = current(clock());
      if (!key)
        throw new ConfigurationError('no signing key is active: the key store holds only future keys');
      let signer = signers.get(key.kid);
      if (!signer) {
        signer = localSigner(key.kid, key.alg, key.publicJwk, key.privateJwk);
        signers.set(key.kid, signer);
      }
      return signer;
    },
    publicKeys() {
      const now = clock();
      return keys
        .filter((key) => {
          const removal = removeAt(key, now);
          return removal === null || now < removal;
        })
        .sort((a, b) => a.createdAt - b.createdAt)
        .map((key) => ({ ...key.publicJwk }));
    },
    async rotate() {
      await reload();
      const now = clock();
      // A rotation already scheduled (its key not yet signing) is the answer: rotating twice within the
      // publish lead must not shorten it.
      const scheduled = keys.find((key) => key.activatesAt !== null && key.activatesAt > now);
      const nextKey = scheduled ?? pendingNext() ?? (await add(null));
      if (!scheduled) {
        nextKey.activatesAt = Math.max(now, nextKey.createdAt + options.publishLead);
        await store.put(nextKey);
      }
      const following = pendingNext() ?? (await add(null));
      const info: RotationInfo = {
        kid: nextKey.kid,
        activatesAt: nextKey.activatesAt as number,
        nextKid: following.kid,
      };
      if (!scheduled) options.onRotated?.(info);
      return info;
    },
    status() {
      const now = clock();
      const active = current(now);
      return keys
        .map((key): KeyStatus => {
          const state =
            key.activatesAt === null || key.activatesAt > now
              ? 'next'
              : key === active
                ? 'current'
                : 'retired';
          return {
            kid: key.kid,
            alg: key.alg,
            state,
            createdAt: key.createdAt,
            activatesAt: key.activatesAt,
            removeAt: state === 'retired' ? removeAt(key, now) : null,
          };
        })
        .sort((a, b) => a.createdAt - b.createdAt);
    },
    currentSince() {
      return current(clock())?.activatesAt ?? clock();
    },
    rotationPending() {
      const now = clock();
      return keys.some((key) => key.activatesAt !== null && key.activatesAt > now);
    },
  };
}

/** A fixed key ring around an external signer (KMS/HSM): rotation happens in the KMS, not here. */
export function createExternalKeyRing(signer: ExternalSigner, extraPublicKeys: JWK[]): KeyRing {
  const published: JWK = { ...signer.publicJwk, kid: signer.kid, alg: signer.alg, use: 'sig' };
  const unsupported = () =>
    Promise.reject(
      new ConfigurationError(
        'rotateKeys() is not available with an external signer: create the new key in your KMS, deploy it as ' +
          '`signer` and keep the previous public key in `publishedKeys` until its tokens have expired',
      ),
    );
  return {
    init: async () => undefined,
    reload: async () => undefined,
    sync: async () => undefined,
    signer: () => signer,
    publicKeys: () => [published, ...extraPublicKeys.map((jwk) => ({ ...jwk }))],
    rotate: unsupported,
    status: () => [
      { kid: signer.kid, alg: signer.alg, state: 'current', createdAt: 0, activatesAt: 0, removeAt: null },
    ],
    currentSince: () => 0,
    rotationPending: () => false,
  };
}
