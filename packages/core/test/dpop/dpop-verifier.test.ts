// DPoP on the resource server (RFC 9449): every check of §4.3 failing alone with its own code, the
// downgrades of §7.2, the challenges of §7.1, nonces (§8) and replay (§11.1). Proofs and tokens are built
// by the tests (support/dpop.ts), hostile ones byte by byte.
import {
  ConfigurationError,
  createDpopProofVerifier,
  createGuard,
  createMemoryReplayStore,
  createVerifier,
  isJwtGuardError,
  type AuthResult,
  type JwtGuardError,
  type ReplayStore,
  type RequestContext,
  type VerifierOptions,
} from '../../src/index.js';
import { ath, makeDpopKey, makeProof, type DpopKey } from '../support/dpop.js';
import { b64url, forge, hmacSigner, segment } from '../support/forge.js';
import { AUDIENCE, ISSUER, NOW, NOW_MS, claims, makeKey, signToken, type TestKey } from '../support/keys.js';

let issuerKey: TestKey;
let client: DpopKey;
let other: DpopKey;
let clockMs = NOW_MS;
const clock = (): number => clockMs;

beforeAll(async () => {
  issuerKey = await makeKey('ES256');
  client = await makeDpopKey('ES256');
  other = await makeDpopKey('ES256');
});

beforeEach(() => {
  clockMs = NOW_MS;
});

function verifierWith(dpop: VerifierOptions['dpop'] = true, extra: Partial<VerifierOptions> = {}) {
  return createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: issuerKey.jwk, clock, dpop, ...extra });
}

/** A token bound to `key` (cnf.jkt), signed by the issuer. */
const boundToken = (key: DpopKey = client, extra: Record<string, unknown> = {}) =>
  signToken(issuerKey, claims({ cnf: { jkt: key.jkt }, ...extra }));

function dpopContext(
  proof: string | string[] | undefined,
  overrides: Partial<RequestContext> = {},
): RequestContext {
  const headers: Record<string, string | string[]> = proof === undefined ? {} : { dpop: proof };
  return {
    method: 'GET',
    url: '/items?page=2',
    origin: 'https://api.test',
    scheme: 'DPoP',
    headers,
    ...overrides,
  };
}

async function refusal(promise: Promise<unknown>): Promise<JwtGuardError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isJwtGuardError(outcome)) throw new Error(`expected a refusal, got ${String(outcome)}`);
  return outcome;
}

/** Verifies a bound token with a proof built from `input` and expects the refusal `code`. */
async function refusedWith(code: string, input: Parameters<typeof makeProof>[1] = {}, key = client) {
  const verifier = verifierWith();
  const token = await boundToken();
  const proof = await makeProof(key, { accessToken: token, ...input });
  const error = await refusal(verifier.verify(token, dpopContext(proof)));
  expect(error.code).toBe(code);
  return error;
}

describe('a valid DPoP request', () => {
  test.each(['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256'])(
    '%s proof: accepted, with the thumbprint in the result',
    async (alg) => {
      const key = await makeDpopKey(alg);
      const token = await boundToken(key);
      const result = await verifierWith().verify(
        token,
        dpopContext(await makeProof(key, { accessToken: token })),
      );
      expect(result).toMatchObject({
        issuer: ISSUER,
        dpop: { jkt: key.jkt },
        payload: { cnf: { jkt: key.jkt } },
      });
      expect(result.dpop).toEqual({ jkt: key.jkt });
    },
  );

  test('extra cnf members are tolerated; the query of the request is not part of htu', async () => {
    const token = await boundToken(client, { cnf: { jkt: client.jkt, 'x-other': 1 } });
    const proof = await makeProof(client, { accessToken: token });
    await expect(verifierWith().verify(token, dpopContext(proof))).resolves.toMatchObject({
      dpop: { jkt: client.jkt },
    });
  });

  test('the token cache still checks a fresh proof on every request', async () => {
    const verifier = verifierWith(true, { cache: { tokens: { max: 10 } } });
    const token = await boundToken();
    for (let i = 0; i < 3; i++) {
      const proof = await makeProof(client, { accessToken: token });
      await expect(verifier.verify(token, dpopContext(proof))).resolves.toMatchObject({
        dpop: { jkt: client.jkt },
      });
    }
    await expect(refusal(verifier.verify(token, dpopContext(undefined)))).resolves.toMatchObject({
      code: 'ERR_DPOP_PROOF_MISSING',
    });
  });
});

describe('every check of RFC 9449 §4.3, failing alone', () => {
  test('no DPoP header, or two', async () => {
    const verifier = verifierWith();
    const token = await boundToken();
    expect((await refusal(verifier.verify(token, dpopContext(undefined)))).code).toBe(
      'ERR_DPOP_PROOF_MISSING',
    );
    const proofs = [
      await makeProof(client, { accessToken: token }),
      await makeProof(client, { accessToken: token }),
    ];
    expect((await refusal(verifier.verify(token, dpopContext(proofs)))).code).toBe('ERR_DPOP_PROOF_MULTIPLE');
  });

  test('not a compact JWS; a 20 KiB proof; a proof with crit', async () => {
    const verifier = verifierWith();
    const token = await boundToken();
    for (const proof of ['not-a-jwt', 'a.b', `${segment({ typ: 'dpop+jwt' })}.${segment('[1]')}.AAAA`]) {
      expect((await refusal(verifier.verify(token, dpopContext(proof)))).code).toBe(
        'ERR_DPOP_PROOF_MALFORMED',
      );
    }
    const huge = await makeProof(client, { accessToken: token, claims: { pad: 'x'.repeat(20 * 1024) } });
    expect(huge.length).toBeGreaterThan(20 * 1024);
    expect((await refusal(verifier.verify(token, dpopContext(huge)))).code).toBe('ERR_DPOP_PROOF_MALFORMED');
    await refusedWith('ERR_DPOP_PROOF_MALFORMED', { header: { crit: ['exp'] } });
  });

  test.each([['JWT'], ['at+jwt'], ['application/dpop+jwt'], ['DPOP+JWT'], [undefined]])(
    'typ %s is refused',
    async (typ) => {
      await refusedWith('ERR_DPOP_PROOF_TYP', { header: { typ } });
    },
  );

  test('alg none, HS256 (with the public key as secret), a listed but disallowed alg, an alg not fit for the key', async () => {
    const token = await boundToken();
    const verifier = verifierWith();
    const unsigned = `${segment({ typ: 'dpop+jwt', alg: 'none', jwk: client.jwk })}.${segment({
      jti: 'n',
      htm: 'GET',
      htu: 'https://api.test/items',
      iat: NOW,
      ath: ath(token),
    })}.`;
    expect((await refusal(verifier.verify(token, dpopContext(unsigned)))).code).toBe(
      'ERR_DPOP_PROOF_MALFORMED',
    );
    const none = `${unsigned}AAAA`;
    expect((await refusal(verifier.verify(token, dpopContext(none)))).code).toBe('ERR_DPOP_PROOF_ALG');
    const hs = await hmacSigner(new TextEncoder().encode(JSON.stringify(client.jwk)));
    await refusedWith('ERR_DPOP_PROOF_ALG', { header: { alg: 'HS256' }, signer: hs });
    const narrow = verifierWith({ algorithms: ['EdDSA'] });
    const proof = await makeProof(client, { accessToken: token });
    expect((await refusal(narrow.verify(token, dpopContext(proof)))).code).toBe('ERR_DPOP_PROOF_ALG');
    await refusedWith('ERR_DPOP_PROOF_ALG', { header: { alg: 'ES384' } });
  });

  test('jwk missing, not an object, carrying a private member, of an unsupported type, or too small', async () => {
    await refusedWith('ERR_DPOP_PROOF_JWK', { header: { jwk: undefined } });
    await refusedWith('ERR_DPOP_PROOF_JWK', { header: { jwk: 'key' } });
    await refusedWith('ERR_DPOP_PROOF_JWK', { header: { jwk: client.privateJwk } });
    await refusedWith('ERR_DPOP_PROOF_JWK', { header: { jwk: { kty: 'oct', k: b64url('x'.repeat(32)) } } });
    const { generateKeyPairSync } = await import('node:crypto');
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    await refusedWith('ERR_DPOP_PROOF_JWK', { header: { alg: 'RS256', jwk: small } });
  });

  test("signature: made by another key than the proof's jwk, or tampered", async () => {
    await refusedWith('ERR_DPOP_PROOF_SIGNATURE', { signer: other.signer });
    const token = await boundToken();
    const proof = await makeProof(client, { accessToken: token });
    const flipped = proof.slice(0, -2) + (proof.at(-2) === 'A' ? 'B' : 'A') + proof.at(-1);
    const error = await refusal(verifierWith().verify(token, dpopContext(flipped)));
    expect(['ERR_DPOP_PROOF_SIGNATURE', 'ERR_DPOP_PROOF_MALFORMED']).toContain(error.code);
  });

  test('jti missing, empty, not a string or over 256 characters', async () => {
    for (const jti of [undefined, '', 42, 'j'.repeat(257)])
      await refusedWith('ERR_DPOP_PROOF_JTI', { claims: { jti } });
  });

  test('htm: another method, or the same in lower case', async () => {
    await refusedWith('ERR_DPOP_PROOF_HTM', { htm: 'POST' });
    await refusedWith('ERR_DPOP_PROOF_HTM', { htm: 'get' });
    await refusedWith('ERR_DPOP_PROOF_HTM', { claims: { htm: undefined } });
  });

  test.each([
    ['another path', 'https://api.test/other'],
    ['the path in another case', 'https://api.test/ITEMS'],
    ['another port', 'https://api.test:8443/items'],
    ['another scheme', 'http://api.test/items'],
    ['a trailing dot on the host', 'https://api.test./items'],
    ['another host', 'https://evil.test/items'],
    ['a relative URI', '/items'],
    ['white space', 'https://api.test/items '],
    ['a backslash', 'https://api.test\\items'],
    ['userinfo', 'https://user@api.test/items'],
  ])('htu with %s is refused', async (_what, htu) => {
    await refusedWith('ERR_DPOP_PROOF_HTU', { htu });
  });

  test.each([
    ['the host in upper case', 'https://API.TEST/items'],
    ['the scheme in upper case', 'HTTPS://api.test/items'],
    ['the default port', 'https://api.test:443/items'],
    ['a percent-encoded unreserved character', 'https://api.test/%69tems'],
    ['a query (ignored)', 'https://api.test/items?page=1'],
    ['a fragment (ignored)', 'https://api.test/items#top'],
  ])('htu with %s is the same URI after RFC 3986 §6 normalisation', async (_what, htu) => {
    const token = await boundToken();
    const proof = await makeProof(client, { accessToken: token, htu });
    await expect(verifierWith().verify(token, dpopContext(proof))).resolves.toMatchObject({
      dpop: { jkt: client.jkt },
    });
  });

  test('iat: in the future or in the past beyond proofMaxAge, either way; clockTolerance does not widen it', async () => {
    const wide = { clockTolerance: '10m' };
    for (const iat of [NOW + 61, NOW - 61, NOW + 3600, undefined, '1800000000']) {
      const token = await boundToken();
      const proof = await makeProof(client, { accessToken: token, claims: { iat } });
      expect((await refusal(verifierWith(true, wide).verify(token, dpopContext(proof)))).code).toBe(
        'ERR_DPOP_PROOF_IAT',
      );
    }
    for (const iat of [NOW + 59, NOW - 59]) {
      const token = await boundToken();
      const proof = await makeProof(client, { accessToken: token, claims: { iat } });
      await expect(verifierWith().verify(token, dpopContext(proof))).resolves.toMatchObject({
        dpop: { jkt: client.jkt },
      });
    }
    const token = await boundToken();
    const proof = await makeProof(client, { accessToken: token, claims: { iat: NOW - 200 } });
    await expect(
      verifierWith({ proofMaxAge: '5m' }).verify(token, dpopContext(proof)),
    ).resolves.toMatchObject({ dpop: { jkt: client.jkt } });
  });

  test('ath: missing, or the hash of another token', async () => {
    const verifier = verifierWith();
    const token = await boundToken();
    const noAth = await makeProof(client);
    expect((await refusal(verifier.verify(token, dpopContext(noAth)))).code).toBe('ERR_DPOP_PROOF_ATH');
    const otherToken = await boundToken();
    const wrong = await makeProof(client, { accessToken: otherToken });
    expect((await refusal(verifier.verify(token, dpopContext(wrong)))).code).toBe('ERR_DPOP_PROOF_ATH');
  });

  test('cnf.jkt of another key: a valid proof by a key the token is not bound to', async () => {
    const verifier = verifierWith();
    const token = await boundToken(client);
    const proof = await makeProof(other, { accessToken: token });
    expect((await refusal(verifier.verify(token, dpopContext(proof)))).code).toBe('ERR_DPOP_KEY_MISMATCH');
  });

  test('a replayed proof is refused on the same instance, and a proof refused earlier does not use up its jti', async () => {
    const verifier = verifierWith();
    const token = await boundToken();
    const proof = await makeProof(client, { accessToken: token });
    const wrongMethod = dpopContext(proof, { method: 'POST' });
    expect((await refusal(verifier.verify(token, wrongMethod))).code).toBe('ERR_DPOP_PROOF_HTM');
    await expect(verifier.verify(token, dpopContext(proof))).resolves.toMatchObject({
      dpop: { jkt: client.jkt },
    });
    expect((await refusal(verifier.verify(token, dpopContext(proof)))).code).toBe('ERR_DPOP_PROOF_REPLAYED');
  });
});

describe('downgrades (RFC 9449 §7.2)', () => {
  test('a bound token sent as Bearer is refused, with DPoP on and with it off', async () => {
    const token = await boundToken();
    for (const verifier of [verifierWith(), verifierWith(false)]) {
      const error = await refusal(verifier.verify(token, { method: 'GET', url: '/items', headers: {} }));
      expect(error.code).toBe('ERR_DPOP_BOUND_TOKEN_AS_BEARER');
      expect(error.status).toBe(401);
    }
  });

  test('a DPoP proof for an unbound token is refused', async () => {
    const token = await signToken(issuerKey, claims());
    const proof = await makeProof(client, { accessToken: token });
    expect((await refusal(verifierWith().verify(token, dpopContext(proof)))).code).toBe(
      'ERR_DPOP_TOKEN_NOT_BOUND',
    );
  });

  test('a DPoP header with a Bearer credential is a 400', async () => {
    const token = await signToken(issuerKey, claims());
    const proof = await makeProof(client, { accessToken: token });
    const error = await refusal(verifierWith().verify(token, { ...dpopContext(proof), scheme: undefined }));
    expect(error).toMatchObject({ status: 400, code: 'ERR_INVALID_REQUEST' });
  });

  test('required: an unbound Bearer token is refused with a DPoP challenge; optional (default): it passes', async () => {
    const token = await signToken(issuerKey, claims());
    const bearer = { method: 'GET', url: '/items', headers: {} };
    await expect(verifierWith().verify(token, bearer)).resolves.toMatchObject({ payload: { sub: 'user-1' } });
    const error = await refusal(verifierWith({ required: true }).verify(token, bearer));
    expect(error.code).toBe('ERR_DPOP_REQUIRED');
    expect(error.headers['WWW-Authenticate']).toBe(
      'DPoP error="invalid_token", error_description="This resource accepts DPoP tokens only", algs="ES256 EdDSA Ed25519 PS256 RS256"',
    );
  });
});

describe('challenges (RFC 9449 §7.1)', () => {
  test('a proof failure is a DPoP invalid_dpop_proof challenge naming the accepted algorithms', async () => {
    const error = await refusedWith('ERR_DPOP_PROOF_HTM', { htm: 'POST' });
    expect(error.status).toBe(401);
    expect(error.headers['WWW-Authenticate']).toBe(
      'DPoP error="invalid_dpop_proof", error_description="DPoP proof htm does not match the request", algs="ES256 EdDSA Ed25519 PS256 RS256"',
    );
    expect(error.toJSON()).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'DPoP proof htm does not match the request',
    });
  });

  test('a token failure under the DPoP scheme is a DPoP invalid_token challenge', async () => {
    const token = await boundToken(client, { exp: NOW - 600 });
    const proof = await makeProof(client, { accessToken: token });
    const error = await refusal(verifierWith({ algorithms: ['ES256'] }).verify(token, dpopContext(proof)));
    expect(error.code).toBe('ERR_JWT_EXPIRED');
    expect(error.headers['WWW-Authenticate']).toBe(
      'DPoP error="invalid_token", error_description="Token has expired", algs="ES256"',
    );
  });

  test('no credentials: Bearer and DPoP challenges when DPoP is optional, DPoP alone when required', async () => {
    const request = { method: 'GET', url: '/items', headers: {}, source: undefined };
    const optional = createGuard({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: issuerKey.jwk,
      dpop: true,
      realm: 'api',
    });
    const none = await refusal(optional.authenticate(request));
    expect(none.headers['WWW-Authenticate']).toBe(
      'Bearer realm="api", DPoP realm="api", algs="ES256 EdDSA Ed25519 PS256 RS256"',
    );
    const required = createGuard({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: issuerKey.jwk,
      dpop: { required: true },
    });
    expect((await refusal(required.authenticate(request))).headers['WWW-Authenticate']).toBe(
      'DPoP algs="ES256 EdDSA Ed25519 PS256 RS256"',
    );
    const off = createGuard({ issuer: ISSUER, audience: AUDIENCE, keys: issuerKey.jwk });
    expect((await refusal(off.authenticate(request))).headers['WWW-Authenticate']).toBe('Bearer');
  });

  test('the guard reads Authorization: DPoP only with dpop on; otherwise the request carries no token', async () => {
    const token = await boundToken();
    const proof = await makeProof(client, { accessToken: token, htu: 'https://api.test/items' });
    const request = {
      method: 'GET',
      url: '/items',
      origin: 'https://api.test',
      headers: { authorization: `DPoP ${token}`, dpop: proof },
      source: undefined,
    };
    const on = createGuard({ issuer: ISSUER, audience: AUDIENCE, keys: issuerKey.jwk, clock, dpop: true });
    await expect(on.authenticate(request)).resolves.toMatchObject({ dpop: { jkt: client.jkt } });
    const off = createGuard({ issuer: ISSUER, audience: AUDIENCE, keys: issuerKey.jwk, clock });
    expect((await refusal(off.authenticate(request))).code).toBe('ERR_TOKEN_MISSING');
  });
});

describe('server nonces (RFC 9449 §8)', () => {
  const secret = 'a shared nonce secret of at least 32 bytes';

  async function nonceFrom(verifier: ReturnType<typeof verifierWith>): Promise<string> {
    const token = await boundToken();
    const error = await refusal(
      verifier.verify(token, dpopContext(await makeProof(client, { accessToken: token }))),
    );
    expect(error.code).toBe('ERR_DPOP_NONCE_REQUIRED');
    expect(error.headers['WWW-Authenticate']).toContain('DPoP error="use_dpop_nonce"');
    const nonce = error.headers['DPoP-Nonce'];
    expect(typeof nonce).toBe('string');
    return nonce as string;
  }

  test('a proof without a nonce gets use_dpop_nonce and a fresh nonce; with it the request passes and carries the next', async () => {
    const verifier = verifierWith({ nonce: { secret } });
    const nonce = await nonceFrom(verifier);
    const token = await boundToken();
    const proof = await makeProof(client, { accessToken: token, claims: { nonce } });
    const result = await verifier.verify(token, dpopContext(proof));
    expect(result.dpop).toEqual({ jkt: client.jkt, nonce });
  });

  test('another instance with the same secret accepts the nonce; one with another secret does not', async () => {
    const nonce = await nonceFrom(verifierWith({ nonce: { secret } }));
    const token = await boundToken();
    const sibling = verifierWith({ nonce: { secret } });
    await expect(
      sibling.verify(token, dpopContext(await makeProof(client, { accessToken: token, claims: { nonce } }))),
    ).resolves.toMatchObject({ dpop: { jkt: client.jkt } });
    const stranger = verifierWith({ nonce: { secret: `${secret} but another one` } });
    const error = await refusal(
      stranger.verify(token, dpopContext(await makeProof(client, { accessToken: token, claims: { nonce } }))),
    );
    expect(error.code).toBe('ERR_DPOP_NONCE_REQUIRED');
  });

  test('a nonce two windows old has expired; one window old is still accepted', async () => {
    const verifier = verifierWith({ nonce: { secret, window: '1m' } });
    const nonce = await nonceFrom(verifier);
    clockMs += 60_000;
    let token = await boundToken(client, { iat: clockMs / 1000 - 1, exp: clockMs / 1000 + 600 });
    const iat = clockMs / 1000;
    await expect(
      verifier.verify(
        token,
        dpopContext(await makeProof(client, { accessToken: token, claims: { nonce, iat } })),
      ),
    ).resolves.toMatchObject({ dpop: { jkt: client.jkt } });
    clockMs += 60_000;
    token = await boundToken(client, { iat: clockMs / 1000 - 1, exp: clockMs / 1000 + 600 });
    const later = await makeProof(client, { accessToken: token, claims: { nonce, iat: clockMs / 1000 } });
    const error = await refusal(verifier.verify(token, dpopContext(later)));
    expect(error.code).toBe('ERR_DPOP_NONCE_REQUIRED');
    expect(error.headers['DPoP-Nonce']).not.toBe(nonce);
  });

  test('forged nonces are refused', async () => {
    const verifier = verifierWith({ nonce: { secret } });
    const real = await nonceFrom(verifier);
    for (const nonce of [`${real.split('.')[0]}.${b64url('x'.repeat(32))}`, 'garbage', 42, `${real}x`]) {
      const token = await boundToken();
      const proof = await makeProof(client, { accessToken: token, claims: { nonce } });
      expect((await refusal(verifier.verify(token, dpopContext(proof)))).code).toBe(
        'ERR_DPOP_NONCE_REQUIRED',
      );
    }
  });
});

describe('replay store', () => {
  test('markUsed gets the proof id scoped by the key thumbprint and the end of the window', async () => {
    const seen: Array<[string, number]> = [];
    const replayStore: ReplayStore = { markUsed: (id, expiresAt) => (seen.push([id, expiresAt]), true) };
    const token = await boundToken();
    const proof = await makeProof(client, { accessToken: token, claims: { jti: 'the-jti' } });
    await verifierWith({ replayStore }).verify(token, dpopContext(proof));
    expect(seen).toEqual([[`${client.jkt}:the-jti`, NOW + 60]]);
  });

  test('a store that throws, rejects or does not answer in time: 503 with Retry-After, never an accept', async () => {
    const stores: ReplayStore[] = [
      {
        markUsed: () => {
          throw new Error('down');
        },
      },
      { markUsed: () => Promise.reject(new Error('down')) },
      { markUsed: () => new Promise<boolean>(() => undefined) },
    ];
    for (const replayStore of stores) {
      const token = await boundToken();
      const proof = await makeProof(client, { accessToken: token });
      const error = await refusal(verifierWith({ replayStore }).verify(token, dpopContext(proof)));
      expect(error).toMatchObject({ status: 503, code: 'ERR_DPOP_REPLAY_STORE_UNAVAILABLE' });
      expect(error.headers['Retry-After']).toBe('5');
    }
  });

  test("the store's answer is bounded by the verifier's denylistTimeout", async () => {
    const slow: ReplayStore = {
      markUsed: () => new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 100)),
    };
    const token = await boundToken();
    const tight = verifierWith({ replayStore: slow }, { denylistTimeout: '20ms' });
    const error = await refusal(
      tight.verify(token, dpopContext(await makeProof(client, { accessToken: token }))),
    );
    expect(error.code).toBe('ERR_DPOP_REPLAY_STORE_UNAVAILABLE');
    const roomy = verifierWith({ replayStore: slow });
    await expect(
      roomy.verify(token, dpopContext(await makeProof(client, { accessToken: token }))),
    ).resolves.toMatchObject({ dpop: { jkt: client.jkt } });
  });

  test('the memory store: a full store refuses (503) rather than forgets; expired ids make room', () => {
    let now = NOW_MS;
    const store = createMemoryReplayStore({ maxEntries: 2, clock: () => now });
    expect(store.markUsed('a', NOW + 60)).toBe(true);
    expect(store.markUsed('a', NOW + 60)).toBe(false);
    expect(store.markUsed('b', NOW + 120)).toBe(true);
    expect(() => store.markUsed('c', NOW + 60)).toThrow(RangeError);
    now += 61_000;
    // 'a' has expired and makes room; 'b' is still live.
    expect(store.markUsed('c', NOW + 200)).toBe(true);
    expect(store.size).toBe(2);
    expect(() => store.markUsed('d', NOW + 200)).toThrow(RangeError);
    expect(store.markUsed('b', NOW + 200)).toBe(false);
    expect(() => createMemoryReplayStore({ maxEntrys: 2 } as never)).toThrow('did you mean "maxEntries"?');
  });
});

describe('options', () => {
  test('unknown names, symmetric or unknown algorithms, and an unusable publicUrl are refused at construction', () => {
    expect(() => verifierWith({ requierd: true } as never)).toThrow('did you mean "required"?');
    for (const algorithms of [['HS256'], ['none'], ['XX1'], []]) {
      expect(() => verifierWith({ algorithms })).toThrow(ConfigurationError);
    }
    for (const publicUrl of ['api.test', 'ftp://api.test', 'https://api.test/?x=1']) {
      expect(() => verifierWith({ publicUrl })).toThrow(ConfigurationError);
    }
    expect(() => verifierWith({ nonce: { secret: 'short' } })).toThrow('at least 32 bytes');
    expect(() => verifierWith({ proofMaxAge: 0 })).toThrow(ConfigurationError);
  });

  test('publicUrl replaces the request origin (TLS terminated by a proxy), path prefix included', async () => {
    const verifier = verifierWith({ publicUrl: 'https://public.example/api/' });
    const token = await boundToken();
    const proof = await makeProof(client, { accessToken: token, htu: 'https://public.example/api/items' });
    const context = dpopContext(proof, { origin: 'http://10.0.0.5:8080' });
    await expect(verifier.verify(token, context)).resolves.toMatchObject({ dpop: { jkt: client.jkt } });
    const atOrigin = await makeProof(client, { accessToken: token, htu: 'http://10.0.0.5:8080/items' });
    expect(
      (await refusal(verifier.verify(token, dpopContext(atOrigin, { origin: 'http://10.0.0.5:8080' })))).code,
    ).toBe('ERR_DPOP_PROOF_HTU');
  });

  test('the verifier exposes its DPoP challenge; without dpop it has none', () => {
    expect(verifierWith({ algorithms: ['EdDSA'], required: true }).dpop).toEqual({
      algorithms: ['EdDSA'],
      required: true,
    });
    expect(verifierWith(false).dpop).toBeUndefined();
  });
});

test('a proof the attacker built with a known jwk but signed by another key (forge)', async () => {
  const token = await boundToken();
  const proof = await forge({
    header: { typ: 'dpop+jwt', alg: 'ES256', jwk: client.jwk },
    payload: { jti: 'x', htm: 'GET', htu: 'https://api.test/items', iat: NOW, ath: ath(token) },
    signer: other.signer,
  });
  const result: AuthResult | JwtGuardError = await verifierWith()
    .verify(token, dpopContext(proof))
    .catch((e: JwtGuardError) => e);
  expect(result).toMatchObject({ code: 'ERR_DPOP_PROOF_SIGNATURE' });
});

describe('createDpopProofVerifier (for a token endpoint)', () => {
  const url = 'https://auth.test/token';

  test('checks the proof of a request without an access token and answers the key thumbprint', async () => {
    const proofs = createDpopProofVerifier({ clock });
    const proof = await makeProof(client, { htm: 'POST', htu: url });
    await expect(proofs.verify({ method: 'POST', url, headers: { DPoP: proof } })).resolves.toEqual({
      jkt: client.jkt,
    });
    await expect(proofs.verify({ method: 'POST', url, headers: { DPoP: proof } })).rejects.toMatchObject({
      code: 'ERR_DPOP_PROOF_REPLAYED',
    });
    const elsewhere = await makeProof(client, { htm: 'POST', htu: 'https://auth.test/other' });
    await expect(proofs.verify({ method: 'POST', url, headers: { dpop: elsewhere } })).rejects.toMatchObject({
      code: 'ERR_DPOP_PROOF_HTU',
    });
  });

  test('boundTo: a refresh bound to a key needs a proof by that key', async () => {
    const proofs = createDpopProofVerifier({ clock });
    const proof = await makeProof(other, { htm: 'POST', htu: url });
    await expect(
      proofs.verify({ method: 'POST', url, headers: { dpop: proof }, boundTo: client.jkt }),
    ).rejects.toMatchObject({ code: 'ERR_DPOP_KEY_MISMATCH' });
  });

  test('nonces: use_dpop_nonce first, then accepted with the nonce; unknown options refused', async () => {
    const proofs = createDpopProofVerifier({
      clock,
      nonce: { secret: 'a shared nonce secret of at least 32 bytes' },
    });
    const nonce = await proofs.nonce();
    const without = await makeProof(client, { htm: 'POST', htu: url });
    await expect(proofs.verify({ method: 'POST', url, headers: { dpop: without } })).rejects.toMatchObject({
      code: 'ERR_DPOP_NONCE_REQUIRED',
      nonce,
    });
    const withNonce = await makeProof(client, { htm: 'POST', htu: url, claims: { nonce } });
    await expect(proofs.verify({ method: 'POST', url, headers: { dpop: withNonce } })).resolves.toEqual({
      jkt: client.jkt,
      nonce,
    });
    expect(() => createDpopProofVerifier({ nonces: true } as never)).toThrow('did you mean "nonce"?');
  });
});
