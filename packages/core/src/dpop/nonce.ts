// Server-provided DPoP nonces (RFC 9449 §8), stateless: a nonce is a time window's number with an HMAC of
// it under a secret, so every instance that shares the secret accepts every other's nonces without shared
// state, and a nonce older than the previous window is refused. It limits how far ahead a stolen key can
// pre-compute proofs: each proof must carry a value the server handed out recently.
import { encodeBase64Url } from '../runtime/crypto-runtime.js';
import { timingSafeEqualText } from './constant-time.js';

export interface NonceSource {
  /** The nonce to hand out now (`DPoP-Nonce` header). */
  current(): Promise<string>;
  /** Whether `nonce` belongs to the current or the previous window under this secret. */
  accepts(nonce: unknown): Promise<boolean>;
}

const encoder = new TextEncoder();

export function createNonceSource(secret: Uint8Array, windowMs: number, clock: () => number): NonceSource {
  const key = crypto.subtle.importKey(
    'raw',
    secret as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  // One MAC per window, remembered: a nonce is minted on every successful response.
  const minted = new Map<number, Promise<string>>();
  const nonceFor = (window: number): Promise<string> => {
    let nonce = minted.get(window);
    if (nonce === undefined) {
      nonce = key.then(async (hmac) => {
        const label = window.toString(36);
        const mac = new Uint8Array(
          await crypto.subtle.sign('HMAC', hmac, encoder.encode(`dpop-nonce.${label}`)),
        );
        return `${label}.${encodeBase64Url(mac)}`;
      });
      minted.set(window, nonce);
      for (const old of minted.keys()) if (old < window - 1) minted.delete(old);
    }
    return nonce;
  };
  const windowOf = (): number => Math.floor(clock() / windowMs);
  return {
    current: () => nonceFor(windowOf()),
    async accepts(nonce) {
      if (typeof nonce !== 'string' || nonce.length > 128) return false;
      const window = windowOf();
      const label = nonce.slice(0, nonce.indexOf('.'));
      const claimed = parseInt(label, 36);
      if (claimed !== window && claimed !== window - 1) return false;
      return timingSafeEqualText(nonce, await nonceFor(claimed));
    },
  };
}
