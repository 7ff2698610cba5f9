// A DPoP client for the conformance suite (RFC 9449 §4.2): an ES256 key of its own and proofs signed with
// node:crypto directly, so the suite shares no code with the verifier it tests. The thumbprint comes from
// the RFC 7638 recipe written out here.
import {
  createHash,
  generateKeyPairSync,
  randomUUID,
  sign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';

type JWK = JsonWebKey;

export interface DpopClient {
  /** RFC 7638 thumbprint: what a token bound to this client carries in `cnf.jkt`. */
  jkt: string;
  /** A proof for one request; `accessToken` becomes `ath`. */
  proof(input: { htm: string; htu: string; accessToken?: string; nonce?: string }): string;
}

export async function createDpopClient(): Promise<DpopClient> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  return {
    // RFC 7638 §3.2: the required EC members in lexicographic order, as JSON without white space.
    jkt: createHash('sha256')
      .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
      .digest('base64url'),
    proof: (input) => signProof(privateKey, jwk, input),
  };
}

function signProof(
  key: KeyObject,
  jwk: JWK,
  { htm, htu, accessToken, nonce }: { htm: string; htu: string; accessToken?: string; nonce?: string },
): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const payload = {
    jti: randomUUID(),
    htm,
    htu,
    iat: Math.floor(Date.now() / 1000),
    ...(accessToken !== undefined
      ? { ath: createHash('sha256').update(accessToken).digest('base64url') }
      : {}),
    ...(nonce !== undefined ? { nonce } : {}),
  };
  const signingInput = `${encode({ typ: 'dpop+jwt', alg: 'ES256', jwk })}.${encode(payload)}`;
  const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
  return `${signingInput}.${signature.toString('base64url')}`;
}
