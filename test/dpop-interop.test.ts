// DPoP (RFC 9449) interop with code nobody here wrote: proofs made by panva's `dpop` package and by
// oauth4webapi's DPoP handle, and DPoP-bound access tokens issued by oidc-provider 9, all checked by jwtguard
// behind a real Express server on 127.0.0.1. Thumbprints for `cnf.jkt` come from the `dpop` package too, so
// no jwtguard code decides what a binding looks like.
import { calculateThumbprint, generateKeyPair, generateProof, type KeyPair } from 'dpop';
import * as oauth from 'oauth4webapi';
import { createVerifier } from '@jwtguard/express';
import { startDpopApi, localIssuer, LOCAL_AUDIENCE, LOCAL_ISSUER, type DpopApi } from './support/dpop-api.js';
import { loopbackServers } from './support/loopback-servers.js';
import {
  DPOP_CLIENT_ID,
  DPOP_CLIENT_SECRET,
  RESOURCE,
  startOidcDpopProvider,
  type OidcDpopProvider,
} from './support/oidc-dpop-provider.js';

const listen = loopbackServers();
const issuer = localIssuer();
const NONCE_SECRET = 'dpop-interop-nonce-secret-of-at-least-32-bytes';

const localOptions = {
  issuer: LOCAL_ISSUER,
  audience: LOCAL_AUDIENCE,
  keys: issuer.jwk,
  typ: 'at+jwt',
};

const payloadOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
const headerOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

/** A `dpop` key pair and its RFC 7638 thumbprint, computed by the `dpop` package. */
async function client(alg: 'ES256' | 'Ed25519' | 'PS256' | 'RS256'): Promise<{ keys: KeyPair; jkt: string }> {
  const keys = await generateKeyPair(alg);
  return { keys, jkt: await calculateThumbprint(keys.publicKey) };
}

describe('proofs made by the dpop package, against a local issuer', () => {
  let api: DpopApi;
  beforeAll(async () => {
    api = await startDpopApi(listen, { ...localOptions, dpop: true });
  });

  test.each(['ES256', 'PS256', 'RS256'] as const)(
    '%s: accepted for a token bound by cnf.jkt',
    async (alg) => {
      const { keys, jkt } = await client(alg);
      const token = issuer.token({ cnf: { jkt } });
      const proof = await generateProof(keys, `${api.url}/items`, 'GET', undefined, token);
      expect(headerOf(proof)).toMatchObject({ typ: 'dpop+jwt', alg });
      await expect(
        api.call('/items', { authorization: `DPoP ${token}`, dpop: proof }),
      ).resolves.toMatchObject({
        status: 200,
        jkt,
      });
    },
  );

  test('Ed25519: the dpop package signs with the fully-specified alg "Ed25519" (RFC 9864); accepted where dpop.algorithms lists it', async () => {
    const ed25519Api = await startDpopApi(listen, {
      ...localOptions,
      dpop: { algorithms: ['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256'] },
    });
    const { keys, jkt } = await client('Ed25519');
    const token = issuer.token({ cnf: { jkt } });
    const proof = await generateProof(keys, `${ed25519Api.url}/items`, 'POST', undefined, token);
    expect(headerOf(proof)).toMatchObject({ alg: 'Ed25519', jwk: { kty: 'OKP', crv: 'Ed25519' } });
    await expect(
      ed25519Api.call('/items', { method: 'POST', authorization: `DPoP ${token}`, dpop: proof }),
    ).resolves.toMatchObject({ status: 200, jkt });
  });

  test('a proof for another htu or htm is refused with ERR_DPOP_PROOF_HTU / ERR_DPOP_PROOF_HTM', async () => {
    const { keys, jkt } = await client('ES256');
    const token = issuer.token({ cnf: { jkt } });
    const otherPath = await generateProof(keys, `${api.url}/other`, 'GET', undefined, token);
    await expect(
      api.call('/items', { authorization: `DPoP ${token}`, dpop: otherPath }),
    ).resolves.toMatchObject({ status: 401, error: 'invalid_dpop_proof', code: 'ERR_DPOP_PROOF_HTU' });
    const otherOrigin = await generateProof(keys, 'http://127.0.0.1:1/items', 'GET', undefined, token);
    await expect(
      api.call('/items', { authorization: `DPoP ${token}`, dpop: otherOrigin }),
    ).resolves.toMatchObject({ status: 401, code: 'ERR_DPOP_PROOF_HTU' });
    const post = await generateProof(keys, `${api.url}/items`, 'POST', undefined, token);
    const answer = await api.call('/items', { authorization: `DPoP ${token}`, dpop: post });
    expect(answer).toMatchObject({ status: 401, error: 'invalid_dpop_proof', code: 'ERR_DPOP_PROOF_HTM' });
    expect(answer.wwwAuthenticate).toMatch(/^DPoP .*error="invalid_dpop_proof"/);
  });

  test('a replayed proof is refused with ERR_DPOP_PROOF_REPLAYED', async () => {
    const { keys, jkt } = await client('ES256');
    const token = issuer.token({ cnf: { jkt } });
    const proof = await generateProof(keys, `${api.url}/items`, 'GET', undefined, token);
    await expect(api.call('/items', { authorization: `DPoP ${token}`, dpop: proof })).resolves.toMatchObject({
      status: 200,
    });
    await expect(api.call('/items', { authorization: `DPoP ${token}`, dpop: proof })).resolves.toMatchObject({
      status: 401,
      error: 'invalid_dpop_proof',
      code: 'ERR_DPOP_PROOF_REPLAYED',
    });
  });

  test('a proof without ath, or made for another token, is refused with ERR_DPOP_PROOF_ATH', async () => {
    const { keys, jkt } = await client('ES256');
    const token = issuer.token({ cnf: { jkt } });
    const noAth = await generateProof(keys, `${api.url}/items`, 'GET');
    await expect(api.call('/items', { authorization: `DPoP ${token}`, dpop: noAth })).resolves.toMatchObject({
      status: 401,
      code: 'ERR_DPOP_PROOF_ATH',
    });
    const forOther = await generateProof(keys, `${api.url}/items`, 'GET', undefined, issuer.token());
    await expect(
      api.call('/items', { authorization: `DPoP ${token}`, dpop: forOther }),
    ).resolves.toMatchObject({ status: 401, code: 'ERR_DPOP_PROOF_ATH' });
  });

  test('nonce round trip: use_dpop_nonce with DPoP-Nonce, then a dpop proof carrying that nonce is accepted', async () => {
    const nonceApi = await startDpopApi(listen, {
      ...localOptions,
      dpop: { nonce: { secret: NONCE_SECRET } },
    });
    const { keys, jkt } = await client('ES256');
    const token = issuer.token({ cnf: { jkt } });
    const htu = `${nonceApi.url}/items`;

    const first = await nonceApi.call('/items', {
      authorization: `DPoP ${token}`,
      dpop: await generateProof(keys, htu, 'GET', undefined, token),
    });
    expect(first).toMatchObject({ status: 401, error: 'use_dpop_nonce', code: 'ERR_DPOP_NONCE_REQUIRED' });
    expect(first.wwwAuthenticate).toMatch(/^DPoP .*error="use_dpop_nonce"/);
    const nonce = first.dpopNonce;
    expect(nonce).toEqual(expect.any(String));

    const second = await nonceApi.call('/items', {
      authorization: `DPoP ${token}`,
      dpop: await generateProof(keys, htu, 'GET', nonce ?? undefined, token),
    });
    expect(second).toMatchObject({ status: 200, jkt });
    // RFC 9449 §8: the nonce to use next travels with the successful answer too.
    expect(second.dpopNonce).toEqual(expect.any(String));

    await expect(
      nonceApi.call('/items', {
        authorization: `DPoP ${token}`,
        dpop: await generateProof(keys, htu, 'GET', 'not-a-nonce-of-this-server', token),
      }),
    ).resolves.toMatchObject({ status: 401, error: 'use_dpop_nonce', code: 'ERR_DPOP_NONCE_REQUIRED' });
  });
});

describe('DPoP-bound access tokens issued by oidc-provider 9', () => {
  let idp: OidcDpopProvider;
  let api: DpopApi;
  beforeAll(async () => {
    idp = await startOidcDpopProvider();
    // Discovery and JWKS of the provider; the verifier is built here and shared with the guard.
    const verifier = createVerifier({ issuer: idp.issuer, audience: RESOURCE, typ: 'at+jwt', dpop: true });
    api = await startDpopApi(listen, verifier);
  });
  afterAll(() => idp.close());

  /** A token from the provider for a client holding `keys`, with a proof for its token endpoint. */
  async function boundToken(keys: KeyPair): Promise<string> {
    const response = await idp.tokenRequest(await generateProof(keys, idp.tokenEndpoint, 'POST'));
    expect(response).toMatchObject({ status: 200, body: { token_type: 'DPoP' } });
    return response.body.access_token as string;
  }

  test.each(['ES256', 'PS256', 'RS256'] as const)(
    '%s client key: the token is bound to the proof key and accepted with a proof of that key',
    async (alg) => {
      const { keys, jkt } = await client(alg);
      const token = await boundToken(keys);
      expect(headerOf(token)).toMatchObject({ typ: 'at+jwt' });
      expect(payloadOf(token)).toMatchObject({
        iss: idp.issuer,
        aud: RESOURCE,
        client_id: DPOP_CLIENT_ID,
        cnf: { jkt },
      });
      const proof = await generateProof(keys, `${api.url}/items`, 'GET', undefined, token);
      await expect(
        api.call('/items', { authorization: `DPoP ${token}`, dpop: proof }),
      ).resolves.toMatchObject({ status: 200, jkt });
    },
  );

  test('the provider refuses a token request without a proof for this DPoP-bound client', async () => {
    await expect(idp.tokenRequest(undefined)).resolves.toMatchObject({
      status: 400,
      body: { error: 'invalid_grant' },
    });
  });

  test('refused as Bearer, with a proof by another key, and without a proof', async () => {
    const { keys } = await client('ES256');
    const stranger = await client('ES256');
    const token = await boundToken(keys);
    const htu = `${api.url}/items`;

    const asBearer = await api.call('/items', { authorization: `Bearer ${token}` });
    expect(asBearer).toMatchObject({
      status: 401,
      error: 'invalid_token',
      code: 'ERR_DPOP_BOUND_TOKEN_AS_BEARER',
    });
    // Even with the right proof next to it: the scheme is what says how the token is used.
    await expect(
      api.call('/items', {
        authorization: `Bearer ${token}`,
        dpop: await generateProof(keys, htu, 'GET', undefined, token),
      }),
    ).resolves.toMatchObject({ status: 401, code: 'ERR_DPOP_BOUND_TOKEN_AS_BEARER' });

    await expect(
      api.call('/items', {
        authorization: `DPoP ${token}`,
        dpop: await generateProof(stranger.keys, htu, 'GET', undefined, token),
      }),
    ).resolves.toMatchObject({ status: 401, error: 'invalid_dpop_proof', code: 'ERR_DPOP_KEY_MISMATCH' });

    await expect(api.call('/items', { authorization: `DPoP ${token}` })).resolves.toMatchObject({
      status: 401,
      error: 'invalid_dpop_proof',
      code: 'ERR_DPOP_PROOF_MISSING',
    });
  });
});

describe('oauth4webapi as the client, end to end', () => {
  let idp: OidcDpopProvider;
  beforeAll(async () => {
    idp = await startOidcDpopProvider();
  });
  afterAll(() => idp.close());

  test("discovery, a DPoP client_credentials grant at oidc-provider, then jwtguard's nonce challenge answered by the DPoP handle", async () => {
    const insecure = { [oauth.allowInsecureRequests]: true };
    const issuerUrl = new URL(idp.issuer);
    const as = await oauth.processDiscoveryResponse(
      issuerUrl,
      await oauth.discoveryRequest(issuerUrl, insecure),
    );
    const oauthClient: oauth.Client = { client_id: DPOP_CLIENT_ID };
    const keys = await generateKeyPair('ES256');
    const DPoP = oauth.DPoP(oauthClient, keys);

    const grant = await oauth.clientCredentialsGrantRequest(
      as,
      oauthClient,
      oauth.ClientSecretBasic(DPOP_CLIENT_SECRET),
      { scope: 'read', resource: RESOURCE },
      { DPoP, ...insecure },
    );
    const tokens = await oauth.processClientCredentialsResponse(as, oauthClient, grant);
    expect(tokens.token_type).toBe('dpop');
    expect(payloadOf(tokens.access_token)).toMatchObject({ cnf: { jkt: await DPoP.calculateThumbprint() } });

    const api = await startDpopApi(listen, {
      issuer: idp.issuer,
      audience: RESOURCE,
      typ: 'at+jwt',
      dpop: { nonce: { secret: NONCE_SECRET } },
    });
    const url = new URL(`${api.url}/items`);
    const call = () =>
      oauth.protectedResourceRequest(tokens.access_token, 'GET', url, undefined, undefined, {
        DPoP,
        ...insecure,
      });
    // The first request has no nonce: jwtguard's challenge is one oauth4webapi recognises, and its DPoP-Nonce
    // is cached by the handle for the retry.
    const refusal = await call().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(oauth.isDPoPNonceError(refusal)).toBe(true);
    const response = await call();
    expect(response.status).toBe(200);
    await expect(response.json()).resolves.toEqual({ jkt: await DPoP.calculateThumbprint() });
  });
});
