// createTestCertificates and token(claims, { certificate }): certificates Node's X509 parser and TLS accept
// (chain, names, key usage), thumbprints as RFC 8705 §3.1 defines them, and a certificate-bound token that an
// Express API with `mtls: true`, served over real HTTPS on 127.0.0.1, accepts only with its certificate.
import { createHash, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { jwtErrorHandler, jwtGuard } from '@jwtguard/express';
import {
  createDpopClient,
  createTestCertificates,
  createTestIssuer,
  type TestCertificate,
  type TestIssuer,
} from '@jwtguard/testing';

const certificates = createTestCertificates();
let testIssuer: TestIssuer;
let server: Server;
let api: string;

function getItems(token: string, certificate?: TestCertificate): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${api}/items`, {
      headers: { authorization: `Bearer ${token}` },
      ca: certificates.ca.cert,
      agent: false,
      ...(certificate ? { cert: certificate.cert, key: certificate.key } : {}),
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const payloadOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;

beforeAll(async () => {
  testIssuer = await createTestIssuer();
  const app = express();
  app.use(jwtGuard({ issuer: testIssuer.issuer, audience: testIssuer.audience, mtls: true }));
  app.get('/items', (req, res) => {
    res.json({ sub: req.auth?.payload.sub });
  });
  app.use(jwtErrorHandler());
  const { server: tls, ca } = certificates;
  server = createServer(
    { key: tls.key, cert: tls.cert, ca: ca.cert, requestCert: true, rejectUnauthorized: false },
    app,
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  api = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
  await testIssuer.close();
});

test('every certificate is issued by the CA; the server one names 127.0.0.1 and localhost', () => {
  const ca = new X509Certificate(certificates.ca.cert);
  expect(ca.ca).toBe(true);
  const extra = certificates.issueClient('client-three');
  for (const made of [certificates.server, certificates.client, certificates.otherClient, extra]) {
    const parsed = new X509Certificate(made.cert);
    expect(parsed.checkIssued(ca)).toBe(true);
    expect(parsed.verify(ca.publicKey)).toBe(true);
    expect(Buffer.compare(parsed.raw, made.der)).toBe(0);
  }
  const server = new X509Certificate(certificates.server.cert);
  expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
  expect(server.checkHost('localhost')).toBe('localhost');
  expect(new X509Certificate(extra.cert).subject).toBe('CN=client-three');
});

test('x5t is the RFC 8705 §3.1 thumbprint; clientCertHeader the RFC 9440 byte sequence', () => {
  const { client } = certificates;
  expect(client.x5t).toBe(createHash('sha256').update(client.der).digest('base64url'));
  expect(client.clientCertHeader).toBe(`:${client.der.toString('base64')}:`);
  expect(certificates.otherClient.x5t).not.toBe(client.x5t);
});

test('token(claims, { certificate }) binds the token: cnf["x5t#S256"], beside jkt with dpop too', async () => {
  const bound = await testIssuer.token({}, { certificate: certificates.client });
  expect(payloadOf(bound).cnf).toEqual({ 'x5t#S256': certificates.client.x5t });
  const client = await createDpopClient();
  const both = await testIssuer.token({}, { certificate: certificates.client, dpop: client });
  expect(payloadOf(both).cnf).toEqual({ 'x5t#S256': certificates.client.x5t, jkt: client.jkt });
});

test('an mtls API over HTTPS accepts the bound token only with its certificate', async () => {
  const token = await testIssuer.token({ sub: 'alice' }, { certificate: certificates.client });
  expect(await getItems(token, certificates.client)).toBe(200);
  expect(await getItems(token, certificates.otherClient)).toBe(401);
  expect(await getItems(token)).toBe(401);
  // An unbound token is unaffected.
  expect(await getItems(await testIssuer.token())).toBe(200);
});
