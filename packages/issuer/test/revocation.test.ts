// RFC 7009 revocation and logout-everywhere, observed through a core verifier sharing the denylist.
import { decodeJwt } from 'jose';
import { createMemoryDenylist, createVerifier, isJwtGuardError, type Verifier } from '@jwtguard/core';
import {
  createIssuer,
  createMemoryRefreshTokenStore,
  type Issuer,
  type IssuerOptions,
  type RefreshTokenStore,
  type RevocationTarget,
} from '@jwtguard/issuer';

const ISS = 'https://auth.example.test';
const AUD = 'https://api.example.test';

function fixture(extra: Partial<IssuerOptions> = {}) {
  let now = Date.UTC(2026, 0, 1);
  const clock = () => now;
  const denylist = createMemoryDenylist({ clock });
  const issuer = createIssuer({ issuer: ISS, audience: AUD, clock, denylist, ...extra });
  const verifier = async () =>
    createVerifier({ issuer: ISS, audience: AUD, keys: await issuer.jwks(), denylist, clock });
  return { issuer, verifier, advance: (ms: number) => void (now += ms) };
}

/** What a refresh hands back: the new access token's subject and client, and the successor refresh token. */
async function refreshed(issuer: Issuer, refreshToken: string) {
  const set = await issuer.refresh(refreshToken);
  const { sub, client_id } = decodeJwt(set.accessToken);
  return { sub, client_id, refreshToken: set.refreshToken };
}

async function accepted(verifier: Verifier, token: string): Promise<boolean> {
  try {
    await verifier.verify(token);
    return true;
  } catch (error) {
    if (isJwtGuardError(error)) return false;
    throw error;
  }
}

describe('revoke (RFC 7009)', () => {
  test('an access token: its jti goes into the denylist, other tokens of the grant stay valid', async () => {
    const { issuer, verifier } = fixture();
    const a = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    const b = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    await issuer.revoke(a.accessToken);
    const verify = await verifier();
    expect(await accepted(verify, a.accessToken)).toBe(false);
    expect(await accepted(verify, b.accessToken)).toBe(true);
    // revoking an access token leaves its refresh token usable
    await expect(refreshed(issuer, a.refreshToken!)).resolves.toMatchObject({
      sub: 'alice',
      client_id: 'web',
      refreshToken: expect.any(String),
    });
  });

  test('a refresh token: the family ends and its access tokens are denylisted (§2.1)', async () => {
    const { issuer, verifier } = fixture();
    const first = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    const second = await issuer.refresh(first.refreshToken!);
    await issuer.revoke(second.refreshToken!, { hint: 'refresh_token' });
    await expect(issuer.refresh(second.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const verify = await verifier();
    expect(await accepted(verify, second.accessToken)).toBe(false);
    expect(await accepted(verify, first.accessToken)).toBe(false);
  });

  test('a wrong token_type_hint still finds the token', async () => {
    const { issuer, verifier } = fixture();
    const set = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    await issuer.revoke(set.accessToken, { hint: 'refresh_token' });
    expect(await accepted(await verifier(), set.accessToken)).toBe(false);
  });

  test('unknown, malformed, foreign and expired tokens succeed silently', async () => {
    const { issuer, advance } = fixture();
    const other = createIssuer({ issuer: ISS, audience: AUD });
    const foreign = await other.issueTokens({ sub: 'x', clientId: 'web' });
    await expect(issuer.revoke('unknown')).resolves.toBeUndefined();
    await expect(issuer.revoke('a.b.c')).resolves.toBeUndefined();
    await expect(issuer.revoke('')).resolves.toBeUndefined();
    await expect(issuer.revoke(foreign.accessToken)).resolves.toBeUndefined();
    const set = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    advance(16 * 60_000);
    await expect(issuer.revoke(set.accessToken)).resolves.toBeUndefined();
  });

  test('a token issued to another client is left alone when clientId is given', async () => {
    const { issuer, verifier } = fixture();
    const set = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    await issuer.revoke(set.accessToken, { clientId: 'mallory' });
    await issuer.revoke(set.refreshToken!, { clientId: 'mallory' });
    expect(await accepted(await verifier(), set.accessToken)).toBe(true);
    await expect(refreshed(issuer, set.refreshToken!)).resolves.toMatchObject({
      sub: 'alice',
      client_id: 'web',
      refreshToken: expect.any(String),
    });
  });

  test('without a denylist an access token cannot be revoked: unsupported_token_type (§2.2.1)', async () => {
    const issuer = createIssuer({ issuer: ISS, audience: AUD });
    const set = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    await expect(issuer.revoke(set.accessToken)).rejects.toMatchObject({ error: 'unsupported_token_type' });
    // refresh tokens need no denylist
    await issuer.revoke(set.refreshToken!);
    await expect(issuer.refresh(set.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('a token signed by a retired key can still be revoked', async () => {
    const { issuer, verifier, advance } = fixture({ jwksCacheLifetime: '1m' });
    const set = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    advance(60_000);
    await issuer.rotateKeys();
    await issuer.revoke(set.accessToken);
    expect(await accepted(await verifier(), set.accessToken)).toBe(false);
  });
});

describe('token_type_hint (RFC 7009 §2.1): where to look first, only a hint', () => {
  /** The real memory store and denylist, wrapped to record in which order the issuer looks a token up. */
  function recorded() {
    const now = Date.UTC(2026, 0, 1);
    const clock = () => now;
    const lookups: string[] = [];
    const store = createMemoryRefreshTokenStore({ clock });
    const refreshTokenStore: RefreshTokenStore = {
      ...store,
      find(hash) {
        lookups.push('refresh store');
        return store.find(hash);
      },
    };
    const memory = createMemoryDenylist({ clock });
    const denylist: RevocationTarget = {
      revoke(entry) {
        lookups.push('denylist');
        return memory.revoke(entry);
      },
      revokeSubject: (entry) => memory.revokeSubject(entry),
    };
    const issuer = createIssuer({ issuer: ISS, audience: AUD, clock, denylist, refreshTokenStore });
    const verifier = async () =>
      createVerifier({ issuer: ISS, audience: AUD, keys: await issuer.jwks(), denylist: memory, clock });
    return { issuer, verifier, lookups };
  }

  test('hint refresh_token: the refresh store is asked first, then the token is found as an access token', async () => {
    const { issuer, verifier, lookups } = recorded();
    const set = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    lookups.length = 0;
    await issuer.revoke(set.accessToken, { hint: 'refresh_token' });
    expect(lookups).toEqual(['refresh store', 'denylist']);
    expect(await accepted(await verifier(), set.accessToken)).toBe(false);
  });

  test('hint access_token, or none: an access token is found without asking the refresh store', async () => {
    const { issuer, verifier, lookups } = recorded();
    const hinted = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    const unhinted = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    lookups.length = 0;
    await issuer.revoke(hinted.accessToken, { hint: 'access_token' });
    await issuer.revoke(unhinted.accessToken);
    expect(lookups).toEqual(['denylist', 'denylist']);
    const verify = await verifier();
    expect(await accepted(verify, hinted.accessToken)).toBe(false);
    expect(await accepted(verify, unhinted.accessToken)).toBe(false);
  });

  test('a refresh token hinted as an access token is still revoked, with its family', async () => {
    const { issuer, verifier, lookups } = recorded();
    const set = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    lookups.length = 0;
    await issuer.revoke(set.refreshToken!, { hint: 'access_token' });
    expect(lookups).toEqual(['refresh store', 'denylist']);
    await expect(issuer.refresh(set.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await accepted(await verifier(), set.accessToken)).toBe(false);
  });

  test('an unknown token hinted either way is still a silent no-op', async () => {
    const { issuer, lookups } = recorded();
    await expect(issuer.revoke('unknown', { hint: 'access_token' })).resolves.toBeUndefined();
    await expect(issuer.revoke('a.b.c', { hint: 'refresh_token' })).resolves.toBeUndefined();
    expect(lookups).toEqual(['refresh store', 'refresh store']);
  });
});

describe('revokeSubject (logout everywhere)', () => {
  test('refuses every earlier access token of the subject and ends all its refresh families', async () => {
    const { issuer, verifier, advance } = fixture();
    const laptop = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    const phone = await issuer.issueTokens({ sub: 'alice', clientId: 'app' });
    const bob = await issuer.issueTokens({ sub: 'bob', clientId: 'web' });
    advance(1000);
    await issuer.revokeSubject('alice');
    const verify = await verifier();
    expect(await accepted(verify, laptop.accessToken)).toBe(false);
    expect(await accepted(verify, phone.accessToken)).toBe(false);
    expect(await accepted(verify, bob.accessToken)).toBe(true);
    await expect(issuer.refresh(laptop.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(issuer.refresh(phone.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(refreshed(issuer, bob.refreshToken!)).resolves.toMatchObject({
      sub: 'bob',
      client_id: 'web',
      refreshToken: expect.any(String),
    });
    // a login after the cutoff (next second) works again
    advance(1000);
    const again = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    expect(await accepted(verify, again.accessToken)).toBe(true);
  });
});
