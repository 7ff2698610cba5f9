// createIssuer's options, checked and resolved once at construction: misspelt names refused with a
// suggestion (a typo such as `denyList` would otherwise silently turn revocation off), durations converted
// to milliseconds, and the rules between options that keep rotations invisible to verifiers enforced.
import { assertKnownOptions, ConfigurationError, toMilliseconds } from '@jwtguard/core';
import { audienceList } from './audience.js';
import type { ClientConfig } from './client-auth.js';
import { issuerDefaults } from './defaults.js';
import { compileIssuerDpop, type TokenEndpointDpop } from './dpop.js';
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from './key-store.js';
import type {
  DpopNonceOptions,
  EndpointPaths,
  IssuerDpopOptions,
  IssuerOptions,
  RevocationFeedOptions,
  RevocationPushReceiver,
  RotationOptions,
} from './types.js';
import type { PushReceiverConfig } from './revocation-push.js';
import type { RevocationLogStore } from './revocation-log.js';

const ISSUER_OPTION_NAMES = {
  issuer: true,
  audience: true,
  algorithm: true,
  keyStore: true,
  signer: true,
  publishedKeys: true,
  refreshTokenStore: true,
  denylist: true,
  accessTokenLifetime: true,
  refreshTokenIdleLifetime: true,
  refreshTokenAbsoluteLifetime: true,
  reuseGracePeriod: true,
  clockTolerance: true,
  jwksCacheLifetime: true,
  rotation: true,
  keySyncInterval: true,
  clients: true,
  paths: true,
  scopesSupported: true,
  dpop: true,
  mtls: true,
  revocationFeed: true,
  clock: true,
  onEvent: true,
} satisfies Record<keyof IssuerOptions, true>;
const ROTATION_OPTION_NAMES = { every: true, checkInterval: true } satisfies Record<
  keyof RotationOptions,
  true
>;
const PATH_OPTION_NAMES = { jwks: true, token: true, revocation: true } satisfies Record<
  keyof EndpointPaths,
  true
>;
const DPOP_OPTION_NAMES = {
  algorithms: true,
  proofMaxAge: true,
  nonce: true,
  replayStore: true,
} satisfies Record<keyof IssuerDpopOptions, true>;
const DPOP_NONCE_OPTION_NAMES = { secret: true, window: true } satisfies Record<keyof DpopNonceOptions, true>;
const FEED_OPTION_NAMES = {
  clients: true,
  path: true,
  heartbeatInterval: true,
  maxBufferBytes: true,
  log: true,
  push: true,
} satisfies Record<keyof RevocationFeedOptions, true>;
const PUSH_OPTION_NAMES = { url: true, authorization: true } satisfies Record<
  keyof RevocationPushReceiver,
  true
>;
const CLIENT_OPTION_NAMES = {
  id: true,
  secret: true,
  grants: true,
  scopes: true,
  audience: true,
} satisfies Record<keyof ClientConfig, true>;

/** The options in the form the issuer's modules use: durations in milliseconds, defaults applied. */
export interface IssuerConfig {
  iss: string;
  clock: () => number;
  algorithm: SigningAlgorithm;
  audience: string[];
  accessTokenLifetime: number;
  refreshTokenIdleLifetime: number;
  refreshTokenAbsoluteLifetime: number;
  reuseGracePeriod: number;
  clockTolerance: number;
  jwksCacheLifetime: number;
  /** `undefined`: the key store is re-read only on rotateKeys()/tick(). */
  keySyncInterval: number | undefined;
  /** `undefined`: no scheduled rotation. */
  rotationEvery: number | undefined;
  /** `undefined`: no built-in timer. */
  rotationCheckInterval: number | undefined;
  clients: ReadonlyMap<string, ClientConfig>;
  jwksUri: string;
  tokenEndpoint: string;
  revocationEndpoint: string;
  /** `undefined`: DPoP is off, DPoP headers at the token endpoint are ignored. */
  dpop: TokenEndpointDpop | undefined;
  /** RFC 8705 §3.1: bind access tokens to the token request's client certificate. */
  mtls: boolean;
  /** `undefined`: no revocation feed. */
  revocationFeed: RevocationFeedConfig | undefined;
}

/** The `revocationFeed` option resolved (durations in milliseconds). */
export interface RevocationFeedConfig {
  clients: ReadonlySet<string>;
  endpoint: string;
  heartbeatInterval: number;
  maxBufferBytes: number;
  /** `undefined`: the issuer makes a memory log. */
  log: RevocationLogStore | undefined;
  /** The `aud` of every SET: the issuer's audience and every client's, so each API that takes tokens hears. */
  audience: string[];
  /** RFC 8935 receivers every SET is POSTed to; empty for none. */
  push: PushReceiverConfig[];
}

const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;

/** Refuses any misspelt option name, the nested ones included, before anything else is read. */
function checkOptionNames(options: IssuerOptions): void {
  assertKnownOptions('createIssuer()', options, Object.keys(ISSUER_OPTION_NAMES));
  if (isObject(options.rotation)) {
    assertKnownOptions('createIssuer(): rotation', options.rotation, Object.keys(ROTATION_OPTION_NAMES));
  }
  if (isObject(options.paths)) {
    assertKnownOptions('createIssuer(): paths', options.paths, Object.keys(PATH_OPTION_NAMES));
  }
  if (isObject(options.dpop)) {
    // Checked here rather than by core, so a misspelling is reported as the issuer's option.
    assertKnownOptions('createIssuer(): dpop', options.dpop, Object.keys(DPOP_OPTION_NAMES));
    const nonce: unknown = options.dpop.nonce;
    if (isObject(nonce)) {
      assertKnownOptions('createIssuer(): dpop.nonce', nonce, Object.keys(DPOP_NONCE_OPTION_NAMES));
    }
  }
  if (isObject(options.revocationFeed)) {
    assertKnownOptions(
      'createIssuer(): revocationFeed',
      options.revocationFeed,
      Object.keys(FEED_OPTION_NAMES),
    );
    const push: unknown = options.revocationFeed.push;
    if (Array.isArray(push)) {
      push.forEach((receiver: unknown, index) => {
        if (isObject(receiver)) {
          assertKnownOptions(
            `createIssuer(): revocationFeed.push[${index}]`,
            receiver,
            Object.keys(PUSH_OPTION_NAMES),
          );
        }
      });
    }
  }
  if (Array.isArray(options.clients)) {
    options.clients.forEach((client: unknown, index) => {
      if (isObject(client)) {
        assertKnownOptions(`createIssuer(): clients[${index}]`, client, Object.keys(CLIENT_OPTION_NAMES));
      }
    });
  }
}

function mtlsOption(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean')
    throw new ConfigurationError(`mtls must be true or false; got ${JSON.stringify(value)}`);
  return value;
}

const LOG_METHODS = ['append', 'read', 'has', 'trim'] as const;

function revocationFeedOption(
  value: RevocationFeedOptions | undefined,
  iss: string,
  clients: ReadonlyMap<string, ClientConfig>,
  audience: string[],
): RevocationFeedConfig | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new ConfigurationError('revocationFeed must be an object with `clients`');
  if (!Array.isArray(value.clients) || value.clients.length === 0) {
    throw new ConfigurationError('revocationFeed.clients must list the client ids allowed to subscribe');
  }
  for (const id of value.clients as unknown[]) {
    const client = typeof id === 'string' ? clients.get(id) : undefined;
    // The feed authenticates with client credentials: a public client could not prove who it is.
    if (client?.secret === undefined) {
      throw new ConfigurationError(
        `revocationFeed.clients: ${JSON.stringify(id)} is not a registered confidential client (one with a secret in \`clients\`)`,
      );
    }
  }
  const maxBufferBytes = value.maxBufferBytes ?? issuerDefaults.revocationFeed.maxBufferBytes;
  if (!Number.isInteger(maxBufferBytes) || maxBufferBytes < 1024) {
    throw new ConfigurationError('revocationFeed.maxBufferBytes must be an integer of at least 1024');
  }
  const heartbeatInterval = toMilliseconds(
    value.heartbeatInterval ?? issuerDefaults.revocationFeed.heartbeatInterval,
    'revocationFeed.heartbeatInterval',
  );
  if (heartbeatInterval < 10)
    throw new ConfigurationError('revocationFeed.heartbeatInterval must be at least 10ms');
  const log: unknown = value.log;
  if (
    log !== undefined &&
    !(isObject(log) && LOG_METHODS.every((name) => typeof Reflect.get(log, name) === 'function'))
  ) {
    throw new ConfigurationError(
      `revocationFeed.log must be a RevocationLogStore (${LOG_METHODS.join(', ')})`,
    );
  }
  const path = value.path ?? issuerDefaults.revocationFeed.path;
  if (typeof path !== 'string' || path === '')
    throw new ConfigurationError('revocationFeed.path must be a path');
  const audiences = new Set(audience);
  for (const client of clients.values()) for (const aud of audienceList(client.audience)) audiences.add(aud);
  if (audiences.size === 0) {
    throw new ConfigurationError(
      'revocationFeed needs an `audience`: every SET is addressed to the APIs (RFC 8417 §2.2)',
    );
  }
  return {
    clients: new Set(value.clients),
    endpoint: endpoint(iss, path),
    heartbeatInterval,
    maxBufferBytes,
    log: value.log,
    audience: [...audiences],
    push: pushOption(value.push),
  };
}

/** Loopback hosts, where plain http never leaves the machine (RFC 6761 §6.3 for `localhost`). */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function pushOption(value: unknown): PushReceiverConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    throw new ConfigurationError('revocationFeed.push must be an array of { url, authorization? }');
  }
  const seen = new Set<string>();
  return value.map((receiver: unknown, index): PushReceiverConfig => {
    const name = `revocationFeed.push[${index}]`;
    if (!isObject(receiver)) throw new ConfigurationError(`${name} must be an object with a \`url\``);
    const url: unknown = Reflect.get(receiver, 'url');
    let parsed: URL;
    try {
      parsed = new URL(url as string);
    } catch {
      throw new ConfigurationError(`${name}.url must be an absolute URL; got ${JSON.stringify(url)}`);
    }
    // The SETs (and the Authorization header) must not cross a network in the clear.
    if (!(parsed.protocol === 'https:' || (parsed.protocol === 'http:' && isLoopback(parsed.hostname)))) {
      throw new ConfigurationError(`${name}.url must be https (http only on a loopback address)`);
    }
    // Credentials belong in `authorization`, where they are never reported.
    if (parsed.username !== '' || parsed.password !== '') {
      throw new ConfigurationError(`${name}.url must not carry credentials: use \`authorization\``);
    }
    if (parsed.hash !== '') throw new ConfigurationError(`${name}.url must not have a fragment`);
    if (seen.has(parsed.href)) throw new ConfigurationError(`${name}.url is listed twice`);
    seen.add(parsed.href);
    const authorization: unknown = Reflect.get(receiver, 'authorization');
    if (
      authorization !== undefined &&
      (typeof authorization !== 'string' || authorization.trim() === '' || /[\r\n]/.test(authorization))
    ) {
      throw new ConfigurationError(`${name}.authorization must be a header value such as "Bearer <token>"`);
    }
    return { url: parsed.href, authorization };
  });
}

function endpoint(issuer: string, path: string): string {
  return `${issuer.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
}

function issuerUrl(value: unknown): string {
  let url: URL;
  try {
    url = new URL(value as string);
  } catch {
    throw new ConfigurationError(
      `issuer must be an absolute URL such as "https://auth.example.com"; got ${JSON.stringify(value)}`,
    );
  }
  if (url.search || url.hash) {
    throw new ConfigurationError('issuer must not have a query or fragment (RFC 8414 §2)');
  }
  return value as string;
}

function clientMap(clients: readonly ClientConfig[]): Map<string, ClientConfig> {
  const map = new Map<string, ClientConfig>();
  for (const client of clients) {
    if (!client.id) throw new ConfigurationError('every client needs an id');
    if (map.has(client.id)) throw new ConfigurationError(`client ${client.id} is configured twice`);
    map.set(client.id, client);
  }
  return map;
}

export function resolveIssuerOptions(options: IssuerOptions): IssuerConfig {
  if (!isObject(options)) throw new ConfigurationError('createIssuer() needs an options object');
  checkOptionNames(options);
  const iss = issuerUrl(options.issuer);
  const algorithm = options.algorithm ?? issuerDefaults.algorithm;
  if (!SIGNING_ALGORITHMS.includes(algorithm)) {
    throw new ConfigurationError(
      `algorithm must be one of ${SIGNING_ALGORITHMS.join(', ')}; got ${String(algorithm)}`,
    );
  }
  type DurationOption =
    | 'accessTokenLifetime'
    | 'refreshTokenIdleLifetime'
    | 'refreshTokenAbsoluteLifetime'
    | 'reuseGracePeriod'
    | 'clockTolerance'
    | 'jwksCacheLifetime';
  const duration = (name: DurationOption) => toMilliseconds(options[name] ?? issuerDefaults[name], name);
  const accessTokenLifetime = duration('accessTokenLifetime');
  const refreshTokenIdleLifetime = duration('refreshTokenIdleLifetime');
  const refreshTokenAbsoluteLifetime = duration('refreshTokenAbsoluteLifetime');
  const reuseGracePeriod = duration('reuseGracePeriod');
  const clockTolerance = duration('clockTolerance');
  const jwksCacheLifetime = duration('jwksCacheLifetime');
  if (accessTokenLifetime < 1000) throw new ConfigurationError('accessTokenLifetime must be at least 1s');
  const keySync = options.keySyncInterval ?? (options.keyStore ? issuerDefaults.keySyncInterval : false);
  const keySyncInterval = keySync === false ? undefined : toMilliseconds(keySync, 'keySyncInterval');
  const rotation = options.rotation;
  const rotationEvery = rotation === undefined ? undefined : toMilliseconds(rotation.every, 'rotation.every');
  if (rotationEvery !== undefined && rotationEvery <= jwksCacheLifetime) {
    throw new ConfigurationError(
      'rotation.every must be longer than jwksCacheLifetime: a key must be published that long before it signs',
    );
  }
  if (rotationEvery !== undefined && options.signer) {
    throw new ConfigurationError('rotation cannot be scheduled with an external signer: rotate in the KMS');
  }
  const checkInterval = rotation?.checkInterval ?? issuerDefaults.rotationCheckInterval;
  const rotationCheckInterval =
    rotation === undefined || checkInterval === false
      ? undefined
      : toMilliseconds(checkInterval, 'rotation.checkInterval');
  const paths = options.paths ?? {};
  const tokenEndpoint = endpoint(iss, paths.token ?? issuerDefaults.paths.token);
  const clock = options.clock ?? Date.now;
  const clients = clientMap(options.clients ?? []);
  const audience = audienceList(options.audience);
  return {
    iss,
    clock,
    algorithm,
    audience,
    accessTokenLifetime,
    refreshTokenIdleLifetime,
    refreshTokenAbsoluteLifetime,
    reuseGracePeriod,
    clockTolerance,
    jwksCacheLifetime,
    keySyncInterval,
    rotationEvery,
    rotationCheckInterval,
    clients,
    jwksUri: endpoint(iss, paths.jwks ?? issuerDefaults.paths.jwks),
    tokenEndpoint,
    revocationEndpoint: endpoint(iss, paths.revocation ?? issuerDefaults.paths.revocation),
    dpop: compileIssuerDpop(options.dpop, clock, tokenEndpoint),
    mtls: mtlsOption(options.mtls),
    revocationFeed: revocationFeedOption(options.revocationFeed, iss, clients, audience),
  };
}
