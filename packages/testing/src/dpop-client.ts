// A DPoP client for users' own tests (RFC 9449): a key pair, proofs signed with it through Web Crypto (§4.2),
// and a fetch that sends a bound token with a proof of each request (§7.1) and answers a server's nonce
// challenge once (§8), as a real client library does. Nothing here uses jwtguard's verification code, so a
// test that passes proves the server under test accepts proofs made independently of it.
import { assertKnownOptions, ConfigurationError } from '@jwtguard/core';

/** The proof algorithms the client can sign with. `EdDSA` and `Ed25519` both sign with an Ed25519 key. */
export type DpopAlgorithm = 'ES256' | 'EdDSA' | 'Ed25519' | 'PS256' | 'RS256';

export interface DpopClientOptions {
  /** The proof algorithm (default 'ES256'). */
  alg?: DpopAlgorithm;
  /** Milliseconds since the epoch, for the proofs' `iat` (default Date.now); share it with the server. */
  clock?: () => number;
}

/** The members a proof's `jwk` header carries: the public key only. */
export type DpopPublicJwk = Readonly<Record<string, string>>;

export interface DpopClient {
  readonly alg: DpopAlgorithm;
  /** The public key every proof carries in its `jwk` header. */
  readonly publicJwk: DpopPublicJwk;
  /** Its RFC 7638 SHA-256 thumbprint: the `cnf.jkt` of a token bound to this client. */
  readonly jkt: string;
  /**
   * A fresh proof (new `jti`, `iat` now) for a request: `htm` is `method` as given, `htu` the URL without query
   * and fragment; with `accessToken`, `ath` is its hash (for a resource server); with `nonce`, `nonce`.
   */
  proof(method: string, url: string | URL, accessToken?: string, nonce?: string): Promise<string>;
  /**
   * `fetch` with a proof of this request in `DPoP` and, given `accessToken`, `Authorization: DPoP <token>`.
   * A 401 or 400 answer `use_dpop_nonce` with a `DPoP-Nonce` header is retried once with that nonce; the last
   * nonce each origin handed out is sent with the next request to it.
   */
  fetch(url: string | URL, init?: RequestInit, accessToken?: string): Promise<Response>;
  /** The nonce remembered for the URL's origin, if any. */
  nonceFor(url: string | URL): string | undefined;
}

const OPTION_NAMES = { alg: true, clock: true } satisfies Record<keyof DpopClientOptions, true>;

interface AlgorithmSpec {
  generate: RsaHashedKeyGenParams | EcKeyGenParams | Algorithm;
  sign: AlgorithmIdentifier | RsaPssParams | EcdsaParams;
}

const RSA = { modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };

const ALGORITHMS: Readonly<Record<DpopAlgorithm, AlgorithmSpec>> = {
  // RFC 7518 §3.4: the ECDSA signature is r || s, which is the form Web Crypto returns.
  ES256: {
    generate: { name: 'ECDSA', namedCurve: 'P-256' },
    sign: { name: 'ECDSA', hash: 'SHA-256' },
  },
  EdDSA: { generate: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
  Ed25519: { generate: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
  // RFC 7518 §3.5: PS256 uses a salt as long as the hash.
  PS256: { generate: { name: 'RSA-PSS', ...RSA }, sign: { name: 'RSA-PSS', saltLength: 32 } },
  RS256: { generate: { name: 'RSASSA-PKCS1-v1_5', ...RSA }, sign: { name: 'RSASSA-PKCS1-v1_5' } },
};

/** RFC 7638 §3.2: the required public members of each key type, in lexicographic order. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

const encoder = new TextEncoder();

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const encodeJson = (value: unknown) => base64url(encoder.encode(JSON.stringify(value)));

async function sha256(text: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text))));
}

/** RFC 9449 §4.2: `htu` is the target URI without query and fragment. */
function htuOf(url: string | URL): string {
  const target = new URL(String(url));
  target.search = '';
  target.hash = '';
  return target.href;
}

/** The method as `fetch` puts it on the wire (it upper-cases the standard ones), so `htm` matches it. */
function wireMethod(method: string | undefined): string {
  return new Request('http://localhost/', { method: method ?? 'GET' }).method;
}

/** §8: the server asks for a nonce with `use_dpop_nonce`, a 401 challenge at a resource, a 400 at a token endpoint. */
async function asksForNonce(response: Response): Promise<boolean> {
  if (response.headers.get('dpop-nonce') === null) return false;
  if (response.status === 401) {
    return /\berror="use_dpop_nonce"/.test(response.headers.get('www-authenticate') ?? '');
  }
  if (response.status !== 400) return false;
  try {
    const body = (await response.clone().json()) as { error?: unknown };
    return body.error === 'use_dpop_nonce';
  } catch {
    return false;
  }
}

/**
 * @example
 * const client = await createDpopClient();
 * const token = await testIssuer.token({ sub: 'alice' }, { dpop: client });
 * const response = await client.fetch('http://127.0.0.1:3000/items', {}, token);
 */
export async function createDpopClient(options: DpopClientOptions = {}): Promise<DpopClient> {
  assertKnownOptions('createDpopClient()', options, Object.keys(OPTION_NAMES));
  const alg = options.alg ?? 'ES256';
  const spec = Object.hasOwn(ALGORITHMS, alg) ? ALGORITHMS[alg] : undefined;
  if (spec === undefined) {
    throw new ConfigurationError(
      `createDpopClient(): alg must be one of ${Object.keys(ALGORITHMS).join(', ')}; got ${JSON.stringify(alg)}`,
    );
  }
  const signParams = spec.sign;
  const clock = options.clock ?? Date.now;
  const keys = (await crypto.subtle.generateKey(spec.generate, false, ['sign', 'verify'])) as CryptoKeyPair;
  const exported = await crypto.subtle.exportKey('jwk', keys.publicKey);
  const members = THUMBPRINT_MEMBERS[exported.kty ?? ''] ?? [];
  // Only the required public members go into the header: no `key_ops`, `ext` or `alg` from the export.
  const publicJwk: Record<string, string> = {};
  for (const name of members) publicJwk[name] = String(exported[name as keyof JsonWebKey]);
  const jkt = await sha256(
    `{${members.map((name) => `"${name}":${JSON.stringify(publicJwk[name])}`).join(',')}}`,
  );
  const nonces = new Map<string, string>();

  async function proof(method: string, url: string | URL, accessToken?: string, nonce?: string) {
    const payload: Record<string, unknown> = {
      jti: crypto.randomUUID(),
      htm: method,
      htu: htuOf(url),
      iat: Math.floor(clock() / 1000),
    };
    if (accessToken !== undefined) payload.ath = await sha256(accessToken);
    if (nonce !== undefined) payload.nonce = nonce;
    const input = `${encodeJson({ typ: 'dpop+jwt', alg, jwk: publicJwk })}.${encodeJson(payload)}`;
    const signature = await crypto.subtle.sign(signParams, keys.privateKey, encoder.encode(input));
    return `${input}.${base64url(new Uint8Array(signature))}`;
  }

  async function send(url: URL, init: RequestInit, accessToken: string | undefined): Promise<Response> {
    const headers = new Headers(init.headers);
    if (accessToken !== undefined) headers.set('authorization', `DPoP ${accessToken}`);
    headers.set('dpop', await proof(wireMethod(init.method), url, accessToken, nonces.get(url.origin)));
    const response = await fetch(url, { ...init, headers });
    const next = response.headers.get('dpop-nonce');
    if (next !== null) nonces.set(url.origin, next);
    return response;
  }

  return {
    alg,
    publicJwk: Object.freeze(publicJwk),
    jkt,
    proof,
    async fetch(url, init = {}, accessToken) {
      const target = new URL(String(url));
      const response = await send(target, init, accessToken);
      // A stream body has been read by the first request and cannot be sent again.
      if (init.body instanceof ReadableStream || !(await asksForNonce(response))) return response;
      await response.body?.cancel();
      return send(target, init, accessToken);
    },
    nonceFor: (url) => nonces.get(new URL(String(url)).origin),
  };
}
