// Certificate-bound tokens (mTLS, RFC 8705 §3): a token bound to the client's TLS certificate works only on
// a connection where the client proved it holds that certificate's key, so a copy of the token is useless
// without it. The step starts its own HTTPS server for the Express sample on 127.0.0.1 (the stack's APIs
// speak plain HTTP) and closes it at the end.
import { once } from 'node:events';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createVerifier } from '@jwtguard/core';
import { certificateThumbprint } from '@jwtguard/issuer';
import { createTestCertificates, type TestCertificate } from '@jwtguard/testing';
import { DEFAULT_AUDIENCE, DEMO_CLIENT_ID } from '@jwtguard-example/auth-server';
import { createApp } from '@jwtguard-example/express-api';
import type { DemoContext } from '../context.js';
import { summary, type Reply } from '../http.js';

/** GET over TLS trusting the demo CA, presenting `certificate` in the handshake (or none). */
function get(url: string, ca: string, token: string, certificate?: TestCertificate): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      headers: { authorization: `Bearer ${token}` },
      ca,
      // A fresh connection per request: the certificate belongs to the connection, not to the request.
      agent: false,
      ...(certificate === undefined ? {} : { cert: certificate.cert, key: certificate.key }),
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          // Left as text: the transcript shows it as it came.
        }
        const challenge = res.headers['www-authenticate'];
        resolve({ status: res.statusCode ?? 0, challenge: challenge ?? null, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export async function mtlsBinding(context: DemoContext): Promise<void> {
  const { transcript, stack, clock } = context;
  transcript.section('mTLS: a token bound to a client certificate');
  const certificates = createTestCertificates();
  const verifier = createVerifier({
    issuer: stack.auth.url,
    audience: DEFAULT_AUDIENCE,
    typ: 'at+jwt',
    // RFC 8705 §3: a token with cnf["x5t#S256"] needs the TLS connection's certificate to match.
    mtls: true,
    clock: clock.now,
  });
  const { server: tls, ca } = certificates;
  // Ask for a client certificate; the token's binding decides, not the chain (RFC 8705 §2.2).
  const server = createServer(
    { key: tls.key, cert: tls.cert, ca: ca.cert, requestCert: true, rejectUnauthorized: false },
    createApp(verifier),
  );
  server.listen(0, '127.0.0.1');
  try {
    await once(server, 'listening');
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/items`;
    transcript.note(`express-api over HTTPS, asking for client certificates: ${url}`);
    // The thumbprint of the certificate carol's client presents; a login route over mutual TLS would read it
    // from the connection (issuer.handle(request, { clientCertificate })).
    const x5t = certificateThumbprint(certificates.client.der);
    const set = await stack.auth.issuer.issueTokens({
      sub: 'carol',
      clientId: DEMO_CLIENT_ID,
      scope: 'read:items',
      certificateThumbprint: x5t,
    });
    const cnf = JSON.parse(Buffer.from(set.accessToken.split('.')[1] ?? '', 'base64url').toString()) as {
      cnf?: Record<string, unknown>;
    };
    transcript.expect(
      'carol gets a token bound to her certificate: cnf["x5t#S256"] is its thumbprint',
      String(cnf.cnf?.['x5t#S256'] === x5t),
      'true',
    );
    const own = await get(url, ca.cert, set.accessToken, certificates.client);
    transcript.expect('carol, with her certificate: GET /items', own.status, 200, summary(own));
    transcript.note("a copy of the token leaks; the thief has a certificate, but not carol's...");
    const other = await get(url, ca.cert, set.accessToken, certificates.otherClient);
    transcript.expect('thief, another certificate from the same CA', other.status, 401, summary(other));
    const none = await get(url, ca.cert, set.accessToken);
    transcript.expect('thief, no certificate at all', none.status, 401, summary(none));
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
