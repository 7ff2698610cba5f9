// Refresh-token rotation: one use per token, reuse detection revoking the family and its access tokens,
// idle and absolute lifetimes on an injected clock, the concurrent-refresh race, client binding, scope.
import { createMemoryDenylist, createVerifier, isJwtGuardError } from '@jwtguard/core';
import {
  createIssuer,
  createMemoryRefreshTokenStore,
  hashRefreshToken,
  type IssuerEvent,
  type IssuerOptions,
  type RefreshTokenStore,
} from '@jwtguard/issuer';

const ISS = 'https://auth.example.test';
const AUD = 'https://api.example.test';
const DAY = 86_400_000;

function fixture(extra: Partial<IssuerOptions> = {}) {
  let now = Date.UTC(2026, 0, 1);
  const clock = () => now;
  const denylist = createMemoryDenylist({ clock });
  const events: IssuerEvent[] = [];
  const store: RefreshTokenStore = extra.refreshTokenStore ?? createMemoryRefreshTokenStore({ clock });
  const issuer = createIssuer({
    issuer: ISS,
    audience: AUD,
    clock,
    denylist,
    refreshTokenStore: store,
    onEvent: (event) => events.push(event),
    ...extra,
  });
  const verifier = async () =>
    createVerifier({ issuer: ISS, audience: AUD, keys: await issuer.jwks(), denylist, clock, typ: 'at+jwt' });
  return { issuer, denylist, events, store, verifier, advance: (ms: number) => void (now += ms) };
}

async function accepted(verify: Awaited<ReturnType<ReturnType<typeof fixture>['verifier']>>, token: string) {
  try {
    await verify.verify(token);
    return true;
  } catch (error) {
    if (isJwtGuardError(error)) return false;
    throw error;
  }
}

const login = (issuer: ReturnType<typeof createIssuer>) =>
  issuer.issueTokens({ sub: 'alice', clientId: 'web', scope: 'read write', claims: { tenant: 't1' } });

describe('refresh rotation', () => {
  test('each refresh returns a new pair, keeps sub/scope/claims, and the refresh token is stored only hashed', async () => {
    const { issuer, store } = fixture();
    const first = await login(issuer);
    expect(first.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url
    const found = await store.find(hashRefreshToken(first.refreshToken!));
    expect(found?.token.hash).toBe(hashRefreshToken(first.refreshToken!));
    expect(JSON.stringify(found)).not.toContain(first.refreshToken);
    const second = await issuer.refresh(first.refreshToken!, { clientId: 'web' });
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect(second.scope).toBe('read write');
    const verifier = createVerifier({
      issuer: ISS,
      audience: AUD,
      keys: await issuer.jwks(),
      clock: () => Date.UTC(2026, 0, 1),
    });
    const { payload } = await verifier.verify(second.accessToken);
    expect(payload).toMatchObject({ sub: 'alice', client_id: 'web', tenant: 't1', scope: 'read write' });
  });

  test('presenting a rotated token again revokes the whole family and its live access tokens', async () => {
    const { issuer, events, verifier } = fixture();
    const first = await login(issuer);
    const second = await issuer.refresh(first.refreshToken!);
    const third = await issuer.refresh(second.refreshToken!);
    const verify = await verifier();
    expect(await accepted(verify, third.accessToken)).toBe(true);

    // the attacker replays the first token
    await expect(issuer.refresh(first.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'refresh.reused',
        sub: 'alice',
        clientId: 'web',
        revokedAccessTokens: 3,
      }),
    );
    // the legitimate holder's newest refresh token is dead, and so are the access tokens of the family
    await expect(issuer.refresh(third.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });
    for (const set of [first, second, third]) expect(await accepted(verify, set.accessToken)).toBe(false);
  });

  test('another family of the same user survives reuse detection in the first', async () => {
    const { issuer, verifier } = fixture();
    const laptop = await login(issuer);
    const phone = await login(issuer);
    await issuer.refresh(laptop.refreshToken!);
    await expect(issuer.refresh(laptop.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await accepted(await verifier(), phone.accessToken)).toBe(true);
    await expect(issuer.refresh(phone.refreshToken!)).resolves.toMatchObject({ tokenType: 'Bearer' });
  });

  test('two concurrent refreshes with the same token: exactly one succeeds', async () => {
    const { issuer } = fixture();
    for (let round = 0; round < 20; round++) {
      const { refreshToken } = await login(issuer);
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => issuer.refresh(refreshToken!)),
      );
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    }
  });

  test('refreshTokenIdleLifetime: an unused token expires; each use restarts the idle window', async () => {
    const { issuer, advance } = fixture({ refreshTokenIdleLifetime: '1d' });
    const first = await login(issuer);
    advance(DAY - 1);
    const second = await issuer.refresh(first.refreshToken!);
    advance(DAY - 1);
    const third = await issuer.refresh(second.refreshToken!);
    advance(DAY);
    await expect(issuer.refresh(third.refreshToken!)).rejects.toThrow('refresh token expired');
  });

  test('refreshTokenAbsoluteLifetime: the family ends however often it is used', async () => {
    const { issuer, advance } = fixture({
      refreshTokenIdleLifetime: '1d',
      refreshTokenAbsoluteLifetime: '3d',
    });
    let token = (await login(issuer)).refreshToken!;
    for (let day = 0; day < 2; day++) {
      advance(DAY - 1000);
      token = (await issuer.refresh(token)).refreshToken!;
    }
    advance(DAY);
    await expect(issuer.refresh(token)).rejects.toThrow('refresh token expired');
  });

  test('reuseGracePeriod: a retry right after a rotation is refused without revoking the family', async () => {
    const { issuer, advance, events } = fixture({ reuseGracePeriod: '2s' });
    const first = await login(issuer);
    const second = await issuer.refresh(first.refreshToken!);
    advance(1000);
    await expect(issuer.refresh(first.refreshToken!)).rejects.toThrow('refresh token was just used');
    expect(events.filter((event) => event.type === 'refresh.reused')).toHaveLength(0);
    await expect(issuer.refresh(second.refreshToken!)).resolves.toBeDefined();
    // after the window it is theft again
    advance(2000);
    await expect(issuer.refresh(first.refreshToken!)).rejects.toThrow(/already used/);
  });

  test('without a grace period any reuse revokes the family', async () => {
    const { issuer } = fixture();
    const first = await login(issuer);
    const second = await issuer.refresh(first.refreshToken!);
    await expect(issuer.refresh(first.refreshToken!)).rejects.toThrow(/already used/);
    await expect(issuer.refresh(second.refreshToken!)).rejects.toThrow('invalid refresh token');
  });

  test('a refresh token is bound to its client; a wrong client does not consume it', async () => {
    const { issuer } = fixture();
    const first = await login(issuer);
    await expect(issuer.refresh(first.refreshToken!, { clientId: 'other' })).rejects.toThrow(
      /another client/,
    );
    await expect(issuer.refresh(first.refreshToken!, { clientId: 'web' })).resolves.toBeDefined();
  });

  test('scope may be narrowed (RFC 6749 §6) but never widened', async () => {
    const { issuer } = fixture();
    const first = await login(issuer);
    await expect(issuer.refresh(first.refreshToken!, { scope: 'read admin' })).rejects.toMatchObject({
      error: 'invalid_scope',
    });
    const narrowed = await issuer.refresh(first.refreshToken!, { scope: 'read' });
    expect(narrowed.scope).toBe('read');
  });

  test('unknown and malformed refresh tokens are invalid_grant', async () => {
    const { issuer } = fixture();
    await expect(issuer.refresh('nope')).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(issuer.refresh('')).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(issuer.refresh('x'.repeat(10_000))).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  test('refreshToken: false issues no refresh token', async () => {
    const { issuer } = fixture();
    const set = await issuer.issueTokens({ sub: 'svc', clientId: 'svc', refreshToken: false });
    expect(set.refreshToken).toBeUndefined();
  });
});

describe('memory refresh-token store', () => {
  test('clock: families past their absolute lifetime are purged by the store clock, live ones kept', async () => {
    // Far from the real time, so a store reading Date.now instead of its clock would purge nothing.
    let now = Date.UTC(2040, 0, 1);
    const store = createMemoryRefreshTokenStore({ clock: () => now });
    const family = (id: string, expiresAt: number) => ({
      id,
      sub: 'alice',
      clientId: 'web',
      scope: '',
      audience: [AUD],
      claims: {},
      createdAt: now,
      expiresAt,
      revokedAt: null,
      accessTokens: [],
    });
    const token = (hash: string, familyId: string, expiresAt: number) => ({
      hash,
      familyId,
      issuedAt: now,
      expiresAt,
      usedAt: null,
    });
    await store.create(family('short', now + 1000), token('h-short', 'short', now + 1000));
    await store.create(family('long', now + DAY), token('h-long', 'long', now + DAY));
    now += 2000;
    // purging is amortised over writes: push enough of them through
    for (let i = 0; i < 1000; i++)
      await store.create(family(`f${i}`, now + DAY), token(`h${i}`, `f${i}`, now + DAY));
    expect(await store.find('h-short')).toBeUndefined();
    expect(await store.find('h-long')).toBeDefined();
  });
});
