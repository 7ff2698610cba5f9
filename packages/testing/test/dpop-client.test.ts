// createDpopClient as users would use it: its proofs checked by core's proof verifier for every algorithm, its
// fetch against a real Express API on 127.0.0.1 guarded by jwtguard with DPoP nonces (the use_dpop_nonce
// retry, once), and against the test issuer's own token endpoint with DPoP on; DPoP-bound test tokens.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import {
  ConfigurationError,
  createDpopProofVerifier,
  createVerifier,
  isJwtGuardError,
  type AcceptedProof,
} from '@jwtguard/core';
import { jwtErrorHandler, jwtGuard } from '@jwtguard/express';
import { createDpopClient, createTestIssuer, type DpopAlgorithm, type DpopClient } from '@jwtguard/testing';

// Unverified decoding, for asserting on what the helpers produced (jose is not a dependency of this package).
const part = (token: string, index: 0 | 1) =>
  JSON.parse(Buffer.from(token.split('.')[index] as string, 'base64url').toString()) as Record<
    string,
    unknown
  >;

const NONCE_SECRET = 'a nonce secret shared by every API instance';
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise((resolve) => {
          server.close(resolve);
          server.closeAllConnections();
        }),
    ),
  );
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("createDpopClient's proofs, checked by core's proof verifier", () => {
  test.each<DpopAlgorithm>(['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256'])('%s', async (alg) => {
    const client = await createDpopClient({ alg });
    const verifier = createDpopProofVerifier({ algorithms: [alg] });
    const url = 'https://api.example.test/items';
    const accepted: AcceptedProof = await verifier.verify({
      method: 'GET',
      url,
      headers: { dpop: await client.proof('GET', `${url}?page=2#top`, 'the-access-token') },
      accessToken: 'the-access-token',
      boundTo: client.jkt,
    });
    expect(accepted).toEqual({ jkt: client.jkt });
  });

  test('the proof: typ dpop+jwt, the public key only, htu without query, ath and nonce when given', async () => {
    const client = await createDpopClient({ clock: () => Date.UTC(2030, 0, 1) });
    const proof = await client.proof('POST', 'https://auth.example.test/token?x=1#f', 'token', 'n-1');
    const header = part(proof, 0);
    expect(header).toEqual({ typ: 'dpop+jwt', alg: 'ES256', jwk: client.publicJwk });
    expect(Object.keys(client.publicJwk).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(part(proof, 1)).toEqual({
      jti: expect.any(String),
      htm: 'POST',
      htu: 'https://auth.example.test/token',
      iat: Date.UTC(2030, 0, 1) / 1000,
      ath: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      nonce: 'n-1',
    });
    expect(part(await client.proof('POST', 'https://auth.example.test/token'), 1).jti).not.toBe(
      part(proof, 1).jti,
    );
    // Checked by a server's rules: a proof dated 2030 is not fresh today, and a nonce the server did not
    // hand out is answered with one it did.
    const url = 'https://auth.example.test/token';
    const verifier = createDpopProofVerifier({ nonce: { secret: NONCE_SECRET } });
    await expect(verifier.verify({ method: 'POST', url, headers: { dpop: proof } })).rejects.toMatchObject({
      code: 'ERR_DPOP_PROOF_IAT',
    });
    const now = await createDpopClient();
    await expect(
      verifier.verify({
        method: 'POST',
        url,
        headers: { dpop: await now.proof('POST', url, undefined, 'n-1') },
      }),
    ).rejects.toMatchObject({ error: 'use_dpop_nonce' });
  });

  test('misspelt options and unknown algorithms are refused', async () => {
    await expect(createDpopClient({ algo: 'ES256' } as never)).rejects.toThrow(/did you mean "alg"\?/);
    await expect(createDpopClient({ alg: 'HS256' as DpopAlgorithm })).rejects.toThrow(ConfigurationError);
  });
});

describe('client.fetch against an Express API guarded with DPoP nonces', () => {
  let testIssuer: Awaited<ReturnType<typeof createTestIssuer>>;
  let api: string;
  const hits: { authorization?: string; dpop?: string }[] = [];

  beforeAll(async () => {
    testIssuer = await createTestIssuer({
      issuerOptions: { dpop: { nonce: true }, clients: [{ id: 'spa' }] },
    });
    const app = express();
    app.use((req, _res, next) => {
      hits.push({ authorization: req.headers.authorization, dpop: req.headers.dpop as string | undefined });
      next();
    });
    app.use(
      jwtGuard({
        issuer: testIssuer.issuer,
        audience: testIssuer.audience,
        typ: 'at+jwt',
        dpop: { nonce: { secret: NONCE_SECRET } },
      }),
    );
    app.get('/items', (req, res) => {
      res.json({ sub: req.auth?.payload.sub, jkt: req.auth?.dpop?.jkt });
    });
    app.use(jwtErrorHandler());
    api = await listen(app);
  });
  afterAll(() => testIssuer.close());

  test('a bound test token: the first request is answered use_dpop_nonce, the retry with the nonce succeeds', async () => {
    const client = await createDpopClient();
    const token = await testIssuer.token({ sub: 'alice' }, { dpop: client });
    expect(part(token, 1).cnf).toEqual({ jkt: client.jkt });
    hits.length = 0;

    const response = await client.fetch(`${api}/items`, {}, token);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ sub: 'alice', jkt: client.jkt });
    expect(hits).toHaveLength(2);
    expect(hits.every((hit) => hit.authorization === `DPoP ${token}`)).toBe(true);
    expect(part(hits[0]!.dpop!, 1).nonce).toBeUndefined();
    expect(part(hits[1]!.dpop!, 1).nonce).toEqual(expect.any(String));
    expect(client.nonceFor(`${api}/other`)).toBe(response.headers.get('dpop-nonce'));

    // The nonce is remembered for the origin: the next request needs no retry.
    hits.length = 0;
    expect((await client.fetch(new URL(`${api}/items`), { method: 'get' }, token)).status).toBe(200);
    expect(hits).toHaveLength(1);
  });

  test('a refusal other than use_dpop_nonce is not retried; the bound token as Bearer is refused', async () => {
    const client = await createDpopClient();
    const stranger = await createDpopClient();
    const token = await testIssuer.token({}, { dpop: stranger });
    await client.fetch(`${api}/items`, {}, await testIssuer.token({}, { dpop: client })); // learn a nonce
    hits.length = 0;
    const wrongKey = await client.fetch(`${api}/items`, {}, token);
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.headers.get('www-authenticate')).toMatch(/error="invalid_dpop_proof"/);
    expect(hits).toHaveLength(1);
    const bearer = await fetch(`${api}/items`, { headers: { authorization: `Bearer ${token}` } });
    expect(bearer.status).toBe(401);
  });

  test('a server that keeps asking for a nonce gets exactly one retry', async () => {
    let requests = 0;
    const stubborn = await listen((_req, res) => {
      requests++;
      res.writeHead(401, {
        'www-authenticate': 'DPoP error="use_dpop_nonce", algs="ES256"',
        'dpop-nonce': `nonce-${requests}`,
      });
      res.end();
    });
    const client = await createDpopClient();
    const response = await client.fetch(`${stubborn}/x`, { method: 'POST', body: 'payload' }, 'token');
    expect(response.status).toBe(401);
    expect(requests).toBe(2);
    expect(client.nonceFor(stubborn)).toBe('nonce-2');
  });

  test("the test issuer's token endpoint with DPoP: use_dpop_nonce, then a DPoP token the API accepts", async () => {
    const client = await createDpopClient({ alg: 'EdDSA' });
    const login = await testIssuer.instance.issueTokens({ sub: 'bob', clientId: 'spa' });
    const tokenEndpoint = testIssuer.instance.tokenEndpoint;
    const refresh = (refreshToken: string) =>
      client.fetch(tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: 'spa',
          refresh_token: refreshToken,
        }),
      });
    const response = await refresh(login.refreshToken!);
    expect(response.status).toBe(200);
    expect(client.nonceFor(tokenEndpoint)).toBe(response.headers.get('dpop-nonce'));
    const body = (await response.json()) as {
      access_token: string;
      token_type: string;
      refresh_token: string;
    };
    expect(body.token_type).toBe('DPoP');
    expect(part(body.access_token, 1).cnf).toEqual({ jkt: client.jkt });

    // A jwtguard verifier with DPoP on accepts the token with a fresh proof of the client's key...
    const verifier = createVerifier({
      issuer: testIssuer.issuer,
      audience: testIssuer.audience,
      typ: 'at+jwt',
      dpop: true,
    });
    const result = await verifier.verify(body.access_token, {
      method: 'GET',
      url: '/items',
      origin: 'https://api.example.test',
      scheme: 'DPoP',
      headers: { dpop: await client.proof('GET', 'https://api.example.test/items', body.access_token) },
    });
    expect(result.payload.sub).toBe('bob');
    // ...refuses it as a Bearer token...
    const asBearer = await verifier.verify(body.access_token).catch((error: unknown) => error);
    expect(isJwtGuardError(asBearer) && asBearer.code).toBe('ERR_DPOP_BOUND_TOKEN_AS_BEARER');
    // ...and so does the Express API, which takes it through client.fetch.
    expect((await client.fetch(`${api}/items`, {}, body.access_token)).status).toBe(200);

    // The refresh family is now bound to the client's key: another key's refresh is invalid_grant.
    const other = await createDpopClient();
    const stolen = await other.fetch(tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: 'spa',
        refresh_token: body.refresh_token,
      }),
    });
    expect(stolen.status).toBe(400);
    expect(await stolen.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await refresh(body.refresh_token)).status).toBe(200);
  });
});

describe('testIssuer.token(claims, { dpop })', () => {
  let testIssuer: Awaited<ReturnType<typeof createTestIssuer>>;
  let client: DpopClient;
  beforeAll(async () => {
    testIssuer = await createTestIssuer({ claims: { cnf: { 'x5t#S256': 'certificate' } } });
    client = await createDpopClient();
  });
  afterAll(() => testIssuer.close());

  test('binds with { jkt } or a client, keeping other cnf members; without it no jkt', async () => {
    expect(part(await testIssuer.token({}, { dpop: { jkt: 'a-thumbprint' } }), 1).cnf).toEqual({
      'x5t#S256': 'certificate',
      jkt: 'a-thumbprint',
    });
    expect(part(await testIssuer.token({}, { dpop: client }), 1).cnf).toEqual({
      'x5t#S256': 'certificate',
      jkt: client.jkt,
    });
    expect(part(await testIssuer.token(), 1).cnf).toEqual({ 'x5t#S256': 'certificate' });
  });
});
