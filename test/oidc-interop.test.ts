// Interop with a real OpenID provider: tokens minted by oidc-provider 9 (RFC 9068 JWT access tokens via
// client_credentials + RFC 8707 resource indicators), verified through discovery, before and after rotation.
import { createVerifier, type JwtGuardEvent } from '@jwtguard/core';
import { CLIENT_ID, RESOURCE, startOidcProvider, type OidcTestProvider } from './support/oidc-provider.js';

const decodeProtectedHeader = (token: string): unknown =>
  JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8'));

let idp: OidcTestProvider;
beforeAll(async () => {
  idp = await startOidcProvider('ES256');
});
afterAll(() => idp.close());

describe('oidc-provider interop', () => {
  it('verifies at+jwt access tokens through discovery, and across a key rotation', async () => {
    let skew = 0;
    const events: JwtGuardEvent[] = [];
    const verifier = createVerifier({
      issuer: idp.issuer,
      audience: RESOURCE,
      typ: 'at+jwt',
      clock: () => Date.now() + skew,
      onEvent: (event) => events.push(event),
    });

    const token = await idp.accessToken('read write');
    expect(decodeProtectedHeader(token)).toMatchObject({ typ: 'at+jwt', alg: 'ES256', kid: 'initial' });
    const result = await verifier.verify(token);
    expect(result.issuer).toBe(idp.issuer);
    expect(result.payload).toMatchObject({ iss: idp.issuer, aud: RESOURCE, client_id: CLIENT_ID });
    expect(result.scopes.sort()).toEqual(['read', 'write']);
    expect(idp.jwksFetches()).toBe(1);

    const newKid = await idp.rotate('RS256');
    const rotated = await idp.accessToken();
    expect(decodeProtectedHeader(rotated)).toMatchObject({ alg: 'RS256', kid: newKid });
    // The cooldown (5 s since the last fetch) is what lets the new kid trigger a refetch.
    skew = 6_000;
    await expect(verifier.verify(rotated)).resolves.toMatchObject({ header: { kid: newKid } });
    expect(idp.jwksFetches()).toBe(2);
    // Tokens signed by the old key still verify while it stays published.
    await expect(verifier.verify(token)).resolves.toMatchObject({ header: { kid: 'initial' } });
    expect(idp.jwksFetches()).toBe(2);
    expect(events.filter((event) => event.type === 'jwks.fetched')).toHaveLength(2);
  });

  it("refuses the same provider's tokens for an API with another audience", async () => {
    const verifier = createVerifier({ issuer: idp.issuer, audience: 'https://other-api.test' });
    await expect(verifier.verify(await idp.accessToken())).rejects.toMatchObject({
      status: 401,
      error: 'invalid_token',
    });
  });
});
