// Certificate-bound access tokens on the resource server (RFC 8705 §3): a token carrying cnf["x5t#S256"] is
// accepted only with the certificate it names, from the TLS connection or, from a proxy named by address,
// the RFC 9440 Client-Cert header; refused when `mtls` is off (a downgrade); composed with DPoP. The binding
// is over the certificate's DER bytes, so random bytes stand in for certificates here (real ones, through
// real TLS, are in test/mtls.test.ts); thumbprints are computed with node:crypto, apart from the seam.
import { createHash, randomBytes } from 'node:crypto';
import {
  ConfigurationError,
  createGuard,
  createVerifier,
  isJwtGuardError,
  nodePeerCertificateReader,
  type JwtGuardError,
  type ReplayStore,
  type RequestContext,
  type VerifierOptions,
} from '../../src/index.js';
import { makeDpopKey, makeProof, type DpopKey } from '../support/dpop.js';
import { AUDIENCE, ISSUER, NOW_MS, claims, makeKey, signToken, type TestKey } from '../support/keys.js';

let issuerKey: TestKey;
let client: DpopKey;
const clock = (): number => NOW_MS;
const certificate = new Uint8Array(randomBytes(700));
const otherCertificate = new Uint8Array(randomBytes(700));
const x5t = (der: Uint8Array): string => createHash('sha256').update(der).digest('base64url');
/** RFC 9440 §2.2: the DER as an RFC 8941 byte sequence, standard base64 between colons. */
const clientCertHeader = (der: Uint8Array): string => `:${Buffer.from(der).toString('base64')}:`;

beforeAll(async () => {
  issuerKey = await makeKey('ES256');
  client = await makeDpopKey('ES256');
});

function verifierWith(mtls: VerifierOptions['mtls'] = true, extra: Partial<VerifierOptions> = {}) {
  return createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: issuerKey.jwk, clock, mtls, ...extra });
}

const boundToken = (der: Uint8Array = certificate, cnf: Record<string, unknown> = {}) =>
  signToken(issuerKey, claims({ cnf: { 'x5t#S256': x5t(der), ...cnf } }));

async function refusal(promise: Promise<unknown>): Promise<JwtGuardError> {
  const outcome = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!isJwtGuardError(outcome)) throw new Error(`expected a refusal, got ${String(outcome)}`);
  return outcome;
}

describe('the mtls option', () => {
  test('true, {} and a trusted proxy with IPv4 and IPv6 addresses are accepted; false and undefined are off', async () => {
    const token = await boundToken();
    for (const mtls of [true, {}, { trustedProxy: { addresses: ['10.0.0.5', '::1', 'FE80::0:1'] } }]) {
      await expect(
        verifierWith(mtls).verify(token, { clientCertificate: certificate }),
      ).resolves.toMatchObject({
        token,
      });
    }
    for (const mtls of [false, undefined]) {
      // Not through verifierWith, whose default is on.
      const verifier = createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: issuerKey.jwk,
        clock,
        mtls,
      });
      const error = await refusal(verifier.verify(token, { clientCertificate: certificate }));
      expect(error.code).toBe('ERR_MTLS_BINDING_UNSUPPORTED');
    }
  });

  test.each([
    ['a misspelt member', { trustedProxies: { addresses: ['10.0.0.5'] } }, /did you mean "trustedProxy"/],
    ['a misspelt proxy member', { trustedProxy: { adresses: ['10.0.0.5'] } }, /did you mean "addresses"/],
    ['a string', 'yes', /mtls must be true or/],
    ['a proxy without addresses', { trustedProxy: {} }, /addresses must list/],
    ['an empty address list', { trustedProxy: { addresses: [] } }, /addresses must list/],
    ['a host name', { trustedProxy: { addresses: ['proxy.internal'] } }, /addresses\[0\] must be an IP/],
    ['a range', { trustedProxy: { addresses: ['10.0.0.0/8'] } }, /must be an IP/],
    ['an address with a port', { trustedProxy: { addresses: ['10.0.0.5:443'] } }, /must be an IP/],
    ['a leading zero', { trustedProxy: { addresses: ['10.0.0.05'] } }, /must be an IP/],
    ['an IPv6 address in brackets', { trustedProxy: { addresses: ['[::1]'] } }, /must be an IP/],
    ['a non-string', { trustedProxy: { addresses: ['::1', 42] } }, /addresses\[1\] must be an IP/],
  ])('refuses %s at construction', (_what, mtls, message) => {
    expect(() => verifierWith(mtls as VerifierOptions['mtls'])).toThrow(ConfigurationError);
    expect(() => verifierWith(mtls as VerifierOptions['mtls'])).toThrow(message);
  });
});

describe('a certificate-bound token', () => {
  test('with its certificate (bytes, or a function reading them) → accepted, synchronously on Node', async () => {
    const verifier = verifierWith();
    const token = await boundToken();
    await verifier.verify(token, { clientCertificate: certificate }); // the key converted once
    const now = verifier.verifyNow?.(token, { clientCertificate: certificate });
    expect(now).not.toBeInstanceOf(Promise);
    expect(now).toMatchObject({ token, payload: { cnf: { 'x5t#S256': x5t(certificate) } } });
    const fromFunction = verifier.verifyNow?.(token, { clientCertificate: () => certificate });
    expect(fromFunction).toMatchObject({ token });
    // A Buffer (what Node's getPeerCertificate gives), also a view into a larger allocation.
    const pooled = Buffer.concat([Buffer.alloc(5), Buffer.from(certificate)]).subarray(5);
    expect(verifier.verifyNow?.(token, { clientCertificate: pooled })).toMatchObject({ token });
  });

  test('other cnf members beside x5t#S256 are tolerated (RFC 7800 §3.1)', async () => {
    const token = await boundToken(certificate, { 'x5t#S1': 'legacy', kid: 'k' });
    await expect(verifierWith().verify(token, { clientCertificate: certificate })).resolves.toMatchObject({
      token,
    });
  });

  test.each([
    ['no certificate at all', {}],
    ['a reader that finds none', { clientCertificate: () => undefined }],
    ['empty bytes', { clientCertificate: new Uint8Array(0) }],
  ] as Array<[string, RequestContext]>)('%s → 401 ERR_MTLS_CERTIFICATE_MISSING', async (_what, context) => {
    const error = await refusal(verifierWith().verify(await boundToken(), context));
    expect(error).toMatchObject({
      status: 401,
      error: 'invalid_token',
      code: 'ERR_MTLS_CERTIFICATE_MISSING',
    });
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  test('another certificate → 401 ERR_MTLS_CERTIFICATE_MISMATCH', async () => {
    const error = await refusal(
      verifierWith().verify(await boundToken(), { clientCertificate: otherCertificate }),
    );
    expect(error).toMatchObject({
      status: 401,
      error: 'invalid_token',
      code: 'ERR_MTLS_CERTIFICATE_MISMATCH',
    });
  });

  test('a thumbprint that is not a string → 401 ERR_JWT_CLAIM_INVALID naming cnf', async () => {
    for (const value of [null, 42, [x5t(certificate)], { value: x5t(certificate) }]) {
      const token = await signToken(issuerKey, claims({ cnf: { 'x5t#S256': value } }));
      const error = await refusal(verifierWith().verify(token, { clientCertificate: certificate }));
      expect(error).toMatchObject({ code: 'ERR_JWT_CLAIM_INVALID', claim: 'cnf' });
    }
  });

  test('mtls off: refused with ERR_MTLS_BINDING_UNSUPPORTED even with the right certificate (no downgrade)', async () => {
    const verifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: issuerKey.jwk, clock });
    const token = await boundToken();
    for (const context of [{}, { clientCertificate: certificate }]) {
      const error = await refusal(verifier.verify(token, context));
      expect(error).toMatchObject({
        status: 401,
        error: 'invalid_token',
        code: 'ERR_MTLS_BINDING_UNSUPPORTED',
      });
    }
  });

  test('the certificate is read only for a bound token, once, and never with mtls off', async () => {
    let reads = 0;
    const clientCertificate = (): Uint8Array => (reads++, certificate);
    const unbound = await signToken(issuerKey, claims());
    await verifierWith().verify(unbound, { clientCertificate });
    await verifierWith()
      .verify(await signToken(issuerKey, claims({ cnf: { jkt: 'x' } })), {
        clientCertificate,
      })
      .catch(() => undefined);
    expect(reads).toBe(0);
    await verifierWith().verify(await boundToken(), { clientCertificate });
    expect(reads).toBe(1);
    await refusal(
      createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: issuerKey.jwk, clock }).verify(
        await boundToken(),
        { clientCertificate },
      ),
    );
    expect(reads).toBe(1);
  });

  test('a reader that throws refuses the token (fail closed), never a 500', async () => {
    const error = await refusal(
      verifierWith().verify(await boundToken(), {
        clientCertificate: () => {
          throw new Error('socket gone');
        },
      }),
    );
    expect(error).toMatchObject({ status: 401, code: 'ERR_JWT_INVALID' });
  });

  test('with the token cache on, every request is checked against its own certificate', async () => {
    const verifier = verifierWith(true, { cache: { tokens: { max: 10 } } });
    const token = await boundToken();
    await expect(verifier.verify(token, { clientCertificate: certificate })).resolves.toMatchObject({
      token,
    });
    const error = await refusal(verifier.verify(token, { clientCertificate: otherCertificate }));
    expect(error.code).toBe('ERR_MTLS_CERTIFICATE_MISMATCH');
    expect((await refusal(verifier.verify(token, {}))).code).toBe('ERR_MTLS_CERTIFICATE_MISSING');
  });

  test('mtls on changes nothing for unbound tokens', async () => {
    const token = await signToken(issuerKey, claims());
    await expect(verifierWith().verify(token)).resolves.toMatchObject({ token });
  });
});

describe('the Client-Cert header (RFC 9440) from a trusted proxy', () => {
  const proxied = (overrides: Partial<VerifierOptions> = {}) =>
    verifierWith({ trustedProxy: { addresses: ['10.0.0.5', '::1'] } }, overrides);

  test.each([
    ['IPv4', '10.0.0.5'],
    ['IPv4-mapped IPv6 (a dual-stack listener)', '::ffff:10.0.0.5'],
    ['IPv6', '::1'],
  ])('from the proxy (%s) the header is the certificate', async (_what, clientAddress) => {
    const token = await boundToken();
    const context = { clientAddress, headers: { 'client-cert': clientCertHeader(certificate) } };
    await expect(proxied().verify(token, context)).resolves.toMatchObject({ token });
    const other = { clientAddress, headers: { 'client-cert': clientCertHeader(otherCertificate) } };
    expect((await refusal(proxied().verify(token, other))).code).toBe('ERR_MTLS_CERTIFICATE_MISMATCH');
  });

  test('an IPv4-mapped address configured in IPv6 form matches the dotted peer address too', async () => {
    const verifier = verifierWith({ trustedProxy: { addresses: ['::FFFF:10.0.0.5'] } });
    const context = { clientAddress: '10.0.0.5', headers: { 'client-cert': clientCertHeader(certificate) } };
    await expect(verifier.verify(await boundToken(), context)).resolves.toBeDefined();
  });

  test('unpadded base64, spaces around the value, Fetch Headers and rawHeaders are read alike', async () => {
    const token = await boundToken();
    const unpadded = `:${Buffer.from(certificate).toString('base64').replace(/=+$/, '')}:`;
    for (const headers of [
      { 'Client-Cert': ` ${unpadded} ` },
      new Headers({ 'client-cert': clientCertHeader(certificate) }),
      ['Host', 'api.test', 'Client-Cert', clientCertHeader(certificate)],
    ]) {
      await expect(proxied().verify(token, { clientAddress: '10.0.0.5', headers })).resolves.toMatchObject({
        token,
      });
    }
  });

  test('from any other peer the header is ignored: no certificate, or the connection’s own', async () => {
    const token = await boundToken();
    const headers = { 'client-cert': clientCertHeader(certificate) };
    for (const clientAddress of ['10.0.0.6', '127.0.0.1', undefined]) {
      const error = await refusal(proxied().verify(token, { clientAddress, headers }));
      expect(error.code).toBe('ERR_MTLS_CERTIFICATE_MISSING');
      // The forged header cannot override the certificate of the TLS connection either.
      const forged = { clientAddress, headers, clientCertificate: otherCertificate };
      expect((await refusal(proxied().verify(token, forged))).code).toBe('ERR_MTLS_CERTIFICATE_MISMATCH');
    }
    // mtls: true trusts no proxy at all.
    const error = await refusal(verifierWith().verify(token, { clientAddress: '10.0.0.5', headers }));
    expect(error.code).toBe('ERR_MTLS_CERTIFICATE_MISSING');
  });

  test('from the proxy, the connection’s certificate is the proxy’s and is not used', async () => {
    let reads = 0;
    const error = await refusal(
      proxied().verify(await boundToken(), {
        clientAddress: '10.0.0.5',
        clientCertificate: () => (reads++, certificate),
      }),
    );
    expect(error.code).toBe('ERR_MTLS_CERTIFICATE_MISSING');
    expect(reads).toBe(0);
  });

  test.each([
    ['not a byte sequence', 'MIIBkTCB+w=='],
    ['an empty byte sequence', '::'],
    ['base64url instead of base64', ':ab-_:'],
    ['misplaced padding', ':QQ=A:'],
    ['padding that does not complete a group', ':QQQ==:'],
    ['non-zero unused bits', ':QR==:'],
    ['two values joined', `${clientCertHeader(certificate)}, ${clientCertHeader(certificate)}`],
    ['a parameter', `${clientCertHeader(certificate)};a=1`],
  ])('a malformed header from the proxy (%s) → 400 ERR_INVALID_REQUEST', async (_what, value) => {
    const error = await refusal(
      proxied().verify(await boundToken(), { clientAddress: '10.0.0.5', headers: { 'client-cert': value } }),
    );
    expect(error).toMatchObject({ status: 400, error: 'invalid_request', code: 'ERR_INVALID_REQUEST' });
  });

  test('two Client-Cert fields from the proxy → 400 ERR_INVALID_REQUEST', async () => {
    const value = clientCertHeader(certificate);
    const headers = ['Client-Cert', value, 'client-cert', value];
    const error = await refusal(proxied().verify(await boundToken(), { clientAddress: '10.0.0.5', headers }));
    expect(error.code).toBe('ERR_INVALID_REQUEST');
  });
});

describe('DPoP and mTLS on one token', () => {
  const both = (extra: Partial<VerifierOptions> = {}) => verifierWith(true, { dpop: true, ...extra });
  const doublyBound = () => boundToken(certificate, { jkt: client.jkt });
  const dpopContext = (proof: string | undefined, clientCertificate?: Uint8Array): RequestContext => ({
    method: 'GET',
    url: '/items',
    origin: 'https://api.test',
    scheme: 'DPoP',
    headers: proof === undefined ? {} : { dpop: proof },
    ...(clientCertificate !== undefined ? { clientCertificate } : {}),
  });

  test('the certificate and the proof → accepted, with result.dpop', async () => {
    const token = await doublyBound();
    const proof = await makeProof(client, { accessToken: token });
    await expect(both().verify(token, dpopContext(proof, certificate))).resolves.toMatchObject({
      token,
      dpop: { jkt: client.jkt },
    });
  });

  test('the proof without the certificate → ERR_MTLS_CERTIFICATE_MISSING, and the proof is not spent', async () => {
    const used: string[] = [];
    const replayStore: ReplayStore = { markUsed: (id) => (used.push(id), true) };
    const token = await doublyBound();
    const proof = await makeProof(client, { accessToken: token });
    const error = await refusal(both({ dpop: { replayStore } }).verify(token, dpopContext(proof)));
    expect(error).toMatchObject({ status: 401, code: 'ERR_MTLS_CERTIFICATE_MISSING', scheme: 'DPoP' });
    expect(used).toEqual([]);
    const wrong = await refusal(both().verify(token, dpopContext(proof, otherCertificate)));
    expect(wrong.code).toBe('ERR_MTLS_CERTIFICATE_MISMATCH');
  });

  test('the certificate without the proof → the DPoP refusals, unchanged', async () => {
    const token = await doublyBound();
    const asBearer = await refusal(both().verify(token, { clientCertificate: certificate }));
    expect(asBearer.code).toBe('ERR_DPOP_BOUND_TOKEN_AS_BEARER');
    const noProof = await refusal(both().verify(token, dpopContext(undefined, certificate)));
    expect(noProof.code).toBe('ERR_DPOP_PROOF_MISSING');
    const otherKey = await makeDpopKey('ES256');
    const wrongKey = await makeProof(otherKey, { accessToken: token });
    const mismatch = await refusal(both().verify(token, dpopContext(wrongKey, certificate)));
    expect(mismatch.code).toBe('ERR_DPOP_KEY_MISMATCH');
  });

  test('a certificate-bound token sent with the DPoP scheme but no cnf.jkt → ERR_DPOP_TOKEN_NOT_BOUND', async () => {
    const token = await boundToken();
    const proof = await makeProof(client, { accessToken: token });
    const error = await refusal(both().verify(token, dpopContext(proof, certificate)));
    expect(error.code).toBe('ERR_DPOP_TOKEN_NOT_BOUND');
  });

  test('a doubly bound token where only dpop is on → ERR_MTLS_BINDING_UNSUPPORTED', async () => {
    const verifier = createVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: issuerKey.jwk,
      clock,
      dpop: true,
    });
    const token = await doublyBound();
    const proof = await makeProof(client, { accessToken: token });
    const error = await refusal(verifier.verify(token, dpopContext(proof, certificate)));
    expect(error.code).toBe('ERR_MTLS_BINDING_UNSUPPORTED');
  });
});

describe('through the guard', () => {
  test('GuardRequest.clientCertificate reaches the verifier, read lazily', async () => {
    const guard = createGuard({ issuer: ISSUER, audience: AUDIENCE, keys: issuerKey.jwk, clock, mtls: true });
    const token = await boundToken();
    const request = (clientCertificate?: () => Uint8Array | undefined) => ({
      method: 'GET',
      url: '/items',
      headers: { authorization: `Bearer ${token}` },
      clientAddress: '127.0.0.1',
      source: {},
      ...(clientCertificate !== undefined ? { clientCertificate } : {}),
    });
    await expect(guard.authenticate(request(() => certificate))).resolves.toMatchObject({ token });
    const missing = await refusal(guard.authenticate(request()));
    expect(missing.code).toBe('ERR_MTLS_CERTIFICATE_MISSING');
    const mismatch = await refusal(guard.authenticate(request(() => otherCertificate)));
    expect(mismatch.code).toBe('ERR_MTLS_CERTIFICATE_MISMATCH');
  });

  test('jwtGuard options take mtls, and refuse a misspelt one', () => {
    expect(() =>
      createGuard({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: issuerKey.jwk,
        mtls: { trustedProxy: { addresses: ['::1'] } },
      }),
    ).not.toThrow();
    expect(() =>
      createGuard({ issuer: ISSUER, audience: AUDIENCE, keys: issuerKey.jwk, mTLS: true } as VerifierOptions),
    ).toThrow(/did you mean "mtls"/);
  });
});

describe('nodePeerCertificateReader', () => {
  const der = Buffer.from(certificate);
  test.each([
    ['a TLS socket with a client certificate', { getPeerCertificate: () => ({ raw: der }) }, der],
    ['a TLS socket without one (Node answers {})', { getPeerCertificate: () => ({}) }, undefined],
    ['a TLS socket answering null', { getPeerCertificate: () => null }, undefined],
    ['an empty raw', { getPeerCertificate: () => ({ raw: Buffer.alloc(0) }) }, undefined],
    ['a raw that is not bytes', { getPeerCertificate: () => ({ raw: 'MII...' }) }, undefined],
    [
      'a socket that throws',
      {
        getPeerCertificate: () => {
          throw new Error('closed');
        },
      },
      undefined,
    ],
  ])('%s', (_what, socket, expected) => {
    const reader = nodePeerCertificateReader(socket);
    expect(reader).toBeInstanceOf(Function);
    expect(reader?.()).toBe(expected);
  });

  test.each([
    ['a plain socket', { remoteAddress: '127.0.0.1' }],
    ['no socket', undefined],
    ['null', null],
    ['a string', 'socket'],
  ])('%s has no reader', (_what, socket) => {
    expect(nodePeerCertificateReader(socket)).toBeUndefined();
  });

  test('one reader per connection, reading on each call (detailed: false, on the socket itself)', () => {
    const calls: unknown[] = [];
    let raw: Buffer = der;
    const socket = {
      getPeerCertificate(this: unknown, detailed: boolean) {
        calls.push([this, detailed]);
        return { raw };
      },
    };
    const reader = nodePeerCertificateReader(socket);
    expect(nodePeerCertificateReader(socket)).toBe(reader);
    expect(calls).toEqual([]); // making the reader reads nothing
    expect(reader?.()).toBe(der);
    raw = Buffer.from(otherCertificate); // a renegotiated connection answers its current certificate
    expect(reader?.()).toBe(raw);
    expect(calls).toEqual([
      [socket, false],
      [socket, false],
    ]);
  });
});
