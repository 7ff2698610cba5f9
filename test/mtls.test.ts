// Certificate-bound access tokens (RFC 8705 §3) through every Node adapter, over real TLS: HTTPS servers on
// 127.0.0.1 that ask for client certificates, a CA and client certificates made by the test
// (support/x509-certificates.ts), tokens bound by cnf["x5t#S256"] to one client's certificate. Each adapter
// must read the connection's certificate, ignore a Client-Cert header from a peer it does not trust, accept
// it from the proxy it does, refuse a bound token when mtls is off, and require DPoP and the certificate
// together when a token is bound both ways.
import {
  createDpopKey,
  createTokenIssuer,
  mtlsHarnesses,
  type DpopKey,
  type MtlsApp,
  type TokenIssuer,
} from './support/mtls-apps.js';
import { createTestPki, type TestPki } from './support/x509-certificates.js';

let pki: TestPki;
let issuer: TokenIssuer;
let dpopKey: DpopKey;
const { harnesses, closeAll } = mtlsHarnesses(
  () => pki,
  () => issuer,
);

beforeAll(() => {
  pki = createTestPki();
  issuer = createTokenIssuer();
  dpopKey = createDpopKey();
});
afterAll(closeAll);

const boundToken = (cnf: Record<string, unknown> = {}): string =>
  issuer.sign({ cnf: { 'x5t#S256': pki.client.x5t, ...cnf } });

describe.each(Object.entries(harnesses))('%s over HTTPS', (_name, harness) => {
  let mtls: MtlsApp; // mtls: true, dpop: true
  let untrusting: MtlsApp; // the proxy is ::1; requests come from 127.0.0.1
  let behindProxy: MtlsApp; // the proxy is 127.0.0.1, the test client
  let off: MtlsApp; // no mtls

  beforeAll(async () => {
    mtls = await harness({ mtls: true, dpop: true });
    untrusting = await harness({ mtls: { trustedProxy: { addresses: ['::1'] } } });
    behindProxy = await harness({ mtls: { trustedProxy: { addresses: ['127.0.0.1'] } } });
    off = await harness({});
  });

  test('the right client certificate → 200', async () => {
    const res = await mtls.send({ token: boundToken(), certificate: pki.client });
    expect(res).toMatchObject({ status: 200, body: { sub: 'client-one' } });
  });

  test('no client certificate → 401 invalid_token ERR_MTLS_CERTIFICATE_MISSING', async () => {
    const res = await mtls.send({ token: boundToken() });
    expect(res).toMatchObject({ status: 401, body: { code: 'ERR_MTLS_CERTIFICATE_MISSING' } });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  test('another client certificate (same CA) → 401 invalid_token ERR_MTLS_CERTIFICATE_MISMATCH', async () => {
    const res = await mtls.send({ token: boundToken(), certificate: pki.otherClient });
    expect(res).toMatchObject({ status: 401, body: { code: 'ERR_MTLS_CERTIFICATE_MISMATCH' } });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer error="invalid_token"/);
  });

  test('an unbound token is unaffected by mtls, with or without a certificate', async () => {
    const token = issuer.sign({});
    expect((await mtls.send({ token })).status).toBe(200);
    expect((await mtls.send({ token, certificate: pki.otherClient })).status).toBe(200);
  });

  test('Client-Cert from an untrusted peer is ignored: still missing, and no match for another certificate', async () => {
    const headers = { 'client-cert': pki.client.clientCertHeader };
    const forged = await untrusting.send({ token: boundToken(), headers });
    expect(forged).toMatchObject({ status: 401, body: { code: 'ERR_MTLS_CERTIFICATE_MISSING' } });
    const overTls = await untrusting.send({ token: boundToken(), headers, certificate: pki.otherClient });
    expect(overTls).toMatchObject({ status: 401, body: { code: 'ERR_MTLS_CERTIFICATE_MISMATCH' } });
    // And with mtls: true no peer is trusted at all.
    const plain = await mtls.send({ token: boundToken(), headers });
    expect(plain).toMatchObject({ status: 401, body: { code: 'ERR_MTLS_CERTIFICATE_MISSING' } });
    // The connection's own certificate still counts from an untrusted peer.
    expect((await untrusting.send({ token: boundToken(), certificate: pki.client })).status).toBe(200);
  });

  test('Client-Cert from the trusted proxy is the certificate; the proxy’s own TLS certificate is not', async () => {
    const right = await behindProxy.send({
      token: boundToken(),
      headers: { 'client-cert': pki.client.clientCertHeader },
    });
    expect(right).toMatchObject({ status: 200, body: { sub: 'client-one' } });
    const wrong = await behindProxy.send({
      token: boundToken(),
      headers: { 'client-cert': pki.otherClient.clientCertHeader },
      certificate: pki.client,
    });
    expect(wrong).toMatchObject({ status: 401, body: { code: 'ERR_MTLS_CERTIFICATE_MISMATCH' } });
    const none = await behindProxy.send({ token: boundToken(), certificate: pki.client });
    expect(none).toMatchObject({ status: 401, body: { code: 'ERR_MTLS_CERTIFICATE_MISSING' } });
    const malformed = await behindProxy.send({ token: boundToken(), headers: { 'client-cert': 'MIIB' } });
    expect(malformed).toMatchObject({ status: 400, body: { code: 'ERR_INVALID_REQUEST' } });
  });

  test('a certificate-bound token with mtls off → 401 ERR_MTLS_BINDING_UNSUPPORTED, even with its certificate', async () => {
    for (const certificate of [undefined, pki.client]) {
      const res = await off.send({ token: boundToken(), ...(certificate ? { certificate } : {}) });
      expect(res).toMatchObject({ status: 401, body: { code: 'ERR_MTLS_BINDING_UNSUPPORTED' } });
    }
  });

  test('a token bound by DPoP and mTLS needs both the proof and the certificate', async () => {
    const token = boundToken({ jkt: dpopKey.jkt });
    const proof = () => dpopKey.proof('GET', `${mtls.origin}/me`, token);
    const both = await mtls.send({
      token,
      scheme: 'DPoP',
      headers: { dpop: proof() },
      certificate: pki.client,
    });
    expect(both).toMatchObject({ status: 200, body: { sub: 'client-one', dpop: dpopKey.jkt } });

    const proofOnly = await mtls.send({ token, scheme: 'DPoP', headers: { dpop: proof() } });
    expect(proofOnly).toMatchObject({ status: 401, body: { code: 'ERR_MTLS_CERTIFICATE_MISSING' } });
    expect(proofOnly.headers['www-authenticate']).toMatch(/^DPoP /);
    const otherCertificate = await mtls.send({
      token,
      scheme: 'DPoP',
      headers: { dpop: proof() },
      certificate: pki.otherClient,
    });
    expect(otherCertificate).toMatchObject({ status: 401, body: { code: 'ERR_MTLS_CERTIFICATE_MISMATCH' } });

    const certificateOnly = await mtls.send({ token, certificate: pki.client });
    expect(certificateOnly).toMatchObject({ status: 401, body: { code: 'ERR_DPOP_BOUND_TOKEN_AS_BEARER' } });
    const noProof = await mtls.send({ token, scheme: 'DPoP', certificate: pki.client });
    expect(noProof).toMatchObject({ status: 401, body: { code: 'ERR_DPOP_PROOF_MISSING' } });
  });
});
