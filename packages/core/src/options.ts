// VerifierOptions compiled once, at construction: every option is checked and turned into the form the
// per-request pipeline uses, and anything unsafe or inconsistent throws a ConfigurationError that says how
// to fix it. A misconfigured API must fail at start-up, never accept tokens it should not.
import { ALGORITHMS, ASYMMETRIC_ALGORITHMS, algorithmSpec } from './jws/algorithms.js';
import type { ClaimsPolicy } from './claims/registered-claims.js';
import { DEFAULT_MAX_TOKEN_LENGTH } from './jws/compact.js';
import { isAcceptableJwksUri } from './keys/discovery.js';
import { toMilliseconds } from './config/duration.js';
import { ConfigurationError } from './errors.js';
import { normaliseMediaType, type HeaderPolicy } from './jws/header-policy.js';
import type { KeySource } from './keys/key-source.js';
import { createRefetchBudget, type RefetchBudget } from './keys/refetch-budget.js';
import { createRemoteKeySource } from './keys/remote-key-source.js';
import { DEFAULT_SCOPE_CLAIMS, createScopeReader } from './claims/scope-claim.js';
import { createStaticKeySource } from './keys/static-keys.js';
import type {
  AuthResult,
  DenylistHook,
  IssuerConfig,
  JwtGuardEvent,
  JwtPayload,
  KeyInput,
  RequestContext,
  VerifierOptions,
} from './types.js';

export interface CompiledIssuer {
  issuer: string;
  keySource: KeySource;
  header: HeaderPolicy;
  claims: ClaimsPolicy;
}

export interface CompiledOptions {
  /** Trusted issuers by exact `iss` (a Map: an `iss` of "__proto__" finds nothing). */
  issuers: ReadonlyMap<string, CompiledIssuer>;
  maxTokenLength: number;
  /** getScopes for the `scopeClaim` option, remembering the split of scope strings (frozen lists: copy them). */
  readScopes: (payload: JwtPayload) => readonly string[];
  denylist: ((result: AuthResult) => boolean | Promise<boolean>) | undefined;
  denylistFailure: 'closed' | 'open';
  denylistTimeoutMs: number;
  validate: ((result: AuthResult, context: RequestContext) => void | Promise<void>) | undefined;
  clock: () => number;
  emit: (event: JwtGuardEvent) => void;
}

const DEFAULT_CLOCK_TOLERANCE = 5;
const DEFAULT_DENYLIST_TIMEOUT = '250ms';
const DEFAULT_REFETCH_BUDGET = 60;

export function compileOptions(options: VerifierOptions): CompiledOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError(
      "createVerifier needs options, e.g. { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' }",
    );
  }
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function')
    throw new ConfigurationError('clock must be a function returning milliseconds since the epoch');
  const onEvent = options.onEvent;
  if (onEvent !== undefined && typeof onEvent !== 'function')
    throw new ConfigurationError('onEvent must be a function');
  const emit = (event: JwtGuardEvent): void => {
    try {
      onEvent?.(event);
    } catch {
      // A throwing listener must not change a verification decision.
    }
  };

  const clockTolerance =
    toMilliseconds(options.clockTolerance ?? DEFAULT_CLOCK_TOLERANCE, 'clockTolerance') / 1000;
  const maxTokenAge =
    options.maxTokenAge === undefined ? undefined : toMilliseconds(options.maxTokenAge, 'maxTokenAge') / 1000;
  const requiredClaims = stringList(options.requiredClaims ?? [], 'requiredClaims', true);
  const typ =
    options.typ === undefined ? undefined : new Set(stringList(options.typ, 'typ').map(normaliseMediaType));
  const scopeClaims =
    options.scopeClaim === undefined ? DEFAULT_SCOPE_CLAIMS : stringList(options.scopeClaim, 'scopeClaim');
  if (options.requireExp !== undefined && typeof options.requireExp !== 'boolean') {
    throw new ConfigurationError('requireExp must be true or false');
  }
  const requireExp = options.requireExp ?? true;
  const maxTokenLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
  if (!Number.isInteger(maxTokenLength) || maxTokenLength < 16) {
    throw new ConfigurationError(
      `maxTokenLength must be an integer number of bytes (default ${DEFAULT_MAX_TOKEN_LENGTH})`,
    );
  }
  const denylistFailure = options.denylistFailure ?? 'closed';
  if (denylistFailure !== 'closed' && denylistFailure !== 'open') {
    throw new ConfigurationError(
      "denylistFailure must be 'closed' (503 when the denylist is down; default) or 'open'",
    );
  }
  if (options.validate !== undefined && typeof options.validate !== 'function') {
    throw new ConfigurationError('validate must be a function (result, context) => void | Promise<void>');
  }
  const topAlgorithms =
    options.algorithms === undefined ? undefined : algorithmList(options.algorithms, 'algorithms');
  const fetchImpl = options.fetch ?? globalThis.fetch?.bind(globalThis);
  const jwksCache = options.cache?.jwks ?? {};
  // One refetch budget per verifier, shared by every remote issuer: a flood of unknown kids across many
  // tenants still causes a bounded number of JWKS fetches.
  let budget: RefetchBudget | undefined;
  const sharedBudget = (): RefetchBudget =>
    (budget ??= createRefetchBudget(jwksCache.refetchBudgetPerMinute ?? DEFAULT_REFETCH_BUDGET, clock));

  // Top-level keys are compiled once and shared by every issuer that has none of its own.
  let sharedStatic: ReturnType<typeof createStaticKeySource> | undefined;

  const issuers = new Map<string, CompiledIssuer>();
  for (const config of issuerConfigs(options)) {
    if (issuers.has(config.issuer))
      throw new ConfigurationError(`issuer ${JSON.stringify(config.issuer)} is listed twice`);
    const audience = config.audience ?? options.audience;
    if (audience === undefined) {
      throw new ConfigurationError(
        `audience is required (the identifier of this API, e.g. 'https://api.example.com'): an API that accepts any audience accepts tokens minted for other services`,
      );
    }
    const audiences = new Set(stringList(audience, 'audience'));
    const ownKeys = config.keys !== undefined || config.jwksUri !== undefined;
    const keys = ownKeys ? config.keys : options.keys;
    const jwksUri = ownKeys ? config.jwksUri : options.jwksUri;
    const where = `issuer ${JSON.stringify(config.issuer)}`;
    if (keys !== undefined && jwksUri !== undefined) {
      throw new ConfigurationError(`${where}: give either keys or jwksUri, not both`);
    }
    const requested =
      config.algorithms !== undefined ? algorithmList(config.algorithms, 'algorithms') : topAlgorithms;

    let keySource: KeySource;
    let algorithms: readonly string[];
    if (keys !== undefined) {
      const source = ownKeys
        ? createStaticKeySource(keys as KeyInput | KeyInput[])
        : (sharedStatic ??= createStaticKeySource(keys as KeyInput | KeyInput[]));
      keySource = source;
      algorithms = requested ?? source.algorithms;
      if (!algorithms.some((alg) => source.algorithms.includes(alg))) {
        throw new ConfigurationError(
          `${where}: none of the configured keys can verify ${algorithms.join(', ')}; the keys support ${source.algorithms.join(', ')}`,
        );
      }
    } else {
      if (config.discovery === false && jwksUri === undefined) {
        throw new ConfigurationError(`${where}: discovery is off, so give jwksUri or keys`);
      }
      const hmac = (requested ?? []).filter((alg) => algorithmSpec(alg)?.kty === 'oct');
      if (hmac.length > 0) {
        // RFC 8725 §3.1: a published JWKS holds public keys; allowing HS* there is the RS256→HS256 attack.
        throw new ConfigurationError(
          `${where}: ${hmac.join(', ')} cannot be used with a JWKS or discovery; HMAC needs a shared secret in keys`,
        );
      }
      if (typeof fetchImpl !== 'function') {
        throw new ConfigurationError(`${where}: no global fetch; pass options.fetch to load the JWKS`);
      }
      if (jwksUri !== undefined) checkUrl(jwksUri, 'jwksUri');
      else checkUrl(config.issuer, 'issuer (used for discovery)');
      keySource = createRemoteKeySource({
        issuer: config.issuer,
        ...(jwksUri !== undefined ? { jwksUri } : {}),
        fetch: fetchImpl,
        clock,
        cache: jwksCache,
        budget: sharedBudget(),
        onEvent: emit,
      });
      algorithms = requested ?? ASYMMETRIC_ALGORITHMS;
    }
    issuers.set(config.issuer, {
      issuer: config.issuer,
      keySource,
      header: { algorithms: new Set(algorithms), typ },
      claims: { issuer: config.issuer, audiences, requireExp, clockTolerance, maxTokenAge, requiredClaims },
    });
  }

  return {
    issuers,
    maxTokenLength,
    readScopes: createScopeReader(scopeClaims),
    denylist: denylistFunction(options.denylist),
    denylistFailure,
    denylistTimeoutMs: toMilliseconds(options.denylistTimeout ?? DEFAULT_DENYLIST_TIMEOUT, 'denylistTimeout'),
    validate: options.validate,
    clock,
    emit,
  };
}

function issuerConfigs(options: VerifierOptions): IssuerConfig[] {
  const issuer = options.issuer;
  const list = Array.isArray(issuer) ? issuer : [issuer];
  if (issuer === undefined || list.length === 0) {
    throw new ConfigurationError(
      "issuer is required: the exact `iss` of your authorization server, e.g. 'https://auth.example.com/'",
    );
  }
  return list.map((item: string | IssuerConfig, index) => {
    const config = typeof item === 'string' ? { issuer: item } : item;
    if (
      config === null ||
      typeof config !== 'object' ||
      typeof config.issuer !== 'string' ||
      config.issuer === ''
    ) {
      throw new ConfigurationError(`issuer[${index}] must be a non-empty string or { issuer: string, ... }`);
    }
    return config;
  });
}

function algorithmList(value: unknown, option: string): string[] {
  const list = stringList(value, option);
  for (const alg of list) {
    if (alg.toLowerCase() === 'none') {
      throw new ConfigurationError(
        `${option}: "none" is never allowed; unsigned tokens prove nothing (RFC 8725 §3.1)`,
      );
    }
    if (!Object.prototype.hasOwnProperty.call(ALGORITHMS, alg)) {
      throw new ConfigurationError(
        `${option}: unknown algorithm ${JSON.stringify(alg)}; use one of ${Object.keys(ALGORITHMS).join(', ')}`,
      );
    }
  }
  return list;
}

function stringList(value: unknown, option: string, allowEmpty = false): string[] {
  const list: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [undefined];
  if (!allowEmpty && list.length === 0) throw new ConfigurationError(`${option} must not be empty`);
  for (const item of list) {
    if (typeof item !== 'string' || item === '') {
      throw new ConfigurationError(`${option} must be a non-empty string or an array of non-empty strings`);
    }
  }
  return list as string[];
}

function checkUrl(value: string, option: string): void {
  // Keys fetched over plain http could be swapped by anyone on the path; loopback has no path to tamper with.
  if (!isAcceptableJwksUri(value)) {
    throw new ConfigurationError(
      `${option} must be an absolute https URL (plain http only on localhost/127.0.0.1/[::1]); got ${JSON.stringify(value)}`,
    );
  }
}

function denylistFunction(hook: DenylistHook | undefined): CompiledOptions['denylist'] {
  if (hook === undefined) return undefined;
  if (typeof hook === 'function') return hook;
  if (hook !== null && typeof hook === 'object' && typeof hook.isRevoked === 'function') {
    return (result) => hook.isRevoked(result);
  }
  throw new ConfigurationError(
    'denylist must be a function (result) => boolean | Promise<boolean>, or an object with isRevoked(result)',
  );
}
