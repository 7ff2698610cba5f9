// Hand-built tokens for hostile-input tests: header and payload are taken as given (objects, or raw JSON
// text so duplicate members and odd spellings survive), then signed with Web Crypto directly, so a test
// can produce exactly the bytes an attacker would send.

export type Signer = (signingInput: Uint8Array) => Promise<Uint8Array>;

export function b64url(input: Uint8Array | string): string {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function segment(value: object | string): string {
  return b64url(typeof value === 'string' ? value : JSON.stringify(value));
}

export interface ForgeInput {
  header: object | string;
  payload: object | string;
  /** Signs the signing input; omitted → an empty signature segment is not allowed, so "AAAA" is used. */
  signer?: Signer;
}

export async function forge({ header, payload, signer }: ForgeInput): Promise<string> {
  const signingInput = `${segment(header)}.${segment(payload)}`;
  const signature = signer ? b64url(await signer(new TextEncoder().encode(signingInput))) : 'AAAA';
  return `${signingInput}.${signature}`;
}

/** Web Crypto sign parameters for a JWS alg (independent of the code under test). */
export function signParams(alg: string): AlgorithmIdentifier | RsaPssParams | EcdsaParams {
  const bits = Number(alg.slice(-3));
  const hash = `SHA-${bits}`;
  if (alg.startsWith('PS')) return { name: 'RSA-PSS', saltLength: bits / 8 };
  if (alg.startsWith('ES')) return { name: 'ECDSA', hash };
  if (alg.startsWith('RS')) return { name: 'RSASSA-PKCS1-v1_5' };
  if (alg.startsWith('HS')) return { name: 'HMAC' };
  return { name: 'Ed25519' };
}

export function signerFor(privateKey: CryptoKey, alg: string): Signer {
  return async (input) =>
    new Uint8Array(await crypto.subtle.sign(signParams(alg), privateKey, input as Uint8Array<ArrayBuffer>));
}

/** An HMAC signer keyed with arbitrary bytes (e.g. a public key's PEM text, for the RS256→HS256 attack). */
export async function hmacSigner(secret: Uint8Array, alg = 'HS256'): Promise<Signer> {
  const key = await crypto.subtle.importKey(
    'raw',
    secret as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: `SHA-${alg.slice(-3)}` },
    false,
    ['sign'],
  );
  return signerFor(key, alg);
}
