// createFeedDenylist against a real loopback issuer that serves docs/revocation-feed.md (feed-server.ts):
// the snapshot and ready(), live revocations, SETs that must be ignored, reset, staleness and failure
// modes, reconnection by Last-Event-ID, the issuer going down and back, the verifier integration, options,
// and the denylist contract every store runs, with each revocation travelling through the feed.
import { randomUUID } from 'node:crypto';
import {
  createVerifier,
  revocationRule,
  UnavailableError,
  type AuthResult,
  type JwtPayload,
} from '@jwtguard/core';
import {
  createFeedDenylist,
  type FeedDenylist,
  type FeedDenylistEvent,
  type FeedDenylistOptions,
} from '../src/index.js';
import { describeDenylist, ISS, tokenOf } from '../../../test/contracts/denylist.js';
import {
  AUDIENCE,
  CLIENT_ID,
  CLIENT_SECRET,
  FeedServer,
  newSigningKey,
  signJws,
  until,
} from './feed-server.js';

const now = () => Math.floor(Date.now() / 1000);
const open: FeedDenylist[] = [];
const servers: FeedServer[] = [];

async function startServer(options: ConstructorParameters<typeof FeedServer>[0] = {}): Promise<FeedServer> {
  const server = new FeedServer(options);
  await server.start();
  servers.push(server);
  return server;
}

function feedFor(server: FeedServer, options: Partial<FeedDenylistOptions> = {}) {
  const events: FeedDenylistEvent[] = [];
  const feed = createFeedDenylist({
    url: server.url,
    issuer: server.issuer,
    audience: AUDIENCE,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    maxStaleness: '1s',
    onEvent: (event) => events.push(event),
    ...options,
  });
  open.push(feed);
  const seen = (type: FeedDenylistEvent['type']) => events.filter((event) => event.type === type);
  /** Resolves once the event with this log id has been applied or refused. */
  const delivered = (eventId: string) =>
    until(
      () =>
        events.some(
          (event) =>
            (event.type === 'feed.applied' || event.type === 'feed.set-rejected') &&
            event.eventId === eventId,
        ),
      5000,
      `event ${eventId}`,
    );
  return { feed, events, seen, delivered };
}

function accessToken(server: FeedServer, claims: JwtPayload = {}): AuthResult {
  return tokenOf({
    iss: server.issuer,
    sub: 'alice',
    jti: randomUUID(),
    iat: now(),
    exp: now() + 600,
    ...claims,
  });
}

afterEach(async () => {
  await Promise.all(open.splice(0).map((feed) => feed.close()));
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

describe('the snapshot and live revocations', () => {
  test('applies the retained log, then ready() resolves and checks answer from memory, synchronously', async () => {
    const server = await startServer();
    server.revokeToken({ jti: 'old-1', exp: now() + 600 });
    server.revokeSubject({ sub: 'bob', before: now() });
    const { feed, seen } = feedFor(server);
    expect(() => feed.isRevoked(accessToken(server))).toThrow(UnavailableError); // no snapshot yet
    await feed.ready();
    expect(feed.isRevoked(accessToken(server, { jti: 'old-1' }))).toBe(true);
    expect(feed.isRevoked(accessToken(server, { sub: 'bob', iat: now() - 60 }))).toBe(true);
    expect(feed.isRevoked(accessToken(server, { sub: 'bob', iat: now() + 1 }))).toBe(false);
    expect(feed.isRevoked(accessToken(server))).toBe(false);
    expect(seen('feed.applied')).toHaveLength(2);
    expect(feed.status()).toMatchObject({ ready: true, available: true, entries: 2 });
    expect(server.requests).toEqual([undefined]); // first connection: no Last-Event-ID
  });

  test('a live token revocation and a live subject cutoff are refused once their SETs arrive', async () => {
    const server = await startServer();
    const { feed, delivered } = feedFor(server);
    await feed.ready();
    const token = accessToken(server, { jti: 'live-1' });
    const older = accessToken(server, { sub: 'carol', iat: now() - 30 });
    expect(feed.isRevoked(token)).toBe(false);
    await delivered(server.revokeToken({ jti: 'live-1', exp: now() + 600 }));
    await delivered(server.revokeSubject({ sub: 'carol', before: now() - 10 }));
    expect(feed.isRevoked(token)).toBe(true);
    expect(feed.isRevoked(older)).toBe(true);
    expect(feed.isRevoked(accessToken(server, { sub: 'carol', iat: now() }))).toBe(false);
  });
});

describe('SETs that are ignored and reported', () => {
  test('forged, unsigned, foreign-audience, mistyped, foreign-subject and replayed SETs change nothing', async () => {
    const server = await startServer();
    const { feed, delivered, seen } = feedFor(server);
    await feed.ready();
    const revoke = (jti: string) => server.tokenRevoked({ jti, exp: now() + 600 });
    const payload = server.sign(revoke('unsigned')).split('.')[1] ?? '';
    const cases: Array<[string, string]> = [
      // Signed by a key the issuer never published, under its kid: the signature fails.
      ['signature', server.sign(revoke('forged'), { key: { ...newSigningKey(), kid: server.key.kid } })],
      // Under an unknown kid.
      ['key', server.sign(revoke('forged-kid'), { key: newSigningKey('other-kid') })],
      // RFC 7515 Appendix A.5: alg none, empty signature.
      [
        'unsigned',
        `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'secevent+jwt' })).toString('base64url')}.${payload}.`,
      ],
      ['audience', server.sign({ ...revoke('other-aud'), aud: 'https://other-api.test' })],
      ['typ', server.sign(revoke('wrong-typ'), { header: { typ: 'at+jwt' } })],
      ['issuer', server.sign({ ...revoke('other-iss'), iss: 'https://other-issuer.test' })],
      [
        'foreign-subject',
        server.sign(server.tokenRevoked({ jti: 'x', exp: now() + 600, iss: 'https://x.test' })),
      ],
      ['event', server.sign({ events: {} })],
    ];
    for (const [reason, set] of cases) {
      const id = server.append(set);
      await delivered(id);
      expect(seen('feed.set-rejected').at(-1)).toMatchObject({ reason, eventId: id });
    }
    for (const jti of ['forged', 'forged-kid', 'unsigned', 'other-aud', 'wrong-typ', 'other-iss']) {
      expect(feed.isRevoked(accessToken(server, { jti }))).toBe(false);
    }
    // A replay: the very same SET appended again under a new log id.
    const set = server.sign(revoke('once'));
    const firstId = server.append(set);
    await delivered(firstId);
    const replayId = server.append(set);
    await delivered(replayId);
    expect(seen('feed.set-rejected').at(-1)).toMatchObject({ reason: 'replayed', eventId: replayId });
    expect(seen('feed.applied').map((event) => 'eventId' in event && event.eventId)).toEqual([firstId]);
    expect(feed.isRevoked(accessToken(server, { jti: 'once' }))).toBe(true);
    expect(feed.status().available).toBe(true); // refusals never make the feed unavailable
  });
});

describe('reset, staleness and failure modes', () => {
  test('reset: an unknown Last-Event-ID drops the replica and loads the new log', async () => {
    const server = await startServer();
    server.revokeToken({ jti: 'in-old-log', exp: now() + 600 });
    const { feed, seen } = feedFor(server);
    await feed.ready();
    expect(feed.isRevoked(accessToken(server, { jti: 'in-old-log' }))).toBe(true);
    server.replaceLog([server.tokenRevoked({ jti: 'in-new-log', exp: now() + 600 })]);
    server.dropConnections();
    await until(() => seen('feed.ready').length === 2, 5000, 'the second ready');
    expect(seen('feed.reset')).toHaveLength(1);
    expect(server.requests[1]).toMatch(/^a-/); // it resumed with an id of the old log
    expect(feed.isRevoked(accessToken(server, { jti: 'in-old-log' }))).toBe(false);
    expect(feed.isRevoked(accessToken(server, { jti: 'in-new-log' }))).toBe(true);
  });

  test('past maxStaleness without a heartbeat, checks throw UnavailableError (503 + Retry-After); heartbeats bring it back', async () => {
    const server = await startServer();
    const { feed, seen } = feedFor(server, { maxStaleness: '400ms' });
    await feed.ready();
    server.heartbeats = false;
    await until(() => !feed.status().available, 3000, 'staleness');
    let error: unknown;
    try {
      feed.isRevoked(accessToken(server));
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(UnavailableError);
    expect((error as UnavailableError).status).toBe(503);
    expect((error as UnavailableError).headers['Retry-After']).toBe('1');
    await until(() => seen('feed.stale').length > 0, 3000, 'a stale event');
    server.heartbeats = true;
    await until(() => feed.status().available, 3000, 'recovery');
    expect(feed.isRevoked(accessToken(server))).toBe(false);
  });

  test("failure: 'open' answers from the replica while stale (known revocations still refused)", async () => {
    const server = await startServer();
    server.revokeToken({ jti: 'known', exp: now() + 600 });
    const { feed } = feedFor(server, { maxStaleness: '300ms', failure: 'open' });
    await feed.ready();
    server.heartbeats = false;
    await until(() => !feed.status().available, 3000, 'staleness');
    expect(feed.isRevoked(accessToken(server))).toBe(false);
    expect(feed.isRevoked(accessToken(server, { jti: 'known' }))).toBe(true);
  });
});

describe('reconnection', () => {
  test('after the issuer drops the stream, it reconnects with Last-Event-ID and gets only what it missed', async () => {
    const server = await startServer();
    const { feed, seen } = feedFor(server);
    await feed.ready();
    const lastId = server.revokeToken({ jti: 'before-drop', exp: now() + 600 });
    await until(() => feed.status().lastEventId === lastId, 5000, 'the first revocation');
    server.dropConnections();
    server.revokeToken({ jti: 'while-away', exp: now() + 600 }); // nobody is subscribed
    await until(() => seen('feed.ready').length === 2, 5000, 'the second ready');
    expect(server.requests).toEqual([undefined, lastId]);
    expect(seen('feed.disconnected').length).toBeGreaterThan(0);
    expect(seen('feed.reset')).toHaveLength(0);
    expect(feed.isRevoked(accessToken(server, { jti: 'while-away' }))).toBe(true);
    expect(feed.isRevoked(accessToken(server, { jti: 'before-drop' }))).toBe(true);
    expect(seen('feed.set-rejected')).toHaveLength(0); // nothing was sent twice
  });

  test('the issuer down, then back: unavailable meanwhile, then resumed without losing a revocation', async () => {
    const server = await startServer();
    const { feed, seen } = feedFor(server, { maxStaleness: '400ms', maxReconnectDelay: '200ms' });
    await feed.ready();
    await server.stop();
    await until(() => !feed.status().available, 3000, 'unavailability');
    expect(() => feed.isRevoked(accessToken(server))).toThrow(UnavailableError);
    await until(() => seen('feed.disconnected').length >= 2, 3000, 'failed reconnection attempts');
    server.revokeToken({ jti: 'during-outage', exp: now() + 600 }); // kept in the log while down
    await server.start(); // same port, same log
    await until(() => feed.status().available && seen('feed.ready').length === 2, 5000, 'recovery');
    expect(feed.isRevoked(accessToken(server, { jti: 'during-outage' }))).toBe(true);
  });
});

describe('with the verifier', () => {
  test('createVerifier({ denylist: feed }) refuses a revoked token (401) and fails closed while stale (503)', async () => {
    const server = await startServer();
    const { feed, delivered } = feedFor(server, { maxStaleness: '400ms' });
    const verifier = createVerifier({ issuer: server.issuer, audience: AUDIENCE, denylist: feed });
    await feed.ready();
    const token = (jti: string) =>
      signJws(
        { typ: 'at+jwt' },
        { iss: server.issuer, aud: AUDIENCE, sub: 'alice', jti, iat: now(), exp: now() + 600 },
        server.key,
      );
    await expect(verifier.verify(token('fine'))).resolves.toMatchObject({ payload: { jti: 'fine' } });
    await delivered(server.revokeToken({ jti: 'revoked', exp: now() + 600 }));
    await expect(verifier.verify(token('revoked'))).rejects.toMatchObject({
      status: 401,
      code: 'ERR_JWT_REVOKED',
    });
    server.heartbeats = false;
    await until(() => !feed.status().available, 3000, 'staleness');
    await expect(verifier.verify(token('fine'))).rejects.toMatchObject({
      status: 503,
      code: 'ERR_DENYLIST_UNAVAILABLE',
    });
  });
});

describe('options and credentials', () => {
  test('unknown option names are refused with a suggestion; required ones are checked', async () => {
    const server = await startServer();
    const base = {
      url: server.url,
      issuer: server.issuer,
      audience: AUDIENCE,
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
    };
    expect(() => createFeedDenylist({ ...base, maxStalness: '1s' } as FeedDenylistOptions)).toThrow(
      /unknown option "maxStalness"; did you mean "maxStaleness"/,
    );
    expect(() => createFeedDenylist({ ...base, url: '' })).toThrow(/url/);
    expect(() => createFeedDenylist({ ...base, failure: 'sometimes' as 'open' })).toThrow(/failure/);
  });

  test('wrong client credentials: refused by the issuer, retried, never ready', async () => {
    const server = await startServer();
    const { feed, seen } = feedFor(server, { clientSecret: 'wrong', maxReconnectDelay: '100ms' });
    await until(() => seen('feed.disconnected').length >= 2, 3000, 'refused attempts');
    expect(seen('feed.disconnected')[0]).toMatchObject({ reason: 'HTTP 401' });
    expect(feed.status().ready).toBe(false);
    expect(() => feed.isRevoked(accessToken(server))).toThrow(UnavailableError);
  });
});

describe('the denylist contract, each revocation travelling through the feed', () => {
  let server: FeedServer;
  beforeAll(async () => {
    server = new FeedServer({ setIssuer: ISS });
    await server.start();
  });
  afterAll(() => server.stop());

  describeDenylist({
    // The feed's token-revoked event carries an issuer, a jti and an exp (docs/revocation-feed.md): a
    // revocation by the hash of a token without jti, of a token without exp, or of a jti for every issuer
    // cannot travel on it. The issuer never sends one (its tokens have iss, jti and exp).
    carries: { tokensWithoutJti: false, tokensWithoutExp: false, anyIssuer: false },
    async open({ clock, clockTolerance, maxTokenLifetime }) {
      // The issuer's own checks, so a bad call is refused (TypeError) before anything is published.
      const rule = revocationRule({ clock, clockTolerance, maxTokenLifetime });
      const { feed, delivered } = feedFor(server, {
        issuer: ISS,
        keys: server.jwk,
        clock,
        clockTolerance,
        maxTokenLifetime,
        maxStaleness: 1e9, // the contract moves its clock hours ahead; staleness is tested above
      });
      await feed.ready();
      const publish = (claims: Record<string, unknown>) => delivered(server.append(server.sign(claims)));
      const revokeJti = async (entry: { iss?: string; jti: string; exp: number }) => {
        rule.jti(entry);
        if (entry.iss !== ISS) throw new Error('only jti revocations of the feed issuer travel on the feed');
        await publish(server.tokenRevoked({ jti: entry.jti, exp: entry.exp }));
      };
      return {
        isRevoked: (result) => feed.isRevoked(result),
        revoke: revokeJti,
        async revokeToken(token) {
          await rule.token(token); // refuses what the issuer would (no iss, malformed)
          const payload: JwtPayload =
            typeof token === 'string'
              ? (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as JwtPayload)
              : token.payload;
          if (typeof payload.jti !== 'string' || typeof payload.exp !== 'number') {
            throw new Error('only tokens with jti and exp travel on the feed');
          }
          await revokeJti({ iss: payload.iss, jti: payload.jti, exp: payload.exp });
        },
        async revokeSubject(entry) {
          const { iss, sub, cutoff } = rule.subject(entry);
          if (iss !== ISS) throw new Error('only subjects of the feed issuer travel on the feed');
          await publish(server.sessionRevoked({ sub, before: cutoff }));
        },
      };
    },
  });
});
