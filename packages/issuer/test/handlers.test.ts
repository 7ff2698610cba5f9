// The Web handlers: discovery, JWKS caching headers, token endpoint grants and client authentication, the
// revocation endpoint, and RFC 6749 §5.2 / RFC 7009 §2.2.1 errors for every kind of bad input.
import { createMemoryDenylist, createVerifier } from '@jwtguard/core';
import { createIssuer } from '@jwtguard/issuer';

const ISS = 'https://auth.example.test';
const AUD = 'https://api.example.test';
const now = Date.UTC(2026, 0, 1);
const denylist = createMemoryDenylist({ clock: () => now });
const issuer = createIssuer({
  issuer: ISS,
  audience: AUD,
  clock: () => now,
  denylist,
  jwksCacheLifetime: '5m',
  scopesSupported: ['read', 'write'],
  clients: [
    {
      id: 'svc',
      secret: 's3cret:with%chars',
      scopes: ['read', 'write'],
      audience: 'https://other.example.test',
    },
    { id: 'web' },
    { id: 'refresh-only', secret: 'x', grants: ['refresh_token'] },
  ],
});

const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

function post(path: string, body: Record<string, string> | string, headers: Record<string, string> = {}) {
  return issuer.handle(
    new Request(`${ISS}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: typeof body === 'string' ? body : new URLSearchParams(body).toString(),
    }),
  );
}

async function expectError(response: Response, status: number, error: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('cache-control')).toBe('no-store');
  expect(await response.json()).toMatchObject({ error, error_description: expect.any(String) });
}

describe('discovery and JWKS', () => {
  test.each(['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'])(
    '%s names the issuer and its endpoints',
    async (path) => {
      const response = await issuer.handle(new Request(`${ISS}${path}`));
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({
        issuer: ISS,
        jwks_uri: `${ISS}/jwks.json`,
        token_endpoint: `${ISS}/token`,
        revocation_endpoint: `${ISS}/revoke`,
        grant_types_supported: ['refresh_token', 'client_credentials'],
        scopes_supported: ['read', 'write'],
      });
    },
  );

  test('an issuer with a path gets both well-known locations (OIDC §4, RFC 8414 §3.1)', async () => {
    const tenant = createIssuer({ issuer: 'https://auth.example.test/tenant-a', paths: { jwks: '/keys' } });
    for (const path of [
      '/tenant-a/.well-known/openid-configuration',
      '/.well-known/oauth-authorization-server/tenant-a',
    ]) {
      const body = (await (
        await tenant.handle(new Request(`https://auth.example.test${path}`))
      ).json()) as Record<string, unknown>;
      expect(body.jwks_uri).toBe('https://auth.example.test/tenant-a/keys');
    }
    expect((await tenant.handle(new Request('https://auth.example.test/tenant-a/keys'))).status).toBe(200);
  });

  test('JWKS: public keys only, max-age equal to jwksCacheLifetime', async () => {
    const response = await issuer.handle(new Request(`${ISS}/jwks.json`));
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const body = (await response.json()) as { keys: Record<string, unknown>[] };
    expect(body.keys).toHaveLength(2);
    expect(body.keys.every((key) => key.d === undefined)).toBe(true);
  });

  test('unknown paths are 404 and wrong methods 405', async () => {
    expect((await issuer.handle(new Request(`${ISS}/nope`))).status).toBe(404);
    expect((await issuer.handle(new Request(`${ISS}/jwks.json`, { method: 'POST' }))).status).toBe(405);
  });
});

describe('token endpoint', () => {
  test('client_credentials with client_secret_basic: an RFC 9068 token for the client, no refresh token', async () => {
    const response = await post(
      '/token',
      { grant_type: 'client_credentials', scope: 'read' },
      {
        authorization: basic('svc', 's3cret:with%chars'),
      },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: 'read' });
    expect(body.refresh_token).toBeUndefined();
    const verifier = createVerifier({
      issuer: ISS,
      audience: 'https://other.example.test',
      keys: await issuer.jwks(),
      clock: () => now,
      typ: 'at+jwt',
    });
    const { payload } = await verifier.verify(body.access_token as string);
    expect(payload).toMatchObject({ sub: 'svc', client_id: 'svc' });
  });

  test('client_secret_post works too', async () => {
    const response = await post('/token', {
      grant_type: 'client_credentials',
      client_id: 'svc',
      client_secret: 's3cret:with%chars',
    });
    expect(response.status).toBe(200);
  });

  test('wrong secret, unknown client, no credentials: invalid_client 401 with a Basic challenge', async () => {
    const wrong = await post(
      '/token',
      { grant_type: 'client_credentials' },
      { authorization: basic('svc', 'nope') },
    );
    await expectError(wrong, 401, 'invalid_client');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    await expectError(
      await post('/token', { grant_type: 'client_credentials' }, { authorization: basic('ghost', 'x') }),
      401,
      'invalid_client',
    );
    await expectError(await post('/token', { grant_type: 'client_credentials' }), 401, 'invalid_client');
    await expectError(
      await post('/token', { grant_type: 'client_credentials', client_id: 'svc', client_secret: 'bad' }),
      401,
      'invalid_client',
    );
    await expectError(
      await post('/token', { grant_type: 'client_credentials' }, { authorization: 'Basic !!!' }),
      401,
      'invalid_client',
    );
  });

  test('two authentication methods at once: invalid_request', async () => {
    const response = await post(
      '/token',
      { grant_type: 'client_credentials', client_secret: 'x' },
      {
        authorization: basic('svc', 's3cret:with%chars'),
      },
    );
    await expectError(response, 400, 'invalid_request');
  });

  test('grant errors: missing, unsupported, not allowed for the client, scope not granted', async () => {
    const auth = { authorization: basic('svc', 's3cret:with%chars') };
    await expectError(await post('/token', {}, auth), 400, 'invalid_request');
    await expectError(await post('/token', { grant_type: 'password' }, auth), 400, 'unsupported_grant_type');
    await expectError(
      await post(
        '/token',
        { grant_type: 'client_credentials' },
        { authorization: basic('refresh-only', 'x') },
      ),
      400,
      'unauthorized_client',
    );
    await expectError(
      await post('/token', { grant_type: 'client_credentials', client_id: 'web' }),
      400,
      'unauthorized_client',
    );
    await expectError(
      await post('/token', { grant_type: 'client_credentials', scope: 'admin' }, auth),
      400,
      'invalid_scope',
    );
    await expectError(
      await post('/token', { grant_type: 'client_credentials', scope: 'bad"scope' }, auth),
      400,
      'invalid_scope',
    );
  });

  test('malformed requests: GET, JSON body, repeated parameter, huge body, bad UTF-8 — never a 500', async () => {
    await expectError(await issuer.handle(new Request(`${ISS}/token`)), 400, 'invalid_request');
    await expectError(
      await issuer.handle(
        new Request(`${ISS}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        }),
      ),
      400,
      'invalid_request',
    );
    await expectError(
      await post('/token', 'grant_type=client_credentials&grant_type=refresh_token&client_id=web'),
      400,
      'invalid_request',
    );
    await expectError(await post('/token', `grant_type=${'x'.repeat(20_000)}`), 400, 'invalid_request');
    const badUtf8 = await issuer.handle(
      new Request(`${ISS}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new Uint8Array([0x67, 0xff, 0xfe]),
      }),
    );
    await expectError(badUtf8, 400, 'invalid_request');
  });

  test('refresh_token grant for a public client, rotation and reuse through HTTP', async () => {
    const login = await issuer.issueTokens({ sub: 'alice', clientId: 'web', scope: 'read write' });
    const first = await post('/token', {
      grant_type: 'refresh_token',
      client_id: 'web',
      refresh_token: login.refreshToken!,
    });
    expect(first.status).toBe(200);
    const body = (await first.json()) as Record<string, string>;
    expect(body.refresh_token).toEqual(expect.any(String));
    expect(body.refresh_token).not.toBe(login.refreshToken);
    expect(body.scope).toBe('read write');
    const narrowed = await post('/token', {
      grant_type: 'refresh_token',
      client_id: 'web',
      refresh_token: body.refresh_token!,
      scope: 'read',
    });
    expect(((await narrowed.json()) as Record<string, string>).scope).toBe('read');
    const reused = await post('/token', {
      grant_type: 'refresh_token',
      client_id: 'web',
      refresh_token: login.refreshToken!,
    });
    await expectError(reused, 400, 'invalid_grant');
    await expectError(
      await post('/token', { grant_type: 'refresh_token', client_id: 'web' }),
      400,
      'invalid_request',
    );
  });

  test('refresh_token grant for a confidential client authenticated with client_secret_basic', async () => {
    const login = await issuer.issueTokens({ sub: 'alice', clientId: 'refresh-only', scope: 'read' });
    const response = await post(
      '/token',
      { grant_type: 'refresh_token', refresh_token: login.refreshToken! },
      { authorization: basic('refresh-only', 'x') },
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, string>;
    expect(body).toMatchObject({ token_type: 'Bearer', scope: 'read' });
    expect(body.refresh_token).not.toBe(login.refreshToken);
    // the same token with a wrong secret is invalid_client, and does not consume the new one
    const wrong = await post(
      '/token',
      { grant_type: 'refresh_token', refresh_token: body.refresh_token! },
      { authorization: basic('refresh-only', 'y') },
    );
    await expectError(wrong, 401, 'invalid_client');
    await expect(issuer.refresh(body.refresh_token!, { clientId: 'refresh-only' })).resolves.toMatchObject({
      tokenType: 'Bearer',
      scope: 'read',
      refreshToken: expect.any(String),
    });
  });

  test('a refresh token presented by another client is invalid_grant', async () => {
    const login = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    const response = await post(
      '/token',
      { grant_type: 'refresh_token', refresh_token: login.refreshToken! },
      {
        authorization: basic('refresh-only', 'x'),
      },
    );
    await expectError(response, 400, 'invalid_grant');
  });
});

describe('revocation endpoint', () => {
  test('revokes an access token into the denylist; 200 with no body', async () => {
    const set = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    const response = await post('/revoke', {
      token: set.accessToken,
      token_type_hint: 'access_token',
      client_id: 'web',
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    const verifier = createVerifier({
      issuer: ISS,
      audience: AUD,
      keys: await issuer.jwks(),
      clock: () => now,
      denylist,
    });
    await expect(verifier.verify(set.accessToken)).rejects.toMatchObject({ status: 401 });
  });

  test('token_type_hint: refresh_token is passed on; an unknown value is ignored (§2.1), the token still revoked', async () => {
    const verifier = async () =>
      createVerifier({ issuer: ISS, audience: AUD, keys: await issuer.jwks(), clock: () => now, denylist });
    const hinted = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    const hintedResponse = await post('/revoke', {
      token: hinted.refreshToken!,
      token_type_hint: 'refresh_token',
      client_id: 'web',
    });
    expect(hintedResponse.status).toBe(200);
    await expect(issuer.refresh(hinted.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });

    const access = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    const refresh = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    for (const token of [access.accessToken, refresh.refreshToken!]) {
      const response = await post('/revoke', { token, token_type_hint: 'id_token', client_id: 'web' });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('');
    }
    await expect((await verifier()).verify(access.accessToken)).rejects.toMatchObject({
      code: 'ERR_JWT_REVOKED',
    });
    await expect(issuer.refresh(refresh.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('unknown token: 200; missing token: invalid_request; bad client: invalid_client', async () => {
    expect((await post('/revoke', { token: 'whatever', client_id: 'web' })).status).toBe(200);
    await expectError(await post('/revoke', { client_id: 'web' }), 400, 'invalid_request');
    await expectError(
      await post('/revoke', { token: 'x' }, { authorization: basic('svc', 'wrong') }),
      401,
      'invalid_client',
    );
  });
});

describe('paths and hostile input', () => {
  test('paths moves the token and revocation endpoints (and discovery names them)', async () => {
    const moved = createIssuer({
      issuer: ISS,
      audience: AUD,
      clock: () => now,
      denylist,
      clients: [{ id: 'svc', secret: 'x' }],
      paths: { token: '/oauth2/token', revocation: 'oauth2/revoke' },
    });
    const metadata = (await (
      await moved.handle(new Request(`${ISS}/.well-known/openid-configuration`))
    ).json()) as Record<string, string>;
    expect(metadata.token_endpoint).toBe(`${ISS}/oauth2/token`);
    expect(metadata.revocation_endpoint).toBe(`${ISS}/oauth2/revoke`);
    const form = (path: string, body: Record<string, string>) =>
      moved.handle(
        new Request(`${ISS}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(body).toString(),
        }),
      );
    const credentials = { client_id: 'svc', client_secret: 'x' };
    expect((await form('/oauth2/token', { grant_type: 'client_credentials', ...credentials })).status).toBe(
      200,
    );
    expect((await form('/oauth2/revoke', { token: 'unknown', ...credentials })).status).toBe(200);
    expect((await form('/token', { grant_type: 'client_credentials', ...credentials })).status).toBe(404);
    expect((await form('/revoke', { token: 'unknown', ...credentials })).status).toBe(404);
  });

  test('garbage at either endpoint is an RFC error (400/401 JSON), never a 500', async () => {
    const auth = basic('svc', 's3cret:with%chars');
    const cases: Array<{ headers?: Record<string, string>; body: BodyInit; method?: string }> = [
      { body: '' },
      { body: '&&&===&' },
      { body: '%zz%%%' },
      { body: 'grant_type=refresh_token&refresh_token=%00%FF%FE&client_id=web' },
      { body: `grant_type=refresh_token&client_id=web&refresh_token=${'A'.repeat(600)}` },
      { body: 'grant_type=client_credentials&scope=%22%5C', headers: { authorization: auth } },
      { body: 'grant_type=client_credentials', headers: { authorization: `Basic ${'A'.repeat(4000)}` } },
      { body: 'grant_type=client_credentials', headers: { authorization: 'Basic Og==' } }, // ":" only
      { body: 'grant_type=client_credentials', headers: { authorization: 'Basic JXp6OiV6eg==' } }, // "%zz:%zz"
      { body: 'grant_type=client_credentials', headers: { authorization: 'Bearer abc' } },
      { body: 'token=a.b.c&client_id=web&token_type_hint=%00' },
      { body: 'token=eyJhbGciOiJub25lIn0.e30.&client_id=web' },
      { body: new Uint8Array(20_000).fill(0x61) },
      { body: 'grant_type=client_credentials', headers: { 'content-type': 'text/plain' } },
      {
        body: 'grant_type=client_credentials',
        headers: { 'content-type': 'multipart/form-data; boundary=x' },
      },
      { body: 'client_id=web&client_id=web&token=x' },
      { body: 'x', method: 'PUT' },
    ];
    for (const path of ['/token', '/revoke']) {
      for (const { headers = {}, body, method = 'POST' } of cases) {
        const response = await issuer.handle(
          new Request(`${ISS}${path}`, {
            method,
            headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
            body,
          }),
        );
        // The revocation endpoint answers 200 for a well-formed request naming an unknown token (RFC 7009).
        if (response.status === 200) {
          expect(path).toBe('/revoke');
          continue;
        }
        expect([400, 401]).toContain(response.status);
        expect(await response.json()).toMatchObject({ error: expect.any(String) });
      }
    }
  });
});
