// DPoP at the token endpoint (RFC 9449 §5, §6, §8) over real HTTP on 127.0.0.1: bound tokens and their
// token type, every kind of bad proof refused with invalid_dpop_proof before a grant runs, server nonces,
// public-client refresh tokens bound to the proof key, discovery, the option names, and a replay store that
// cannot answer. Proofs are built here with jose, hostile ones member by member.
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ConfigurationError,
  createDpopProofVerifier,
  createVerifier,
  isJwtGuardError,
  type ReplayStore,
} from '@jwtguard/core';
import { createIssuer, createNodeListener, type Issuer, type IssuerOptions } from '@jwtguard/issuer';
import {
  calculateJwkThumbprint,
  decodeJwt,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type CryptoKey,
  type JWK,
} from 'jose';

const AUD = 'https://api.example.test';
const SECRET = 'svc-secret';
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

interface ProofKey {
  alg: string;
  privateKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

async function proofKey(alg = 'ES256'): Promise<ProofKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(publicKey);
  return { alg, privateKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

let counter = 0;

interface ProofInput {
  htm?: string;
  htu?: string;
  iat?: number;
  jti?: string;
  nonce?: string;
  /** Sign with this key while the header still carries `key`'s public key. */
  signWith?: ProofKey;
}

function proof(key: ProofKey, input: ProofInput = {}): Promise<string> {
  const payload: Record<string, unknown> = {
    jti: input.jti ?? `proof-${++counter}-${Math.random().toString(36).slice(2)}`,
    htm: input.htm ?? 'POST',
    htu: input.htu ?? server.tokenEndpoint,
    iat: input.iat ?? Math.floor(Date.now() / 1000),
  };
  if (input.nonce !== undefined) payload.nonce = input.nonce;
  return new SignJWT(payload)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk })
    .sign((input.signWith ?? key).privateKey);
}

interface Served {
  url: string;
  tokenEndpoint: string;
  issuer: Issuer;
}

/** An issuer served over node:http on an ephemeral loopback port, its URL being the one it advertises. */
async function serve(options: Partial<IssuerOptions> = {}): Promise<Served> {
  const bound: { issuer?: Issuer } = {};
  const http = createServer(
    createNodeListener(async (request) =>
      bound.issuer ? bound.issuer.handle(request) : new Response(null, { status: 503 }),
    ),
  );
  servers.push(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const issuer = createIssuer({
    issuer: url,
    audience: AUD,
    clients: [{ id: 'web' }, { id: 'svc', secret: SECRET, scopes: ['read'] }],
    dpop: true,
    ...options,
  });
  bound.issuer = issuer;
  return { url, tokenEndpoint: issuer.tokenEndpoint, issuer };
}

let server: Served;
let key: ProofKey;
let otherKey: ProofKey;

beforeAll(async () => {
  server = await serve();
  key = await proofKey('ES256');
  otherKey = await proofKey('ES256');
});

const basic = `Basic ${Buffer.from(`svc:${SECRET}`).toString('base64')}`;

async function post(
  target: Served,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const response = await fetch(target.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

const clientCredentials = (target: Served, headers: Record<string, string> = {}) =>
  post(target, { grant_type: 'client_credentials', scope: 'read' }, { authorization: basic, ...headers });

const refreshAsWeb = (target: Served, refreshToken: string, headers: Record<string, string> = {}) =>
  post(target, { grant_type: 'refresh_token', client_id: 'web', refresh_token: refreshToken }, headers);

/** A POST whose headers are sent exactly as listed, repeated names as separate lines. */
function rawPost(
  target: Served,
  headers: Record<string, string | string[]>,
  body: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = new URL(target.tokenEndpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function expectRefused(
  response: { status: number; headers?: Headers; body: Record<string, unknown> },
  error: string,
  status = 400,
) {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({ error, error_description: expect.any(String) });
  expect(response.body.access_token).toBeUndefined();
  if (response.headers) expect(response.headers.get('cache-control')).toBe('no-store');
}

describe('a token request with a valid DPoP proof', () => {
  test('client_credentials: token_type DPoP, cnf.jkt the proof key; a DPoP verifier accepts it only with a proof', async () => {
    const response = await clientCredentials(server, { dpop: await proof(key) });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ token_type: 'DPoP', scope: 'read' });
    const accessToken = response.body.access_token as string;
    expect(decodeJwt(accessToken)).toMatchObject({ sub: 'svc', cnf: { jkt: key.jkt } });

    const verifier = createVerifier({
      issuer: server.url,
      audience: AUD,
      keys: await server.issuer.jwks(),
      typ: 'at+jwt',
      dpop: true,
    });
    const resourceProof = await new SignJWT({
      jti: 'resource-proof',
      htm: 'GET',
      htu: 'https://api.example.test/items',
      iat: Math.floor(Date.now() / 1000),
      ath: createHash('sha256').update(accessToken).digest('base64url'),
    })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: key.alg, jwk: key.jwk })
      .sign(key.privateKey);
    const result = await verifier.verify(accessToken, {
      method: 'GET',
      url: '/items',
      origin: 'https://api.example.test',
      scheme: 'DPoP',
      headers: { dpop: resourceProof },
    });
    expect(result.dpop).toEqual({ jkt: key.jkt });
    await expect(verifier.verify(accessToken)).rejects.toMatchObject({
      code: 'ERR_DPOP_BOUND_TOKEN_AS_BEARER',
    });
  });

  test('without a DPoP header the same issuer still issues Bearer tokens without cnf', async () => {
    const response = await clientCredentials(server);
    expect(response.status).toBe(200);
    expect(response.body.token_type).toBe('Bearer');
    expect(decodeJwt(response.body.access_token as string).cnf).toBeUndefined();
  });

  test('an issuer without dpop ignores the header: Bearer, as before', async () => {
    const plain = await serve({ dpop: undefined });
    const response = await clientCredentials(plain, { dpop: 'not even a proof' });
    expect(response.status).toBe(200);
    expect(response.body.token_type).toBe('Bearer');
  });

  test('a proof whose htu spells the advertised endpoint differently (RFC 3986 normalisation) is accepted', async () => {
    const htu = server.tokenEndpoint.replace('http://', 'HTTP://') + '?ignored=query';
    const response = await clientCredentials(server, { dpop: await proof(key, { htu }) });
    expect(response.status).toBe(200);
  });
});

describe('an invalid proof is 400 invalid_dpop_proof, and no grant runs', () => {
  // The description names the rule the proof broke (core's wording), so each case fails for its own reason.
  test.each<[string, () => Promise<string>, RegExp]>([
    ['another htu', () => proof(key, { htu: `${server.url}/other` }), /htu/],
    [
      'htu on another host',
      () => proof(key, { htu: server.tokenEndpoint.replace('127.0.0.1', 'localhost') }),
      /htu/,
    ],
    ['htm GET', () => proof(key, { htm: 'GET' }), /htm/],
    ['htm post in lower case', () => proof(key, { htm: 'post' }), /htm/],
    ['a signature by another key', () => proof(key, { signWith: otherKey }), /signature/],
    ['an iat ten minutes old', () => proof(key, { iat: Math.floor(Date.now() / 1000) - 600 }), /iat/],
    ['not a JWS at all', async () => 'not-a-proof', /well-formed/],
    ['an empty header', async () => '', /well-formed/],
  ])('%s', async (_, make, reason) => {
    const response = await clientCredentials(server, { dpop: await make() });
    expectRefused(response, 'invalid_dpop_proof');
    expect(response.body.error_description).toMatch(reason);
  });

  test('an algorithm outside dpop.algorithms', async () => {
    const narrow = await serve({ dpop: { algorithms: ['ES256'] } });
    const edKey = await proofKey('EdDSA');
    const response = await clientCredentials(narrow, {
      dpop: await proof(edKey, { htu: narrow.tokenEndpoint }),
    });
    expectRefused(response, 'invalid_dpop_proof');
    expect(response.body.error_description).toMatch(/algorithm is not accepted/);
  });

  test('a replayed proof: the first use works, the second is refused', async () => {
    const once = await proof(key);
    expect((await clientCredentials(server, { dpop: once })).status).toBe(200);
    const replayed = await clientCredentials(server, { dpop: once });
    expectRefused(replayed, 'invalid_dpop_proof');
    expect(replayed.body.error_description).toMatch(/used before/);
  });

  test('two DPoP header lines, and two proofs joined in one line', async () => {
    const first = await proof(key);
    const second = await proof(key);
    const body = new URLSearchParams({ grant_type: 'client_credentials' }).toString();
    const twoLines = await rawPost(server, { authorization: basic, dpop: [first, second] }, body);
    expectRefused(twoLines, 'invalid_dpop_proof');
    expect(twoLines.body.error_description).toMatch(/exactly one DPoP proof/);
    const joined = await clientCredentials(server, { dpop: `${await proof(key)}, ${await proof(key)}` });
    expectRefused(joined, 'invalid_dpop_proof');
    expect(joined.body.error_description).toMatch(/exactly one DPoP proof/);
  });

  test('a refresh with a bad proof does not spend the refresh token', async () => {
    const login = await server.issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    const bad = await refreshAsWeb(server, login.refreshToken!, { dpop: await proof(key, { htm: 'PUT' }) });
    expectRefused(bad, 'invalid_dpop_proof');
    const good = await refreshAsWeb(server, login.refreshToken!, { dpop: await proof(key) });
    expect(good.status).toBe(200);
  });
});

describe('server nonces (RFC 9449 §8)', () => {
  test('without a nonce: 400 use_dpop_nonce with DPoP-Nonce; with it: tokens and the next nonce', async () => {
    const nonces = await serve({ dpop: { nonce: { secret: 'a shared secret of at least 32 bytes!!' } } });
    const first = await clientCredentials(nonces, {
      dpop: await proof(key, { htu: nonces.tokenEndpoint }),
    });
    expectRefused(first, 'use_dpop_nonce');
    const nonce = first.headers.get('dpop-nonce');
    expect(nonce).toEqual(expect.any(String));

    const stale = await clientCredentials(nonces, {
      dpop: await proof(key, { htu: nonces.tokenEndpoint, nonce: 'made-up' }),
    });
    expectRefused(stale, 'use_dpop_nonce');

    const second = await clientCredentials(nonces, {
      dpop: await proof(key, { htu: nonces.tokenEndpoint, nonce: nonce! }),
    });
    expect(second.status).toBe(200);
    expect(second.body.token_type).toBe('DPoP');
    expect(second.headers.get('dpop-nonce')).toEqual(expect.any(String));
  });

  test('a request without DPoP needs no nonce (Bearer tokens)', async () => {
    const nonces = await serve({ dpop: { nonce: true } });
    const response = await clientCredentials(nonces);
    expect(response.status).toBe(200);
    expect(response.body.token_type).toBe('Bearer');
  });
});

describe('public-client refresh tokens bound to the proof key (RFC 9449 §5)', () => {
  test('the first refresh with a proof binds the family: same key works and stays bound; another key or none is invalid_grant', async () => {
    const login = await server.issuer.issueTokens({ sub: 'alice', clientId: 'web', scope: 'read' });
    const bound = await refreshAsWeb(server, login.refreshToken!, { dpop: await proof(key) });
    expect(bound.status).toBe(200);
    expect(bound.body.token_type).toBe('DPoP');
    expect(decodeJwt(bound.body.access_token as string).cnf).toEqual({ jkt: key.jkt });
    const refreshToken = bound.body.refresh_token as string;

    const stolen = await refreshAsWeb(server, refreshToken, { dpop: await proof(otherKey) });
    expectRefused(stolen, 'invalid_grant');
    expect(stolen.body.error_description).toBe('refresh token is bound to another DPoP key');
    const bare = await refreshAsWeb(server, refreshToken);
    expectRefused(bare, 'invalid_grant');

    // Neither refusal spent the token: its holder refreshes with the key, and the binding carries on.
    const next = await refreshAsWeb(server, refreshToken, { dpop: await proof(key) });
    expect(next.status).toBe(200);
    expect(decodeJwt(next.body.access_token as string).cnf).toEqual({ jkt: key.jkt });
    expectRefused(
      await refreshAsWeb(server, next.body.refresh_token as string, { dpop: await proof(otherKey) }),
      'invalid_grant',
    );
  });

  test('a grant bound with issueTokens({ dpopJkt }) is enforced at the endpoint', async () => {
    const login = await server.issuer.issueTokens({ sub: 'bob', clientId: 'web', dpopJkt: key.jkt });
    expect(login.tokenType).toBe('DPoP');
    expectRefused(await refreshAsWeb(server, login.refreshToken!), 'invalid_grant');
    expectRefused(
      await refreshAsWeb(server, login.refreshToken!, { dpop: await proof(otherKey) }),
      'invalid_grant',
    );
    const ok = await refreshAsWeb(server, login.refreshToken!, { dpop: await proof(key) });
    expect(ok.status).toBe(200);
    expect(decodeJwt(ok.body.access_token as string).cnf).toEqual({ jkt: key.jkt });
  });

  test('a confidential client: each access token bound to that request’s key, the refresh token not bound', async () => {
    const login = await server.issuer.issueTokens({ sub: 'svc', clientId: 'svc' });
    const refresh = (refreshToken: string, headers: Record<string, string>) =>
      post(
        server,
        { grant_type: 'refresh_token', refresh_token: refreshToken },
        { authorization: basic, ...headers },
      );
    const first = await refresh(login.refreshToken!, { dpop: await proof(key) });
    expect(decodeJwt(first.body.access_token as string).cnf).toEqual({ jkt: key.jkt });
    const second = await refresh(first.body.refresh_token as string, { dpop: await proof(otherKey) });
    expect(decodeJwt(second.body.access_token as string).cnf).toEqual({ jkt: otherKey.jkt });
    const third = await refresh(second.body.refresh_token as string, {});
    expect(third.body.token_type).toBe('Bearer');
  });
});

describe('discovery', () => {
  test('dpop_signing_alg_values_supported lists the accepted algorithms when dpop is on, and only then', async () => {
    const metadata = async (target: Served) =>
      (await (await fetch(`${target.url}/.well-known/oauth-authorization-server`)).json()) as Record<
        string,
        unknown
      >;
    // The defaults are core's: whatever its proof verifier accepts is what discovery lists.
    expect((await metadata(server)).dpop_signing_alg_values_supported).toEqual([
      ...createDpopProofVerifier().challenge.algorithms,
    ]);
    const narrow = await serve({ dpop: { algorithms: ['EdDSA', 'ES256'] } });
    expect((await metadata(narrow)).dpop_signing_alg_values_supported).toEqual(['EdDSA', 'ES256']);
    const plain = await serve({ dpop: undefined });
    expect(await metadata(plain)).not.toHaveProperty('dpop_signing_alg_values_supported');
  });
});

describe('a replay store that cannot answer: 503 with Retry-After, nothing issued', () => {
  test.each<[string, ReplayStore]>([
    [
      'throws',
      {
        markUsed() {
          throw new Error('connection refused');
        },
      },
    ],
    ['rejects', { markUsed: () => Promise.reject(new Error('timeout')) }],
  ])('a store that %s', async (_, replayStore) => {
    const down = await serve({ dpop: { replayStore } });
    const login = await down.issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    const response = await refreshAsWeb(down, login.refreshToken!, {
      dpop: await proof(key, { htu: down.tokenEndpoint }),
    });
    expectRefused(response, 'temporarily_unavailable', 503);
    expect(response.headers.get('retry-after')).toBe('5');
    // The refresh token was not spent: the grant never ran.
    await expect(down.issuer.refresh(login.refreshToken!, { clientId: 'web' })).resolves.toMatchObject({
      tokenType: 'Bearer',
    });
  });
});

describe('options and programmatic binding', () => {
  function refusal(construct: () => unknown): ConfigurationError {
    try {
      construct();
    } catch (error) {
      if (error instanceof ConfigurationError) return error;
      throw error;
    }
    throw new Error('accepted');
  }
  const ISS = 'https://auth.example.test';

  test('misspelt dpop option names are refused as the issuer’s, with the name that was meant', () => {
    const top = refusal(() =>
      createIssuer({ issuer: ISS, dpop: { nonse: true } as unknown as IssuerOptions['dpop'] }),
    );
    expect(top.message).toContain('createIssuer(): dpop');
    expect(top.message).toContain('did you mean "nonce"?');
    const nested = refusal(() =>
      createIssuer({
        issuer: ISS,
        dpop: { nonce: { secret: 'x'.repeat(32), windw: '1m' } } as unknown as IssuerOptions['dpop'],
      }),
    );
    expect(nested.message).toContain('createIssuer(): dpop.nonce');
    expect(nested.message).toContain('did you mean "window"?');
  });

  test('bad dpop values are refused at construction', () => {
    expect(() => createIssuer({ issuer: ISS, dpop: 'yes' as unknown as true })).toThrow(ConfigurationError);
    expect(() => createIssuer({ issuer: ISS, dpop: { algorithms: ['HS256'] } })).toThrow(/asymmetric/);
    expect(() => createIssuer({ issuer: ISS, dpop: { nonce: { secret: 'short' } } })).toThrow(/32 bytes/);
    expect(() => createIssuer({ issuer: ISS, dpop: { proofMaxAge: 0 } })).toThrow(ConfigurationError);
  });

  test('issueTokens: dpopJkt must be a thumbprint; a cnf.jkt claim is refused, other cnf members kept', async () => {
    const issuer = createIssuer({ issuer: ISS, audience: AUD });
    await expect(issuer.issueTokens({ sub: 'a', clientId: 'web', dpopJkt: 'short' })).rejects.toThrow(
      ConfigurationError,
    );
    await expect(
      issuer.issueTokens({ sub: 'a', clientId: 'web', claims: { cnf: { jkt: key.jkt } } }),
    ).rejects.toThrow(/dpopJkt/);
    const set = await issuer.issueTokens({
      sub: 'a',
      clientId: 'web',
      dpopJkt: key.jkt,
      claims: { cnf: { 'x5t#S256': 'certificate-thumbprint' } },
    });
    expect(decodeJwt(set.accessToken).cnf).toEqual({ 'x5t#S256': 'certificate-thumbprint', jkt: key.jkt });
    await expect(issuer.refresh(set.refreshToken!, { dpopJkt: 'not a thumbprint' })).rejects.toThrow(
      ConfigurationError,
    );
  });

  test('a bound token from issueTokens is refused as Bearer by a verifier without dpop (RFC 9449 §7.2)', async () => {
    const issuer = createIssuer({ issuer: ISS, audience: AUD });
    const set = await issuer.issueTokens({
      sub: 'a',
      clientId: 'web',
      dpopJkt: key.jkt,
      refreshToken: false,
    });
    const verifier = createVerifier({ issuer: ISS, audience: AUD, keys: await issuer.jwks() });
    const outcome = await verifier.verify(set.accessToken).catch((error: unknown) => error);
    expect(isJwtGuardError(outcome) && outcome.code).toBe('ERR_DPOP_BOUND_TOKEN_AS_BEARER');
  });
});
