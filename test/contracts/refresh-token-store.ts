// One contract for every RefreshTokenStore (the issuer's memory store, @jwtguard/redis's store): the issuer's
// refresh semantics observed through createIssuer on an injected clock, so a store that passes here can
// replace another without a behaviour change. Each store's own test file calls
// `describeRefreshTokenStore` and keeps only what is particular to that store.
import { createHash } from 'node:crypto';
import { createMemoryDenylist, createVerifier, isJwtGuardError } from '@jwtguard/core';
import {
  createIssuer,
  hashRefreshToken,
  type Issuer,
  type IssuerEvent,
  type IssuerOptions,
  type RefreshTokenStore,
} from '@jwtguard/issuer';

export const ISS = 'https://auth.example.test';
export const AUD = 'https://api.example.test';
export const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);

/** A new, empty store; `clock` is the issuer's injected clock. */
export type StoreFactory = (clock: () => number) => RefreshTokenStore;

/** An issuer on an injected clock using a fresh store, a denylist shared with `verifier()`, its events. */
export function issuerFixture(makeStore: StoreFactory, extra: Partial<IssuerOptions> = {}) {
  let now = START;
  const clock = () => now;
  const denylist = createMemoryDenylist({ clock });
  const events: IssuerEvent[] = [];
  const store = makeStore(clock);
  const options: IssuerOptions = {
    issuer: ISS,
    audience: AUD,
    clock,
    denylist,
    refreshTokenStore: store,
    onEvent: (event) => events.push(event),
    ...extra,
  };
  const issuer = createIssuer(options);
  const verifier = async () =>
    createVerifier({ issuer: ISS, audience: AUD, keys: await issuer.jwks(), denylist, clock, typ: 'at+jwt' });
  return { issuer, options, store, events, verifier, advance: (ms: number) => void (now += ms) };
}

export const login = (issuer: Issuer, sub = 'alice') =>
  issuer.issueTokens({ sub, clientId: 'web', scope: 'read write', claims: { tenant: 't1' } });

export async function accepted(verifier: { verify(token: string): Promise<unknown> }, token: string) {
  try {
    await verifier.verify(token);
    return true;
  } catch (error) {
    if (isJwtGuardError(error)) return false;
    throw error;
  }
}

/** A well-formed RFC 7638 thumbprint (the SHA-256 of `seed`, base64url): what a DPoP binding records. */
export const thumbprint = (seed: string) => createHash('sha256').update(seed).digest('base64url');

/** The unverified payload of an access token, for asserting on `cnf` (a verifier would want a proof). */
const payloadOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as Record<string, unknown>;

export function describeRefreshTokenStore(makeStore: StoreFactory): void {
  const fixture = (extra: Partial<IssuerOptions> = {}) => issuerFixture(makeStore, extra);

  describe('rotation', () => {
    test('each refresh returns a new pair, keeps sub/scope/claims, and the refresh token is stored only hashed', async () => {
      const { issuer, store } = fixture();
      const first = await login(issuer);
      expect(first.refreshToken).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url
      const found = await store.find(hashRefreshToken(first.refreshToken!));
      expect(found).toMatchObject({
        token: { hash: hashRefreshToken(first.refreshToken!), usedAt: null },
        family: {
          sub: 'alice',
          clientId: 'web',
          scope: 'read write',
          audience: [AUD],
          claims: { tenant: 't1' },
        },
      });
      expect(found?.family.accessTokens).toEqual([{ jti: first.jti, exp: first.exp }]);
      expect(JSON.stringify(found)).not.toContain(first.refreshToken);
      const second = await issuer.refresh(first.refreshToken!, { clientId: 'web' });
      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect(second.accessToken).not.toBe(first.accessToken);
      expect(second.scope).toBe('read write');
      expect((await store.find(hashRefreshToken(first.refreshToken!)))?.token.usedAt).toBe(START);
      const verifier = createVerifier({
        issuer: ISS,
        audience: AUD,
        keys: await issuer.jwks(),
        clock: () => START,
      });
      const { payload } = await verifier.verify(second.accessToken);
      expect(payload).toMatchObject({ sub: 'alice', client_id: 'web', tenant: 't1', scope: 'read write' });
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

    test('a refresh token is bound to its client; a wrong client does not consume it', async () => {
      const { issuer } = fixture();
      const first = await login(issuer);
      await expect(issuer.refresh(first.refreshToken!, { clientId: 'other' })).rejects.toThrow(
        /another client/,
      );
      await expect(issuer.refresh(first.refreshToken!, { clientId: 'web' })).resolves.toMatchObject({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
      });
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
  });

  describe('reuse detection', () => {
    test('presenting a rotated token again revokes the whole family and its live access tokens', async () => {
      const { issuer, events, verifier } = fixture();
      const first = await login(issuer);
      const second = await issuer.refresh(first.refreshToken!);
      const third = await issuer.refresh(second.refreshToken!);
      const verify = await verifier();
      expect(await accepted(verify, third.accessToken)).toBe(true);

      // the attacker replays the first token
      const replay = issuer.refresh(first.refreshToken!);
      await expect(replay).rejects.toMatchObject({ error: 'invalid_grant' });
      await expect(replay).rejects.toThrow(/already used/);
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'refresh.reused',
          sub: 'alice',
          clientId: 'web',
          revokedAccessTokens: 3,
        }),
      );
      // the legitimate holder's newest refresh token is dead, and so are the access tokens of the family
      const newest = issuer.refresh(third.refreshToken!);
      await expect(newest).rejects.toMatchObject({ error: 'invalid_grant' });
      await expect(newest).rejects.toThrow('invalid refresh token');
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

    test('reuseGracePeriod: a retry inside the window is refused without revoking the family', async () => {
      const { issuer, advance, events } = fixture({ reuseGracePeriod: '2s' });
      const first = await login(issuer);
      const second = await issuer.refresh(first.refreshToken!);
      advance(1000);
      await expect(issuer.refresh(first.refreshToken!)).rejects.toThrow('refresh token was just used');
      expect(events.filter((event) => event.type === 'refresh.reused')).toHaveLength(0);
      const third = await issuer.refresh(second.refreshToken!);
      // after the window it is theft again
      advance(2000);
      await expect(issuer.refresh(first.refreshToken!)).rejects.toThrow(/already used/);
      await expect(issuer.refresh(third.refreshToken!)).rejects.toThrow('invalid refresh token');
    });

    test('without a grace period any reuse revokes the family', async () => {
      const { issuer } = fixture();
      const first = await login(issuer);
      const second = await issuer.refresh(first.refreshToken!);
      await expect(issuer.refresh(first.refreshToken!)).rejects.toThrow(/already used/);
      await expect(issuer.refresh(second.refreshToken!)).rejects.toThrow('invalid refresh token');
    });
  });

  describe('lifetimes (injected clock)', () => {
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

    test('refreshTokenAbsoluteLifetime caps the successor expiry inside the idle window', async () => {
      const { issuer, advance, store } = fixture({
        refreshTokenIdleLifetime: '1d',
        refreshTokenAbsoluteLifetime: '36h',
      });
      const first = await login(issuer);
      advance(DAY - 1000);
      const second = await issuer.refresh(first.refreshToken!);
      const found = await store.find(hashRefreshToken(second.refreshToken!));
      expect(found?.token.expiresAt).toBe(START + 36 * 3_600_000);
      advance(12 * 3_600_000 + 1000); // exactly the absolute end, well inside the idle window
      await expect(issuer.refresh(second.refreshToken!)).rejects.toThrow('refresh token expired');
    });
  });

  describe('revocation', () => {
    test('RFC 7009 revoke of a refresh token revokes its family and the access tokens', async () => {
      const { issuer, verifier } = fixture();
      const first = await login(issuer);
      const second = await issuer.refresh(first.refreshToken!);
      const verify = await verifier();
      await issuer.revoke(second.refreshToken!);
      await expect(issuer.refresh(second.refreshToken!)).rejects.toThrow('invalid refresh token');
      expect(await accepted(verify, second.accessToken)).toBe(false);
    });

    test('revokeSubject revokes every live family of that subject only', async () => {
      const { issuer, store } = fixture();
      const phone = await login(issuer, 'carol');
      const laptop = await login(issuer, 'carol');
      const other = await login(issuer, 'dave');
      const families = await store.revokeSubject('carol', START);
      expect(families).toHaveLength(2);
      expect(families.every((family) => family.sub === 'carol' && family.revokedAt !== null)).toBe(true);
      await expect(issuer.refresh(phone.refreshToken!)).rejects.toThrow('invalid refresh token');
      await expect(issuer.refresh(laptop.refreshToken!)).rejects.toThrow('invalid refresh token');
      await expect(issuer.refresh(other.refreshToken!)).resolves.toMatchObject({
        accessToken: expect.any(String),
        refreshToken: expect.any(String),
      });
      // Already revoked families are not returned again; revokeFamily of an unknown id is undefined.
      expect(await store.revokeSubject('carol', START)).toEqual([]);
      expect(await store.revokeFamily('no-such-family', START)).toBeUndefined();
      expect(await store.find('no-such-hash')).toBeUndefined();
    });
  });

  describe('DPoP binding (RFC 9449 §5)', () => {
    const key = thumbprint('client key');
    const otherKey = thumbprint('another key');

    test('a family issued with dpopJkt keeps it; refreshes need that key, the wrong one spends nothing', async () => {
      const { issuer, store } = fixture();
      const first = await issuer.issueTokens({ sub: 'alice', clientId: 'web', dpopJkt: key });
      expect(first.tokenType).toBe('DPoP');
      expect(payloadOf(first.accessToken).cnf).toEqual({ jkt: key });
      expect((await store.find(hashRefreshToken(first.refreshToken!)))?.family.dpopJkt).toBe(key);
      await expect(issuer.refresh(first.refreshToken!, { dpopJkt: otherKey })).rejects.toMatchObject({
        error: 'invalid_grant',
        message: 'refresh token is bound to another DPoP key',
      });
      await expect(issuer.refresh(first.refreshToken!)).rejects.toMatchObject({
        error: 'invalid_grant',
        message: 'refresh token is bound to a DPoP key: send a DPoP proof made with it',
      });
      expect((await store.find(hashRefreshToken(first.refreshToken!)))?.token.usedAt).toBeNull();
      const second = await issuer.refresh(first.refreshToken!, { dpopJkt: key });
      expect(second.tokenType).toBe('DPoP');
      expect(payloadOf(second.accessToken).cnf).toEqual({ jkt: key });
      expect((await store.find(hashRefreshToken(second.refreshToken!)))?.family.dpopJkt).toBe(key);
    });

    test('an unbound family is bound by its first refresh with a key, unless its client is confidential', async () => {
      const { issuer, store } = fixture({ clients: [{ id: 'web' }, { id: 'svc', secret: 'svc-secret' }] });
      const first = await login(issuer);
      expect(first.tokenType).toBe('Bearer');
      expect((await store.find(hashRefreshToken(first.refreshToken!)))?.family.dpopJkt).toBeUndefined();
      const second = await issuer.refresh(first.refreshToken!, { dpopJkt: key });
      expect(second.tokenType).toBe('DPoP');
      expect((await store.find(hashRefreshToken(second.refreshToken!)))?.family.dpopJkt).toBe(key);
      await expect(issuer.refresh(second.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });

      const service = await issuer.issueTokens({ sub: 'svc', clientId: 'svc' });
      const rotated = await issuer.refresh(service.refreshToken!, { dpopJkt: key });
      expect(payloadOf(rotated.accessToken).cnf).toEqual({ jkt: key });
      // A confidential client may prove each refresh with a new key: its family stays unbound.
      const again = await issuer.refresh(rotated.refreshToken!, { dpopJkt: otherKey });
      expect(payloadOf(again.accessToken).cnf).toEqual({ jkt: otherKey });
      const bearer = await issuer.refresh(again.refreshToken!);
      expect(bearer.tokenType).toBe('Bearer');
      expect(payloadOf(bearer.accessToken).cnf).toBeUndefined();
    });

    test("the store never replaces a family's binding", async () => {
      const { issuer, store } = fixture();
      const first = await issuer.issueTokens({ sub: 'alice', clientId: 'web', dpopJkt: key });
      const result = await store.rotate({
        hash: hashRefreshToken(first.refreshToken!),
        nextHash: hashRefreshToken('successor'),
        now: START,
        idleLifetime: DAY,
        reuseGracePeriod: 0,
        accessToken: { jti: 'next-jti', exp: START / 1000 + 900 },
        dpopJkt: otherKey,
      });
      expect(result).toMatchObject({ status: 'rotated', family: { dpopJkt: key } });
      expect((await store.find(hashRefreshToken('successor')))?.family.dpopJkt).toBe(key);
    });
  });

  describe('client-certificate binding (RFC 8705 §4)', () => {
    // An x5t#S256 has the shape of an RFC 7638 thumbprint: base64url of a SHA-256.
    const certificate = thumbprint('client certificate');
    const otherCertificate = thumbprint('another certificate');

    test("a public client's family issued with certificateThumbprint keeps it; refreshes need it, the wrong one spends nothing", async () => {
      const { issuer, store } = fixture();
      const first = await issuer.issueTokens({
        sub: 'alice',
        clientId: 'web',
        certificateThumbprint: certificate,
      });
      expect(first.tokenType).toBe('Bearer');
      expect(payloadOf(first.accessToken).cnf).toEqual({ 'x5t#S256': certificate });
      const found = await store.find(hashRefreshToken(first.refreshToken!));
      expect(found?.family.certificateThumbprint).toBe(certificate);
      await expect(
        issuer.refresh(first.refreshToken!, { certificateThumbprint: otherCertificate }),
      ).rejects.toMatchObject({
        error: 'invalid_grant',
        message: 'refresh token is bound to another client certificate',
      });
      await expect(issuer.refresh(first.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });
      expect((await store.find(hashRefreshToken(first.refreshToken!)))?.token.usedAt).toBeNull();
      const second = await issuer.refresh(first.refreshToken!, { certificateThumbprint: certificate });
      expect(payloadOf(second.accessToken).cnf).toEqual({ 'x5t#S256': certificate });
      expect((await store.find(hashRefreshToken(second.refreshToken!)))?.family.certificateThumbprint).toBe(
        certificate,
      );
    });

    test('an unbound family is bound by its first refresh with a certificate, unless its client is confidential', async () => {
      const { issuer, store } = fixture({ clients: [{ id: 'web' }, { id: 'svc', secret: 'svc-secret' }] });
      const first = await login(issuer);
      const second = await issuer.refresh(first.refreshToken!, { certificateThumbprint: certificate });
      expect((await store.find(hashRefreshToken(second.refreshToken!)))?.family.certificateThumbprint).toBe(
        certificate,
      );
      await expect(issuer.refresh(second.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });

      const service = await issuer.issueTokens({
        sub: 'svc',
        clientId: 'svc',
        certificateThumbprint: certificate,
      });
      expect(
        (await store.find(hashRefreshToken(service.refreshToken!)))?.family.certificateThumbprint,
      ).toBeUndefined();
      const renewed = await issuer.refresh(service.refreshToken!, {
        certificateThumbprint: otherCertificate,
      });
      expect(payloadOf(renewed.accessToken).cnf).toEqual({ 'x5t#S256': otherCertificate });
    });

    test("the store never replaces a family's certificate binding, and keeps both bindings apart", async () => {
      const { issuer, store } = fixture();
      const key = thumbprint('client key');
      const first = await issuer.issueTokens({
        sub: 'alice',
        clientId: 'web',
        dpopJkt: key,
        certificateThumbprint: certificate,
      });
      expect(payloadOf(first.accessToken).cnf).toEqual({ 'x5t#S256': certificate, jkt: key });
      const result = await store.rotate({
        hash: hashRefreshToken(first.refreshToken!),
        nextHash: hashRefreshToken('successor'),
        now: START,
        idleLifetime: DAY,
        reuseGracePeriod: 0,
        accessToken: { jti: 'next-jti', exp: START / 1000 + 900 },
        certificateThumbprint: otherCertificate,
      });
      expect(result).toMatchObject({
        status: 'rotated',
        family: { dpopJkt: key, certificateThumbprint: certificate },
      });
    });
  });
}
