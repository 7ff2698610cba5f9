// A loopback issuer that serves the revocation feed exactly as docs/revocation-feed.md describes it, written
// for these tests alone (node:http and node:crypto, nothing of @jwtguard/issuer): discovery and JWKS, SETs
// signed with an ES256 key, a retained log with increasing ids, `GET /revocations` with Basic client
// credentials, the snapshot, `ready`, `reset` for an unknown Last-Event-ID, heartbeats and live entries.
// Controls let a test forge SETs, stop heartbeats, drop connections and take the whole issuer down.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';

export const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
export const TOKEN_REVOKED = 'urn:jwtguard:secevent:token-revoked';
export const AUDIENCE = 'https://api.feed.test';
export const CLIENT_ID = 'api-1';
export const CLIENT_SECRET = 'feed secret:1';

export interface SigningKey {
  privateKey: KeyObject;
  kid: string;
}

export function newSigningKey(kid: string = randomUUID()): SigningKey {
  return { privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, kid };
}

/** The public JWK of a signing key, as a JWKS publishes it. */
export function publicJwk(key: SigningKey): Record<string, unknown> {
  const { d: _private, ...jwk } = key.privateKey.export({ format: 'jwk' });
  void _private;
  return { ...jwk, kid: key.kid, alg: 'ES256', use: 'sig' };
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact ES256 JWS (RFC 7515 §3.1), with the raw r||s signature JWA asks for (RFC 7518 §3.4). */
export function signJws(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  key: SigningKey,
): string {
  const input = `${b64({ alg: 'ES256', kid: key.kid, ...header })}.${b64(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

interface Entry {
  id: string;
  set: string;
}

interface Subscriber {
  res: ServerResponse;
  lastEventId: string | undefined;
}

export interface FeedServerOptions {
  heartbeatMs?: number;
  /** The `retry:` the stream starts with (ms). */
  retryMs?: number;
  /** The `iss` of the SETs and events (default: this server's URL). */
  setIssuer?: string;
}

export class FeedServer {
  readonly key = newSigningKey('feed-key-1');
  issuer = '';
  private server: Server | undefined;
  private port = 0;
  private readonly sockets = new Set<Socket>();
  private log: Entry[] = [];
  private logName = 'a';
  private nextId = 1;
  private readonly subscribers = new Set<Subscriber>();
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  heartbeats = true;
  /** The Last-Event-ID of each subscription request, in order (undefined: none sent). */
  readonly requests: Array<string | undefined> = [];

  constructor(private readonly options: FeedServerOptions = {}) {}

  get setIssuer(): string {
    return this.options.setIssuer ?? this.issuer;
  }

  /** The public JWK of the signing key. */
  get jwk(): Record<string, unknown> {
    return publicJwk(this.key);
  }

  get url(): string {
    return `${this.issuer}/revocations`;
  }

  async start(): Promise<void> {
    const server = createServer((req, res) => this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.issuer = `http://127.0.0.1:${this.port}`;
    this.server = server;
    this.heartbeat = setInterval(() => {
      if (this.heartbeats) this.broadcast(`event: heartbeat\ndata: ${Date.now()}\n\n`);
    }, this.options.heartbeatMs ?? 100);
  }

  /** The issuer goes down: every connection is cut and nothing listens on its port. */
  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    const server = this.server;
    this.server = undefined;
    this.dropConnections();
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Cuts every feed subscription (the process stays up). */
  dropConnections(): void {
    for (const subscriber of this.subscribers) subscriber.res.destroy();
    this.subscribers.clear();
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Starts another log: every id a receiver holds becomes unknown, so its next connection gets `reset`. */
  replaceLog(entries: Array<Record<string, unknown>> = []): void {
    this.logName = String.fromCharCode(this.logName.charCodeAt(0) + 1);
    this.log = [];
    for (const claims of entries) this.append(this.sign(claims));
  }

  sign(
    claims: Record<string, unknown>,
    options: { key?: SigningKey; header?: Record<string, unknown> } = {},
  ): string {
    const payload = {
      iss: this.setIssuer,
      aud: AUDIENCE,
      iat: Math.floor(Date.now() / 1000),
      jti: randomUUID(),
      ...claims,
    };
    return signJws({ typ: 'secevent+jwt', ...options.header }, payload, options.key ?? this.key);
  }

  tokenRevoked(token: { jti: string; exp: number; iss?: string }): Record<string, unknown> {
    return {
      events: { [TOKEN_REVOKED]: { iss: token.iss ?? this.setIssuer, jti: token.jti, exp: token.exp } },
    };
  }

  sessionRevoked(subject: { sub: string; before: number; iss?: string }): Record<string, unknown> {
    return {
      events: {
        [SESSION_REVOKED]: {
          subject: { format: 'iss_sub', iss: subject.iss ?? this.setIssuer, sub: subject.sub },
          event_timestamp: subject.before,
        },
      },
    };
  }

  /** Appends a SET (signed here or forged by the test) to the log and sends it to every subscriber. */
  append(set: string): string {
    const entry = { id: `${this.logName}-${this.nextId++}`, set };
    this.log.push(entry);
    this.broadcast(this.format(entry));
    return entry.id;
  }

  revokeToken(token: { jti: string; exp: number }): string {
    return this.append(this.sign(this.tokenRevoked(token)));
  }

  revokeSubject(subject: { sub: string; before: number }): string {
    return this.append(this.sign(this.sessionRevoked(subject)));
  }

  private format(entry: Entry): string {
    return `id: ${entry.id}\nevent: set\ndata: ${entry.set}\n\n`;
  }

  private broadcast(chunk: string): void {
    for (const subscriber of this.subscribers) subscriber.res.write(chunk);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', this.issuer).pathname;
    if (path === '/.well-known/openid-configuration') {
      return this.json(res, 200, {
        issuer: this.issuer,
        jwks_uri: `${this.issuer}/jwks`,
        revocation_feed_endpoint: this.url,
      });
    }
    if (path === '/jwks') {
      return this.json(res, 200, { keys: [this.jwk] });
    }
    if (path !== '/revocations' || req.method !== 'GET') return this.json(res, 404, { error: 'not_found' });
    if (!this.authenticated(req.headers.authorization)) {
      return this.json(res, 401, { error: 'invalid_client' }, { 'WWW-Authenticate': 'Basic realm="feed"' });
    }
    const header = req.headers['last-event-id'];
    const lastEventId = typeof header === 'string' ? header : undefined;
    this.requests.push(lastEventId);
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' });
    res.write(`retry: ${this.options.retryMs ?? 50}\n\n`);
    let from = 0;
    if (lastEventId !== undefined) {
      const index = this.log.findIndex((entry) => entry.id === lastEventId);
      if (index === -1) res.write('event: reset\ndata: {}\n\n');
      else from = index + 1;
    }
    for (const entry of this.log.slice(from)) res.write(this.format(entry));
    res.write(`event: ready\ndata: ${JSON.stringify({ last: this.log.at(-1)?.id ?? null })}\n\n`);
    const subscriber = { res, lastEventId };
    this.subscribers.add(subscriber);
    res.on('close', () => this.subscribers.delete(subscriber));
  }

  /** RFC 6749 §2.3.1: Basic credentials, each form-urlencoded. */
  private authenticated(header: string | undefined): boolean {
    const match = /^Basic ([A-Za-z0-9+/]+=*)$/.exec(header ?? '');
    if (!match) return false;
    const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const form = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
    return form(decoded.slice(0, colon)) === CLIENT_ID && form(decoded.slice(colon + 1)) === CLIENT_SECRET;
  }

  private json(
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): void {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }
}

/** Resolves once `predicate` holds (polled), or rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
