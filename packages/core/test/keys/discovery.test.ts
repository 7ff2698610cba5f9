import {
  discoveryUrls,
  discoverJwksUri,
  isAcceptableJwksUri,
  jwksUriFromMetadata,
} from '../../src/keys/discovery.js';
import { createRefetchBudget } from '../../src/keys/refetch-budget.js';
import { createRemoteKeySource } from '../../src/keys/remote-key-source.js';
import type { JwtGuardEvent } from '../../src/types.js';
import { createSigningKey, startJwksServer, type JwksServer } from '../support/jwks-server.js';

const servers: JwksServer[] = [];
afterAll(() => Promise.all(servers.map((server) => server.close())));

async function server(options: Parameters<typeof startJwksServer>[0] = {}): Promise<JwksServer> {
  const started = await startJwksServer(options);
  servers.push(started);
  return started;
}

function discover(issuer: string): Promise<string> {
  return discoverJwksUri(issuer, { fetch, signal: AbortSignal.timeout(5000), maxBytes: 65536 });
}

describe('discoveryUrls', () => {
  it('appends the OIDC suffix to the issuer and inserts the RFC 8414 segment before its path', () => {
    expect(discoveryUrls('https://auth.example.com')).toEqual([
      'https://auth.example.com/.well-known/openid-configuration',
      'https://auth.example.com/.well-known/oauth-authorization-server',
    ]);
    expect(discoveryUrls('https://auth.example.com/')).toEqual(discoveryUrls('https://auth.example.com'));
    expect(discoveryUrls('https://auth.example.com/tenants/a/')).toEqual([
      'https://auth.example.com/tenants/a/.well-known/openid-configuration',
      'https://auth.example.com/.well-known/oauth-authorization-server/tenants/a',
    ]);
  });
});

describe('discoverJwksUri', () => {
  it('reads jwks_uri from the OpenID configuration first', async () => {
    const idp = await server();
    await expect(discover(idp.issuer)).resolves.toBe(idp.jwksUri);
    expect(idp.hits.get('/.well-known/openid-configuration')).toBe(1);
    expect(idp.hits.has('/.well-known/oauth-authorization-server')).toBe(false);
  });

  it('falls back to RFC 8414 metadata, with the path inserted for an issuer that has one', async () => {
    const idp = await server({ issuerPath: '/tenant-a', metadata: ['oauth'] });
    await expect(discover(idp.issuer)).resolves.toBe(idp.jwksUri);
    expect(idp.hits.get('/tenant-a/.well-known/openid-configuration')).toBe(1);
    expect(idp.hits.get('/.well-known/oauth-authorization-server/tenant-a')).toBe(1);
  });

  it('refuses metadata naming another issuer, even one differing only by a trailing slash', async () => {
    const idp = await server();
    idp.metadataOverride = { issuer: `${idp.issuer}/` };
    await expect(discover(idp.issuer)).rejects.toThrow(/expected exactly/);
    idp.metadataOverride = { issuer: 'https://evil.example' };
    await expect(discover(idp.issuer)).rejects.toThrow(/discovery failed/);
  });

  it('refuses a jwks_uri that is plain http off loopback', async () => {
    const idp = await server();
    idp.metadataOverride = { jwks_uri: 'http://keys.example.com/jwks' };
    await expect(discover(idp.issuer)).rejects.toThrow(/https/);
    idp.metadataOverride = { jwks_uri: 42 };
    await expect(discover(idp.issuer)).rejects.toThrow(/no jwks_uri/);
  });

  it('reports every location it tried when none answers', async () => {
    const idp = await server();
    idp.mode = 'error';
    await expect(discover(idp.issuer)).rejects.toThrow(
      /openid-configuration: HTTP 500; .*oauth-authorization-server: HTTP 500/,
    );
  });
});

describe('jwksUriFromMetadata / isAcceptableJwksUri', () => {
  it('returns jwks_uri for the exact issuer', () => {
    const metadata = { issuer: 'https://a.example', jwks_uri: 'https://a.example/keys' };
    expect(jwksUriFromMetadata(metadata, 'https://a.example')).toBe('https://a.example/keys');
    expect(() => jwksUriFromMetadata(metadata, 'https://A.example')).toThrow(/expected exactly/);
  });

  it.each([
    ['https://keys.example.com/jwks', true],
    ['http://127.0.0.1:8080/jwks', true],
    ['http://localhost/jwks', true],
    ['http://[::1]:3000/jwks', true],
    ['http://keys.example.com/jwks', false],
    ['http://127.0.0.1.evil.example/jwks', false],
    ['https://user:pass@keys.example.com/jwks', false],
    ['file:///etc/passwd', false],
    ['not a url', false],
  ])('%s → %s', (uri, accepted) => {
    expect(isAcceptableJwksUri(uri)).toBe(accepted);
  });
});

describe('remote key source with discovery', () => {
  it('discovers once, then refetches only the JWKS', async () => {
    const idp = await server();
    const key = await createSigningKey('ES256');
    idp.keys = [key.publicJwk];
    let now = 1_800_000_000_000;
    const events: JwtGuardEvent[] = [];
    const source = createRemoteKeySource({
      issuer: idp.issuer,
      fetch,
      clock: () => now,
      cache: { refreshAhead: 0 },
      budget: createRefetchBudget(60, () => now),
      onEvent: (event) => events.push(event),
    });
    expect(await source.getKeys({ alg: 'ES256', kid: key.kid })).toHaveLength(1);
    now += 601_000;
    expect(await source.getKeys({ alg: 'ES256', kid: key.kid })).toHaveLength(1);
    expect(idp.hits.get('/.well-known/openid-configuration')).toBe(1);
    expect(idp.jwksFetches()).toBe(2);
    expect(events.map((event) => event.type)).toEqual(['jwks.fetched', 'jwks.fetched']);
  });

  it('names the issuer in jwks.failed when discovery fails and answers 503', async () => {
    const idp = await server();
    idp.mode = 'error';
    const events: JwtGuardEvent[] = [];
    const source = createRemoteKeySource({
      issuer: idp.issuer,
      fetch,
      clock: Date.now,
      cache: {},
      budget: createRefetchBudget(60, Date.now),
      onEvent: (event) => events.push(event),
    });
    await expect(source.getKeys({ alg: 'ES256', kid: 'x' })).rejects.toMatchObject({ status: 503 });
    expect(events).toEqual([
      { type: 'jwks.failed', uri: idp.issuer, reason: expect.stringMatching(/^discovery/) },
    ]);
  });

  it('bounds discovery and the JWKS fetch together by one timeout when the metadata endpoint hangs', async () => {
    const idp = await server();
    idp.mode = 'hang';
    const events: JwtGuardEvent[] = [];
    const source = createRemoteKeySource({
      issuer: idp.issuer,
      fetch,
      clock: Date.now,
      cache: { timeout: '300ms' },
      budget: createRefetchBudget(60, Date.now),
      onEvent: (event) => events.push(event),
    });
    await expect(source.getKeys({ alg: 'ES256', kid: 'x' })).rejects.toMatchObject({ status: 503 });
    // The first location timed out; the second was never tried because the deadline had passed.
    expect(events).toEqual([
      { type: 'jwks.failed', uri: idp.issuer, reason: expect.stringMatching(/timed out after 300 ms\)$/) },
    ]);
    expect(idp.hits.has('/.well-known/oauth-authorization-server')).toBe(false);
  });
});
