// Refresh-token rotation with the memory store: the store contract shared with @jwtguard/redis (one use per
// token, reuse detection revoking the family and its access tokens, idle and absolute lifetimes on an
// injected clock, the concurrent-refresh race, client binding, scope), then what is the memory store's own.
import { createIssuer, createMemoryRefreshTokenStore } from '@jwtguard/issuer';
import { AUD, DAY, ISS, describeRefreshTokenStore } from '../../../test/contracts/refresh-token-store.js';

describe('refresh rotation (memory store)', () => {
  describeRefreshTokenStore((clock) => createMemoryRefreshTokenStore({ clock }));
});

test('refreshToken: false issues no refresh token', async () => {
  const issuer = createIssuer({ issuer: ISS, audience: AUD });
  const set = await issuer.issueTokens({ sub: 'svc', clientId: 'svc', refreshToken: false });
  expect(set.refreshToken).toBeUndefined();
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
    expect(await store.find('h-long')).toMatchObject({ token: { hash: 'h-long' }, family: { id: 'long' } });
  });
});
