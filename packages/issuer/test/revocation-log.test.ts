// The revocation feed's retained log (docs/revocation-feed.md): each kind of revocation appends one SET
// (RFC 8417) signed with the current key, verified here with core's verifier over the issuer's JWKS, with the
// claims the contract names; entries are trimmed exactly when they stop mattering, on an injected clock.
import { ConfigurationError, createMemoryDenylist, createVerifier } from '@jwtguard/core';
import {
  createIssuer,
  createMemoryRevocationLog,
  SESSION_REVOKED_EVENT,
  TOKEN_REVOKED_EVENT,
  type IssuerOptions,
  type RevocationLogStore,
} from '@jwtguard/issuer';
import { decodeProtectedHeader } from 'jose';

const ISS = 'https://auth.example.test';
const AUD = 'https://api.example.test';
const CLIENTS = [{ id: 'api', secret: 'api-secret' }, { id: 'web' }];
const TOLERANCE_MS = 5000;
const LIFETIME_MS = 15 * 60 * 1000;

function fixture(extra: Partial<IssuerOptions> = {}, log: RevocationLogStore = createMemoryRevocationLog()) {
  let now = Date.UTC(2026, 0, 1);
  const clock = () => now;
  const issuer = createIssuer({
    issuer: ISS,
    audience: AUD,
    clock,
    clients: CLIENTS,
    denylist: createMemoryDenylist({ clock }),
    clockTolerance: '5s',
    accessTokenLifetime: '15m',
    revocationFeed: { clients: ['api'], log },
    ...extra,
  });
  /** The retained entries, each SET verified as a receiver does and its claims decoded. */
  const entries = async () => {
    const verifier = createVerifier({
      issuer: ISS,
      audience: AUD,
      typ: 'secevent+jwt',
      requireExp: false,
      keys: await issuer.jwks(),
      clock,
    });
    const retained = await log.read(undefined, 1000);
    return Promise.all(
      retained.map(async (entry) => ({ ...entry, claims: (await verifier.verify(entry.set)).payload })),
    );
  };
  return {
    issuer,
    log,
    entries,
    now: () => now,
    advance: (ms: number) => void (now += ms),
  };
}

describe('every revocation appends one signed SET', () => {
  test('revoke(access token): a token-revoked event with the token’s iss, jti and exp', async () => {
    const { issuer, entries, now } = fixture();
    const set = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    await issuer.revoke(set.accessToken);
    const [entry, ...rest] = await entries();
    expect(rest).toEqual([]);
    expect(entry!.claims).toEqual({
      iss: ISS,
      aud: AUD,
      iat: Math.floor(now() / 1000),
      jti: expect.stringMatching(/^[\w-]{22}$/),
      events: { [TOKEN_REVOKED_EVENT]: { iss: ISS, jti: set.jti, exp: set.exp } },
    });
    const header = decodeProtectedHeader(entry!.set);
    expect(header).toEqual({ typ: 'secevent+jwt', alg: 'ES256', kid: expect.any(String) });
    // Signed with the current key.
    const current = (await issuer.keyStatus()).find((key) => key.state === 'current');
    expect(header.kid).toBe(current!.kid);
    expect(entry!.expiresAt).toBe(set.exp * 1000 + TOLERANCE_MS);
  });

  test('revokeSubject: a CAEP session-revoked event with an iss_sub subject and the cutoff', async () => {
    const { issuer, entries, now } = fixture();
    await issuer.revokeSubject('alice');
    const [entry, ...rest] = await entries();
    expect(rest).toEqual([]);
    expect(entry!.claims).toMatchObject({
      iss: ISS,
      aud: AUD,
      events: {
        [SESSION_REVOKED_EVENT]: {
          subject: { format: 'iss_sub', iss: ISS, sub: 'alice' },
          event_timestamp: now() / 1000,
        },
      },
    });
    expect(entry!.claims.exp).toBeUndefined();
    expect(entry!.expiresAt).toBe(now() + LIFETIME_MS + TOLERANCE_MS);
  });

  test('revokeSubject with live families: the cutoff, then each live access token of the families', async () => {
    const { issuer, entries } = fixture();
    const a = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    const events = (await issuer.revokeSubject('alice'), await entries()).map((e) => e.claims.events);
    expect(events).toEqual([
      { [SESSION_REVOKED_EVENT]: expect.any(Object) },
      { [TOKEN_REVOKED_EVENT]: { iss: ISS, jti: a.jti, exp: a.exp } },
    ]);
  });

  test('a refresh family revoked on reuse: each live access token of the family, in one SET each', async () => {
    const { issuer, entries } = fixture();
    const first = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    const second = await issuer.refresh(first.refreshToken!);
    await expect(issuer.refresh(first.refreshToken!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const revoked = (await entries()).map((e) => e.claims.events);
    expect(revoked).toEqual([
      { [TOKEN_REVOKED_EVENT]: { iss: ISS, jti: first.jti, exp: first.exp } },
      { [TOKEN_REVOKED_EVENT]: { iss: ISS, jti: second.jti, exp: second.exp } },
    ]);
  });

  test('revoke(refresh token) of a family with live access tokens: one SET per live token', async () => {
    const { issuer, entries, advance } = fixture();
    const first = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    advance(LIFETIME_MS + 1000); // the first access token has expired: nothing to revoke for it
    const second = await issuer.refresh(first.refreshToken!);
    await issuer.revoke(second.refreshToken!, { hint: 'refresh_token' });
    expect((await entries()).map((e) => e.claims.events)).toEqual([
      { [TOKEN_REVOKED_EVENT]: { iss: ISS, jti: second.jti, exp: second.exp } },
    ]);
  });

  test('unknown and expired tokens append nothing; the ids increase', async () => {
    const { issuer, entries, log, advance } = fixture();
    await issuer.revoke('not-a-token');
    const old = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    advance(LIFETIME_MS + 1000);
    await issuer.revoke(old.accessToken);
    expect(await entries()).toEqual([]);
    await issuer.revokeSubject('a');
    await issuer.revokeSubject('b');
    const [a, b] = await log.read(undefined, 10);
    expect(a!.id < b!.id || a!.id.length < b!.id.length).toBe(true);
    expect(await log.read(a!.id, 10)).toEqual([b]);
  });

  test('the SET is addressed to the issuer’s audience and every client’s', async () => {
    const { issuer, log } = fixture({
      clients: [...CLIENTS, { id: 'reports', secret: 'r', audience: 'https://reports.example.test' }],
    });
    await issuer.revokeSubject('alice');
    const [entry] = await log.read(undefined, 1);
    const verifier = createVerifier({
      issuer: ISS,
      audience: 'https://reports.example.test',
      typ: 'secevent+jwt',
      requireExp: false,
      keys: await issuer.jwks(),
    });
    await expect(verifier.verify(entry!.set)).resolves.toMatchObject({
      payload: { aud: [AUD, 'https://reports.example.test'] },
    });
  });

  test('without a denylist, the feed alone takes access-token revocations', async () => {
    const { issuer, entries } = fixture({ denylist: undefined });
    const set = await issuer.issueTokens({ sub: 'alice', clientId: 'web' });
    await issuer.revoke(set.accessToken);
    expect(await entries()).toHaveLength(1);
  });
});

describe('retention: an entry is kept exactly while a token it refuses can be valid', () => {
  test('a token event until exp + clockTolerance, a cutoff until it + accessTokenLifetime + clockTolerance', async () => {
    const { issuer, log, advance, now } = fixture();
    const start = now();
    await issuer.revokeSubject('alice'); // kept until start + 15m + 5s
    const set = await issuer.issueTokens({ sub: 'bob', clientId: 'web' });
    await issuer.revoke(set.accessToken); // kept until exp + 5s = start + 15m + 5s (exp in whole seconds)
    advance(60_000);
    const later = await issuer.issueTokens({ sub: 'carol', clientId: 'web' });
    await issuer.revoke(later.accessToken); // until start + 16m + 5s
    const ids = (await log.read(undefined, 10)).map((entry) => entry.id);
    expect(ids).toHaveLength(3);

    // One millisecond before the first two stop mattering: an append trims, nothing goes.
    advance(start + LIFETIME_MS + TOLERANCE_MS - 1 - now());
    await issuer.revokeSubject('dave');
    expect(await log.has(ids[0]!)).toBe(true);
    expect(await log.has(ids[1]!)).toBe(true);

    advance(1);
    await issuer.revokeSubject('erin');
    expect(await log.has(ids[0]!)).toBe(false);
    expect(await log.has(ids[1]!)).toBe(false);
    expect(await log.has(ids[2]!)).toBe(true);

    advance(60_000 - 1);
    await log.trim(now());
    expect(await log.has(ids[2]!)).toBe(true);
    advance(1);
    await log.trim(now());
    expect(await log.has(ids[2]!)).toBe(false);
  });

  test('reading after a trimmed id still answers the later entries', async () => {
    const log = createMemoryRevocationLog();
    const a = await log.append('a', 10);
    const b = await log.append('b', 20);
    await log.trim(10);
    expect(await log.has(a)).toBe(false);
    expect((await log.read(a, 10)).map((entry) => entry.id)).toEqual([b]);
    expect(await createMemoryRevocationLog().has(a)).toBe(false); // another log's id
  });

  test('a full memory log refuses the revocation instead of dropping an entry', async () => {
    const { issuer } = fixture({}, createMemoryRevocationLog({ maxEntries: 1 }));
    await issuer.revokeSubject('a');
    await expect(issuer.revokeSubject('b')).rejects.toThrow(/maxEntries/);
  });
});

describe('the revocationFeed option', () => {
  const refused = (revocationFeed: unknown, extra: Partial<IssuerOptions> = {}) => {
    try {
      createIssuer({
        issuer: ISS,
        audience: AUD,
        clients: CLIENTS,
        revocationFeed: revocationFeed as IssuerOptions['revocationFeed'],
        ...extra,
      });
    } catch (error) {
      if (error instanceof ConfigurationError) return error.message;
      throw error;
    }
    throw new Error('accepted');
  };

  test('misspelt names, unknown or public clients, bad values and no audience are refused', () => {
    expect(refused({ clients: ['api'], heartbeatIntervall: '1s' })).toContain(
      'did you mean "heartbeatInterval"?',
    );
    expect(refused({ clients: [] })).toContain('revocationFeed.clients');
    expect(refused({ clients: ['nobody'] })).toContain('not a registered confidential client');
    expect(refused({ clients: ['web'] })).toContain('not a registered confidential client');
    expect(refused({ clients: ['api'], maxBufferBytes: 10 })).toContain('maxBufferBytes');
    expect(refused({ clients: ['api'], log: {} })).toContain('RevocationLogStore');
    expect(refused({ clients: ['api'] }, { audience: undefined })).toContain('audience');
  });
});
