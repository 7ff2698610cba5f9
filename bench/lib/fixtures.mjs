// Keys and tokens for the benchmarks, made with node:crypto so setup is fast and independent of every
// library under test. Tokens look like real access tokens (RFC 9068 claims, ~940 bytes for RS256).
import { constants, createHmac, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';

export const ISSUER = 'https://auth.bench.example/';
export const AUDIENCE = 'https://api.bench.example';
export const ALGORITHMS = ['HS256', 'RS256', 'PS256', 'ES256', 'EdDSA'];
const DIGEST = { HS256: 'sha256', RS256: 'sha256', PS256: 'sha256', ES256: 'sha256', EdDSA: null };

/** A key pair for `alg`: `privateKey`/`publicKey` KeyObjects (secret for HS256), its public JWK, a signer. */
export function makeKey(alg, kid = `bench-${alg.toLowerCase()}`) {
  if (alg === 'HS256') {
    const secret = randomBytes(32);
    return {
      alg,
      kid,
      secret,
      jwk: { kty: 'oct', k: secret.toString('base64url'), kid, alg },
      sign: (input) => createHmac('sha256', secret).update(input).digest(),
    };
  }
  const { privateKey, publicKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  const options =
    alg === 'PS256'
      ? { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }
      : alg === 'ES256'
        ? { key: privateKey, dsaEncoding: 'ieee-p1363' }
        : privateKey;
  return {
    alg,
    kid,
    privateKey,
    publicKey,
    pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    jwk,
    sign: (input) => sign(DIGEST[alg], input, options),
  };
}

/** One signed access token; `index` makes each of a rotating set distinct. */
export function makeToken(key, index = 0, nowSeconds = Math.floor(Date.now() / 1000)) {
  const header = { alg: key.alg, typ: 'at+jwt', kid: key.kid };
  const payload = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: `user-${String(100000 + index)}`,
    client_id: 'bench-client-0123456789',
    iat: nowSeconds,
    nbf: nowSeconds - 1,
    exp: nowSeconds + 3600,
    jti: randomUUID(),
    scope: 'openid profile email read:items write:items read:orders',
    auth_time: nowSeconds - 60,
    acr: 'urn:mace:incommon:iap:silver',
    amr: ['pwd', 'otp'],
    'https://bench.example/tenant': 'tenant-42',
    'https://bench.example/roles': ['reader', 'writer'],
  };
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(payload))}`;
  return `${input}.${key.sign(Buffer.from(input)).toString('base64url')}`;
}

export function makeTokens(key, count) {
  const now = Math.floor(Date.now() / 1000);
  return Array.from({ length: count }, (_, index) => makeToken(key, index, now));
}

function b64(text) {
  return Buffer.from(text).toString('base64url');
}
