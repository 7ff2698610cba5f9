// What a DPoP client holds (RFC 9449): a key pair that never leaves it, and a fresh proof for every request,
// signed with that key and naming the method, the URI and (at an API) the hash of the access token. Made
// with node:crypto here; browsers and apps use a library such as `dpop` or `oauth4webapi`.
import { createHash, generateKeyPairSync, randomUUID, sign, type JsonWebKey } from 'node:crypto';

export interface DpopKey {
  /** The proof for one request. */
  proof(method: string, url: string, accessToken?: string): string;
}

/** `clock`: the client's clock in milliseconds (the demo's virtual time, which the servers share). */
export function createDpopKey(clock: () => number = Date.now): DpopKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { kty, crv, x, y } = publicKey.export({ format: 'jwk' }) as JsonWebKey;
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ typ: 'dpop+jwt', alg: 'ES256', jwk: { kty, crv, x, y } });
  return {
    proof(method, url, accessToken) {
      const claims = {
        jti: randomUUID(),
        htm: method,
        htu: url.split(/[?#]/)[0],
        iat: Math.floor(clock() / 1000),
        ...(accessToken !== undefined
          ? { ath: createHash('sha256').update(accessToken).digest('base64url') }
          : {}),
      };
      const input = `${header}.${encode(claims)}`;
      const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
      return `${input}.${signature.toString('base64url')}`;
    },
  };
}
