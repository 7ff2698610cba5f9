// What every VerificationKey has in common, whatever its origin (JWK, JWKS entry, PEM, HMAC secret): which
// algorithms its type and curve fit, and importing it once per algorithm.
import { algorithmSpec, curveMatches, type KeyType } from '../jws/algorithms.js';
import type { VerificationKey } from './key-source.js';

/** A key of type `kty` (and curve `crv`) bound to `bound`, if any, may verify `alg`. */
export function keyFits(
  alg: string,
  kty: KeyType,
  crv: string | undefined,
  bound: string | undefined,
): boolean {
  if (bound !== undefined && bound !== alg) return false;
  const spec = algorithmSpec(alg);
  return spec !== undefined && spec.kty === kty && curveMatches(spec, crv);
}

/** The key with `importFor` memoised per algorithm; a failed import is not remembered, so the next request retries. */
export function withMemoisedImports(
  key: Omit<VerificationKey, 'importFor'> & { importKey(alg: string): Promise<CryptoKey | Uint8Array> },
): VerificationKey {
  const imported = new Map<string, Promise<CryptoKey | Uint8Array>>();
  const { importKey, ...rest } = key;
  return {
    ...rest,
    importFor(alg) {
      let promise = imported.get(alg);
      if (!promise) {
        promise = importKey(alg);
        promise.catch(() => imported.delete(alg));
        imported.set(alg, promise);
      }
      return promise;
    },
  };
}
