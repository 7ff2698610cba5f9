// Certificate-bound access tokens from the issuer (RFC 8705 §3.1, §3.3, §4) over real HTTPS on 127.0.0.1:
// the token endpoint reads the client certificate of the TLS connection (createNodeListener), binds the access
// token to it, and a jwtguard verifier with `mtls: true`, behind its own HTTPS server, accepts the token only
// on a connection presenting that certificate. Public clients' refresh families are bound too (§4).
import { once } from 'node:events';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  ConfigurationError,
  createMemoryDenylist,
  createVerifier,
  isJwtGuardError,
  nodePeerCertificateReader,
} from '@jwtguard/core';
import {
  certificateThumbprint,
  createIssuer,
  createNodeListener,
  hashRefreshToken,
  createMemoryRefreshTokenStore,
  type Issuer,
  type IssuerOptions,
} from '@jwtguard/issuer';
import { decodeJwt } from 'jose';
import {
  createTestPki,
  type TestCertificate,
  type TestPki,
} from '../../../test/support/x509-certificates.js';

const AUD = 'https://api.mtls.test';
const SECRET = 'svc-secret';
let pki: TestPki;
const servers: Server[] = [];

beforeAll(() => {
  pki = createTestPki();
});
afterAll(async () => {
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/** One HTTPS request to 127.0.0.1, presenting `certificate` in the handshake (or none). */
function send(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    certificate?: TestCertificate;
  },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers ?? {},
        ca: pki.ca.cert,
        // A fresh connection per request: a pooled one would carry the previous request's certificate.
        agent: false,
        ...(options.certificate ? { cert: options.certificate.cert, key: options.certificate.key } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
          });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

async function listen(server: Server): Promise<string> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

// RFC 8705 §3: ask for a client certificate; the binding, not the chain, is what the token relies on (§2.2).
const tls = () => ({
  cert: pki.server.cert,
  key: pki.server.key,
  ca: pki.ca.cert,
  requestCert: true,
  rejectUnauthorized: false,
});

/** An issuer served over HTTPS; its URL is known only once the server listens. */
async function startIssuer(extra: Partial<IssuerOptions> = {}): Promise<{ issuer: Issuer; url: string }> {
  const bound: { issuer?: Issuer } = {};
  const url = await listen(
    createServer(
      tls(),
      createNodeListener(async (request, context) =>
        bound.issuer ? bound.issuer.handle(request, context) : new Response(null, { status: 503 }),
      ),
    ),
  );
  bound.issuer = createIssuer({
    issuer: url,
    audience: AUD,
    mtls: true,
    clients: [{ id: 'svc', secret: SECRET }, { id: 'spa' }],
    ...extra,
  });
  await bound.issuer.ready();
  return { issuer: bound.issuer, url };
}

function tokenRequest(url: string, form: Record<string, string>, certificate?: TestCertificate) {
  return send(`${url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    ...(certificate ? { certificate } : {}),
  });
}

const clientCredentials = (url: string, certificate?: TestCertificate) =>
  tokenRequest(
    url,
    { grant_type: 'client_credentials', client_id: 'svc', client_secret: SECRET },
    certificate,
  );

/** A resource server over HTTPS: verifies with `mtls: true` against the TLS connection's certificate. */
async function startResource(issuer: Issuer): Promise<string> {
  const verifier = createVerifier({
    issuer: issuer.issuer,
    audience: AUD,
    keys: await issuer.jwks(),
    mtls: true,
  });
  return listen(
    createServer(tls(), (req, res) => {
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      const clientCertificate = nodePeerCertificateReader(req.socket);
      verifier.verify(token, clientCertificate ? { clientCertificate } : {}).then(
        (result) => res.writeHead(200).end(JSON.stringify({ sub: result.payload.sub })),
        (error: unknown) =>
          res
            .writeHead(isJwtGuardError(error) ? error.status : 500)
            .end(JSON.stringify({ code: isJwtGuardError(error) ? error.code : 'crash' })),
      );
    }),
  );
}

describe('token endpoint over mutual TLS (RFC 8705 §3.1)', () => {
  test('a token request with a client certificate gets cnf["x5t#S256"] = that certificate\'s thumbprint', async () => {
    const { url } = await startIssuer();
    const reply = await clientCredentials(url, pki.client);
    expect(reply.status).toBe(200);
    // Certificate binding does not change the token type (RFC 8705 §3: still a Bearer token to send).
    expect(reply.body.token_type).toBe('Bearer');
    const payload = decodeJwt(String(reply.body.access_token));
    expect(payload.cnf).toEqual({ 'x5t#S256': pki.client.x5t });
    expect(certificateThumbprint(pki.client.der)).toBe(pki.client.x5t);
  });

  test('a verifier with mtls: true accepts the token only on a connection with that certificate', async () => {
    const { issuer, url } = await startIssuer();
    const token = String((await clientCredentials(url, pki.client)).body.access_token);
    const api = await startResource(issuer);
    const headers = { authorization: `Bearer ${token}` };
    expect(await send(`${api}/me`, { headers, certificate: pki.client })).toEqual({
      status: 200,
      body: { sub: 'svc' },
    });
    expect(await send(`${api}/me`, { headers, certificate: pki.otherClient })).toMatchObject({
      status: 401,
      body: { code: 'ERR_MTLS_CERTIFICATE_MISMATCH' },
    });
    expect(await send(`${api}/me`, { headers })).toMatchObject({
      status: 401,
      body: { code: 'ERR_MTLS_CERTIFICATE_MISSING' },
    });
  });

  test('without a client certificate the token is unbound', async () => {
    const { url } = await startIssuer();
    const reply = await clientCredentials(url);
    expect(reply.status).toBe(200);
    expect(decodeJwt(String(reply.body.access_token)).cnf).toBeUndefined();
  });

  test('mtls off: a certificate on the connection is ignored, and discovery says nothing', async () => {
    const { url } = await startIssuer({ mtls: false });
    const reply = await clientCredentials(url, pki.client);
    expect(decodeJwt(String(reply.body.access_token)).cnf).toBeUndefined();
    const discovery = await send(`${url}/.well-known/oauth-authorization-server`, {});
    expect(discovery.body).not.toHaveProperty('tls_client_certificate_bound_access_tokens');
  });

  test('never from a header: Client-Cert on the request binds nothing', async () => {
    const { url } = await startIssuer();
    const reply = await send(`${url}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'client-cert': pki.client.clientCertHeader,
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: 'svc',
        client_secret: SECRET,
      }).toString(),
    });
    expect(decodeJwt(String(reply.body.access_token)).cnf).toBeUndefined();
  });

  test('discovery advertises tls_client_certificate_bound_access_tokens (RFC 8705 §3.3)', async () => {
    const { url } = await startIssuer();
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      const reply = await send(`${url}${path}`, {});
      expect(reply.body.tls_client_certificate_bound_access_tokens).toBe(true);
    }
  });

  test('handle(request, { clientCertificate }) takes DER bytes or a reader; beside DPoP, one cnf with both', async () => {
    const issuer = createIssuer({
      issuer: 'https://auth.mtls.test',
      audience: AUD,
      mtls: true,
      clients: [{ id: 'svc', secret: SECRET }],
    });
    const tokenRequestOf = () =>
      new Request('https://auth.mtls.test/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&client_id=svc&client_secret=svc-secret',
      });
    for (const clientCertificate of [new Uint8Array(pki.client.der), () => new Uint8Array(pki.client.der)]) {
      const response = await issuer.handle(tokenRequestOf(), { clientCertificate });
      const body = (await response.json()) as { access_token: string };
      expect(decodeJwt(body.access_token).cnf).toEqual({ 'x5t#S256': pki.client.x5t });
    }
    const jkt = 'A'.repeat(43);
    const set = await issuer.issueTokens({
      sub: 'alice',
      clientId: 'spa',
      dpopJkt: jkt,
      certificateThumbprint: pki.client.x5t,
    });
    expect(set.tokenType).toBe('DPoP');
    expect(decodeJwt(set.accessToken).cnf).toEqual({ 'x5t#S256': pki.client.x5t, jkt });
  });
});

describe('refresh tokens of a certificate-bound grant (RFC 8705 §4)', () => {
  test("a public client's family is bound: refresh needs the certificate; a wrong or missing one spends nothing", async () => {
    const store = createMemoryRefreshTokenStore();
    const { issuer, url } = await startIssuer({ refreshTokenStore: store });
    const first = await issuer.issueTokens({
      sub: 'alice',
      clientId: 'spa',
      certificateThumbprint: pki.client.x5t,
    });
    expect(decodeJwt(first.accessToken).cnf).toEqual({ 'x5t#S256': pki.client.x5t });
    expect((await store.find(hashRefreshToken(first.refreshToken!)))?.family.certificateThumbprint).toBe(
      pki.client.x5t,
    );
    const form = { grant_type: 'refresh_token', client_id: 'spa', refresh_token: first.refreshToken! };
    expect(await tokenRequest(url, form, pki.otherClient)).toMatchObject({
      status: 400,
      body: {
        error: 'invalid_grant',
        error_description: 'refresh token is bound to another client certificate',
      },
    });
    expect(await tokenRequest(url, form)).toMatchObject({
      status: 400,
      body: {
        error: 'invalid_grant',
        error_description: 'refresh token is bound to a client certificate: refresh over mutual TLS with it',
      },
    });
    const refreshed = await tokenRequest(url, form, pki.client);
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(String(refreshed.body.access_token)).cnf).toEqual({ 'x5t#S256': pki.client.x5t });
  });

  test("a public client's unbound family becomes bound on its first refresh with a certificate", async () => {
    const { issuer } = await startIssuer();
    const first = await issuer.issueTokens({ sub: 'alice', clientId: 'spa' });
    const second = await issuer.refresh(first.refreshToken!, { certificateThumbprint: pki.client.x5t });
    expect(decodeJwt(second.accessToken).cnf).toEqual({ 'x5t#S256': pki.client.x5t });
    await expect(issuer.refresh(second.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test("a confidential client's family is not bound: each refresh binds to the certificate it presents", async () => {
    const { issuer } = await startIssuer();
    const first = await issuer.issueTokens({
      sub: 'svc',
      clientId: 'svc',
      certificateThumbprint: pki.client.x5t,
    });
    const renewed = await issuer.refresh(first.refreshToken!, {
      clientId: 'svc',
      certificateThumbprint: pki.otherClient.x5t,
    });
    expect(decodeJwt(renewed.accessToken).cnf).toEqual({ 'x5t#S256': pki.otherClient.x5t });
    const plain = await issuer.refresh(renewed.refreshToken!, { clientId: 'svc' });
    expect(decodeJwt(plain.accessToken).cnf).toBeUndefined();
  });
});

describe('options and inputs', () => {
  const refusal = (construct: () => unknown): ConfigurationError => {
    try {
      construct();
    } catch (error) {
      if (error instanceof ConfigurationError) return error;
      throw error;
    }
    throw new Error('accepted');
  };

  test('a misspelt mtls option is refused with the name that was meant; a non-boolean too', () => {
    const typo = refusal(() =>
      createIssuer({ issuer: 'https://auth.mtls.test', mTls: true } as unknown as IssuerOptions),
    );
    expect(typo.message).toContain('did you mean "mtls"?');
    const shape = refusal(() =>
      createIssuer({ issuer: 'https://auth.mtls.test', mtls: 'yes' } as unknown as IssuerOptions),
    );
    expect(shape.message).toContain('mtls must be true or false');
  });

  test('certificateThumbprint must be an x5t#S256', async () => {
    const issuer = createIssuer({
      issuer: 'https://auth.mtls.test',
      audience: AUD,
      denylist: createMemoryDenylist(),
    });
    await expect(
      issuer.issueTokens({ sub: 'a', clientId: 'spa', certificateThumbprint: 'not-a-thumbprint' }),
    ).rejects.toThrow('certificateThumbprint must be an RFC 8705 x5t#S256');
  });
});
