// JWS `alg` → Web Crypto algorithm parameters (RFC 7518 §3, RFC 8037 §3.1). Used to import keys for one
// algorithm and to verify with it; kept apart from the signature seam so key sources can share it.

type HashName = 'SHA-256' | 'SHA-384' | 'SHA-512';

const HASH: Readonly<Record<string, HashName>> = { '256': 'SHA-256', '384': 'SHA-384', '512': 'SHA-512' };

function hashOf(alg: string): HashName {
  const hash = HASH[alg.slice(-3)];
  if (!hash) throw new TypeError(`unsupported algorithm ${alg}`);
  return hash;
}

/** Parameters for `crypto.subtle.importKey` of a key that will verify `alg` (`crv` for EdDSA keys). */
export function importParams(
  alg: string,
  crv?: string,
): AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams | HmacImportParams {
  switch (alg.slice(0, 2)) {
    case 'HS':
      return { name: 'HMAC', hash: hashOf(alg) };
    case 'RS':
      return { name: 'RSASSA-PKCS1-v1_5', hash: hashOf(alg) };
    case 'PS':
      return { name: 'RSA-PSS', hash: hashOf(alg) };
    case 'ES':
      return { name: 'ECDSA', namedCurve: alg === 'ES256' ? 'P-256' : alg === 'ES384' ? 'P-384' : 'P-521' };
    default:
      if (alg === 'Ed25519') return { name: 'Ed25519' };
      if (alg === 'EdDSA') return { name: crv === 'Ed448' ? 'Ed448' : 'Ed25519' };
      throw new TypeError(`unsupported algorithm ${alg}`);
  }
}

/** Parameters for `crypto.subtle.verify` with `alg`. */
export function verifyParams(alg: string, key: CryptoKey): AlgorithmIdentifier | RsaPssParams | EcdsaParams {
  switch (alg.slice(0, 2)) {
    case 'PS':
      // RFC 7518 §3.5: the salt is as long as the hash output.
      return { name: 'RSA-PSS', saltLength: Number(alg.slice(-3)) / 8 };
    case 'ES':
      return { name: 'ECDSA', hash: hashOf(alg) };
    default:
      return key.algorithm;
  }
}

/** Whether an existing CryptoKey was imported for exactly the algorithm `alg` needs. */
export function cryptoKeyFits(key: CryptoKey, alg: string): boolean {
  let expected: ReturnType<typeof importParams>;
  try {
    expected = importParams(alg, (key.algorithm as { name: string }).name);
  } catch {
    return false;
  }
  const actual = key.algorithm as { name: string; hash?: { name: string }; namedCurve?: string };
  const wanted = expected as { name: string; hash?: string; namedCurve?: string };
  if (actual.name !== wanted.name) return false;
  if (wanted.hash !== undefined && actual.hash?.name !== wanted.hash) return false;
  if (wanted.namedCurve !== undefined && actual.namedCurve !== wanted.namedCurve) return false;
  return true;
}
