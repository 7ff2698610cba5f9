// Static key material (`keys` option) turned into VerificationKeys, with the key policy applied at
// construction so a weak or misused key fails start-up rather than a request. Several keys at once is how
// rotation works: tokens signed by the old and the new key both verify while both are configured.
//
// Raw string decision: a string starting with a PEM armour line is a public key or certificate; any other
// string is an HMAC secret taken as its UTF-8 bytes (as jsonwebtoken and express-jwt do). Encode binary
// secrets as a Uint8Array instead of a base64 string, or the secret is the base64 text itself.
import type { JWK } from 'jose';
import { ALGORITHMS, MIN_RSA_MODULUS_BITS, algorithmSpec, type KeyType } from '../jws/algorithms.js';
import { ConfigurationError } from '../errors.js';
import { jwkRejectionReason, verificationKeyFromJwk } from './jwk-import.js';
import type { KeySource, VerificationKey } from './key-source.js';
import { readPemPublicKey } from './pem-import.js';
import { keyFits, withMemoisedImports } from './key-fit.js';
import type { JwtHeader, KeyInput, KeyObjectLike } from '../types.js';
import { cryptoKeyFits, importParams } from '../runtime/web-crypto-params.js';

export interface StaticKeySource extends KeySource {
  readonly keys: readonly VerificationKey[];
  /** Every algorithm at least one configured key can verify. */
  readonly algorithms: readonly string[];
  /** Always synchronous: the candidates per (alg, kid) are computed at construction. */
  getKeys(header: JwtHeader): readonly VerificationKey[];
}

/**
 * Build a key source from the `keys` option; throws ConfigurationError for unusable or weak keys.
 *
 * @example
 * const source = createStaticKeySource([oldPublicKeyPem, { key: newJwk, kid: '2026-02' }]);
 * source.algorithms; // e.g. ['RS256', ..., 'ES256']
 */
export function createStaticKeySource(input: KeyInput | readonly KeyInput[]): StaticKeySource {
  const inputs: readonly KeyInput[] = Array.isArray(input) ? input : [input as KeyInput];
  if (inputs.length === 0)
    throw new ConfigurationError('keys: pass at least one key (PEM, JWK, JWKS or secret)');
  const keys = inputs.flatMap((item, index) => toVerificationKeys(item, `keys[${index}]`));
  if (keys.length === 0) throw new ConfigurationError('keys: no signature verification key was found');
  const algorithms = Object.keys(ALGORITHMS).filter((alg) => keys.some((key) => key.supports(alg)));
  const table = candidateTable(keys, algorithms);
  const getKeys = (header: JwtHeader): readonly VerificationKey[] => {
    const forAlg = table.get(header.alg);
    if (forAlg === undefined) return NO_KEYS;
    if (header.kid === undefined) return forAlg.usable;
    return forAlg.byKid.get(header.kid) ?? forAlg.unnamed;
  };
  return {
    keys,
    algorithms,
    getKeys,
    async warmUp() {
      // Import eagerly so the first request does not pay for it; a failed import surfaces here.
      await Promise.all(
        keys.flatMap((key) => algorithms.filter((alg) => key.supports(alg)).map((alg) => key.importFor(alg))),
      );
    },
  };
}

const NO_KEYS: readonly VerificationKey[] = Object.freeze([]);

/** The candidates for one algorithm, every list frozen as it is handed to every request. */
interface AlgorithmCandidates {
  /** Keys able to verify the algorithm: the answer for a header without `kid`. */
  usable: readonly VerificationKey[];
  /** Those that carry a `kid`, by kid. */
  byKid: ReadonlyMap<string, readonly VerificationKey[]>;
  /** Those without a `kid`: the answer for a `kid` no key carries. */
  unnamed: readonly VerificationKey[];
}

/**
 * Keys to try for a header, per algorithm: those whose `kid` matches when any does, otherwise those without
 * a `kid` (a configured secret or PEM carries none, yet tokens often name one). Only keys able to verify
 * `alg`. Computed once, as the keys never change: a request does a lookup, not two filters.
 */
function candidateTable(
  keys: readonly VerificationKey[],
  algorithms: readonly string[],
): ReadonlyMap<string, AlgorithmCandidates> {
  const table = new Map<string, AlgorithmCandidates>();
  for (const alg of algorithms) {
    const usable = keys.filter((key) => key.supports(alg));
    const byKid = new Map<string, VerificationKey[]>();
    for (const key of usable) {
      if (key.kid === undefined) continue;
      const named = byKid.get(key.kid);
      if (named) named.push(key);
      else byKid.set(key.kid, [key]);
    }
    for (const named of byKid.values()) Object.freeze(named);
    table.set(alg, {
      usable: Object.freeze(usable),
      byKid,
      unnamed: Object.freeze(usable.filter((key) => key.kid === undefined)),
    });
  }
  return table;
}

function toVerificationKeys(input: KeyInput, where: string, kid?: string, alg?: string): VerificationKey[] {
  if (alg !== undefined && !algorithmSpec(alg)) {
    throw new ConfigurationError(
      `${where}: unknown alg ${JSON.stringify(alg)}; use one of ${Object.keys(ALGORITHMS).join(', ')}`,
    );
  }
  if (typeof input === 'string') {
    if (/^\s*-----BEGIN /.test(input)) return [pemKey(input, where, kid, alg)];
    return [secretKey(new TextEncoder().encode(input), where, kid, alg)];
  }
  if (input instanceof Uint8Array) return [secretKey(input, where, kid, alg)];
  if (input === null || typeof input !== 'object') {
    throw new ConfigurationError(
      `${where}: expected a PEM string, JWK, JWKS, KeyObject, CryptoKey or secret`,
    );
  }
  if (isCryptoKey(input)) return [cryptoKeyEntry(input, where, kid, alg)];
  if (isKeyObject(input)) return [keyObjectEntry(input, where, kid, alg)];
  if ('keys' in input && Array.isArray(input.keys)) {
    // A JWKS: encryption keys (`use: "enc"`) are skipped, as a verifier never uses them.
    return input.keys
      .filter((jwk) => jwk.use !== 'enc')
      .flatMap((jwk, index) => [jwkEntry(jwk, `${where}.keys[${index}]`, kid, alg)]);
  }
  if ('key' in input && !('kty' in input)) {
    const wrapped = input as { key: KeyInput; alg?: string; kid?: string };
    if (wrapped.kid !== undefined && typeof wrapped.kid !== 'string')
      throw new ConfigurationError(`${where}.kid must be a string`);
    return toVerificationKeys(wrapped.key, where, wrapped.kid ?? kid, wrapped.alg ?? alg);
  }
  if ('kty' in input) return [jwkEntry(input as JWK, where, kid, alg)];
  throw new ConfigurationError(`${where}: expected a PEM string, JWK, JWKS, KeyObject, CryptoKey or secret`);
}

function isCryptoKey(value: object): value is CryptoKey {
  // Duck-typed: a CryptoKey from another realm (a test VM, a worker) fails `instanceof`.
  return 'algorithm' in value && 'usages' in value && 'extractable' in value && 'type' in value;
}

function isKeyObject(value: object): value is KeyObjectLike {
  return 'type' in value && typeof (value as { export?: unknown }).export === 'function';
}

function secretKey(bytes: Uint8Array, where: string, kid?: string, alg?: string): VerificationKey {
  if (alg !== undefined && !alg.startsWith('HS')) {
    throw new ConfigurationError(
      `${where}: an HMAC secret cannot verify ${alg}; bind it to HS256, HS384 or HS512`,
    );
  }
  const needed = ALGORITHMS[alg ?? 'HS256']?.minSecretBytes ?? 32;
  if (bytes.length < needed) {
    // RFC 7518 §3.2: a key of the same size as the hash output (or larger) MUST be used.
    throw new ConfigurationError(
      `${where}: HMAC secret is ${bytes.length * 8} bits; ${alg ?? 'HS256'} needs at least ${needed * 8} bits (use a random secret of ${needed}+ bytes)`,
    );
  }
  const secret: Uint8Array<ArrayBuffer> = Uint8Array.from(bytes);
  return withMemoisedImports({
    kid,
    kty: 'oct',
    alg,
    jwk: undefined,
    supports: (candidate) =>
      (alg === undefined || alg === candidate) &&
      algorithmSpec(candidate)?.kty === 'oct' &&
      secret.length >= (ALGORITHMS[candidate]?.minSecretBytes ?? Infinity),
    importKey: (candidate) =>
      crypto.subtle.importKey('raw', secret, importParams(candidate), false, ['verify']),
  });
}

function pemKey(pem: string, where: string, kid?: string, alg?: string): VerificationKey {
  let info;
  try {
    info = readPemPublicKey(pem);
  } catch (error) {
    throw new ConfigurationError(`${where}: unusable PEM (${(error as Error).message})`);
  }
  if (info.kty === 'RSA') checkRsa(info.modulusBits ?? 0, where, info.standardExponent !== false);
  const { der, kty, crv } = info;
  checkBoundAlg(alg, kty, crv, where);
  return withMemoisedImports({
    kid,
    kty,
    alg,
    jwk: undefined,
    supports: (candidate) => keyFits(candidate, kty, crv, alg),
    importKey: (candidate) =>
      crypto.subtle.importKey('spki', der, importParams(candidate, crv), false, ['verify']),
  });
}

function cryptoKeyEntry(key: CryptoKey, where: string, kid?: string, alg?: string): VerificationKey {
  if (key.type === 'private')
    throw new ConfigurationError(`${where}: a private CryptoKey was given; pass the public key`);
  if (!key.usages.includes('verify'))
    throw new ConfigurationError(`${where}: the CryptoKey is not usable for "verify"`);
  const algorithm = key.algorithm as {
    name: string;
    modulusLength?: number;
    length?: number;
    namedCurve?: string;
  };
  const kty: KeyType | undefined =
    algorithm.name === 'HMAC'
      ? 'oct'
      : algorithm.name === 'RSASSA-PKCS1-v1_5' || algorithm.name === 'RSA-PSS'
        ? 'RSA'
        : algorithm.name === 'ECDSA'
          ? 'EC'
          : algorithm.name === 'Ed25519' || algorithm.name === 'Ed448'
            ? 'OKP'
            : undefined;
  if (!kty)
    throw new ConfigurationError(`${where}: CryptoKey algorithm ${algorithm.name} cannot verify a JWS`);
  if (kty === 'RSA') checkRsa(algorithm.modulusLength ?? 0, where, true);
  if (kty === 'oct' && (algorithm.length ?? 0) < 256) {
    throw new ConfigurationError(
      `${where}: HMAC key is ${algorithm.length ?? 0} bits; at least 256 bits are required`,
    );
  }
  const supports = (candidate: string): boolean =>
    (alg === undefined || alg === candidate) &&
    cryptoKeyFits(key, candidate) &&
    (kty !== 'oct' || (algorithm.length ?? 0) >= (ALGORITHMS[candidate]?.minSecretBytes ?? Infinity) * 8);
  if (!Object.keys(ALGORITHMS).some(supports)) {
    throw new ConfigurationError(
      `${where}: the CryptoKey cannot verify ${alg ?? 'any supported JWS algorithm'}`,
    );
  }
  return { kid, kty, alg, jwk: undefined, supports, importFor: async () => key };
}

function keyObjectEntry(key: KeyObjectLike, where: string, kid?: string, alg?: string): VerificationKey {
  if (key.type === 'private')
    throw new ConfigurationError(`${where}: a private KeyObject was given; pass createPublicKey(privateKey)`);
  if (key.type === 'secret') {
    const raw = key.export();
    if (!(raw instanceof Uint8Array))
      throw new ConfigurationError(`${where}: could not export the secret KeyObject`);
    return secretKey(raw, where, kid, alg);
  }
  return jwkEntry(key.export({ format: 'jwk' }) as JWK, where, kid, alg);
}

function jwkEntry(jwk: JWK, where: string, kid?: string, alg?: string): VerificationKey {
  if (jwk === null || typeof jwk !== 'object') throw new ConfigurationError(`${where}: not a JWK`);
  const boundAlg = alg ?? jwk.alg;
  if (alg !== undefined && jwk.alg !== undefined && jwk.alg !== alg) {
    throw new ConfigurationError(`${where}: the JWK is bound to ${jwk.alg}, not ${alg}`);
  }
  const keyId = kid ?? (typeof jwk.kid === 'string' ? jwk.kid : undefined);
  if (jwk.kty === 'oct') {
    if (typeof jwk.k !== 'string') throw new ConfigurationError(`${where}: oct JWK without "k"`);
    return secretKey(base64urlBytes(jwk.k), where, keyId, boundAlg);
  }
  const reason = jwkRejectionReason(jwk);
  if (reason) {
    const hint = reason.startsWith('private')
      ? ' (pass the public JWK: drop "d" and the other private members)'
      : '';
    throw new ConfigurationError(`${where}: JWK refused: ${reason}${hint}`);
  }
  checkBoundAlg(boundAlg, jwk.kty as KeyType, jwk.crv, where);
  return verificationKeyFromJwk({ ...jwk, kid: keyId, alg: boundAlg });
}

function checkRsa(bits: number, where: string, standardExponent: boolean): void {
  if (bits < MIN_RSA_MODULUS_BITS) {
    throw new ConfigurationError(
      `${where}: RSA key is ${bits} bits; at least ${MIN_RSA_MODULUS_BITS} bits are required`,
    );
  }
  if (!standardExponent) throw new ConfigurationError(`${where}: RSA public exponent must be 65537`);
}

function checkBoundAlg(alg: string | undefined, kty: KeyType, crv: string | undefined, where: string): void {
  if (alg !== undefined && !keyFits(alg, kty, crv, undefined)) {
    throw new ConfigurationError(`${where}: a ${kty}${crv ? ` ${crv}` : ''} key cannot verify ${alg}`);
  }
}

function base64urlBytes(value: string): Uint8Array {
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
}
