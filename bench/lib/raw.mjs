// "The limit": what verifying a JWT costs with nothing but node:crypto — one-shot verify on a KeyObject
// imported once, one JSON.parse per segment, and the claim checks every verifier must make. No duplicate
// member detection, no canonical base64url check, no key lookup, no events: a floor, not a product.
import { constants, createHmac, timingSafeEqual, verify } from 'node:crypto';

/** A synchronous verify function for `key` (from fixtures.makeKey) that throws on any failure. */
export function rawVerifier(key, issuer, audience) {
  const check = signatureCheck(key);
  return (token) => {
    const first = token.indexOf('.');
    const second = token.indexOf('.', first + 1);
    const header = JSON.parse(Buffer.from(token.slice(0, first), 'base64url').toString());
    if (header.alg !== key.alg) throw new Error('alg');
    if (!check(Buffer.from(token.slice(0, second)), Buffer.from(token.slice(second + 1), 'base64url'))) {
      throw new Error('signature');
    }
    const payload = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString());
    const now = Date.now() / 1000;
    if (payload.iss !== issuer) throw new Error('iss');
    if (payload.aud !== audience && !(Array.isArray(payload.aud) && payload.aud.includes(audience)))
      throw new Error('aud');
    if (typeof payload.exp !== 'number' || payload.exp <= now) throw new Error('exp');
    if (typeof payload.nbf === 'number' && payload.nbf > now) throw new Error('nbf');
    return payload;
  };
}

function signatureCheck(key) {
  switch (key.alg) {
    case 'HS256':
      return (input, signature) => {
        const mac = createHmac('sha256', key.secret).update(input).digest();
        return mac.length === signature.length && timingSafeEqual(mac, signature);
      };
    case 'PS256': {
      const options = { key: key.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
      return (input, signature) => verify('sha256', input, options, signature);
    }
    case 'ES256': {
      const options = { key: key.publicKey, dsaEncoding: 'ieee-p1363' };
      return (input, signature) => verify('sha256', input, options, signature);
    }
    case 'EdDSA':
      return (input, signature) => verify(null, input, key.publicKey, signature);
    default:
      return (input, signature) => verify('sha256', input, key.publicKey, signature);
  }
}
