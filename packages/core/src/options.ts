// VerifierOptions compiled once, at construction: every option is checked and turned into the form the
// per-request pipeline uses, and anything unsafe or inconsistent throws a ConfigurationError that says how
// to fix it. A misconfigured API must fail at start-up, never accept tokens it should not.
import type { ClaimsPolicy } from './claims/registered-claims.js';
import { createScopeReader } from './claims/scope-claim.js';
import { toMilliseconds } from './config/duration.js';
import { guardListener } from './config/guarded-listener.js';
import { assertKnownOptions } from './config/option-names.js';
import { stringList } from './config/option-values.js';
import { defaults } from './defaults.js';
import { compileDpop, type CompiledDpop } from './dpop/options.js';
import { ConfigurationError } from './errors.js';
import { compileMtls, type CompiledMtls } from './mtls/options.js';
import { normaliseMediaType, type HeaderPolicy } from './jws/header-policy.js';
import { algorithmList, compileIssuerKeys, type SharedKeyContext } from './keys/issuer-key-source.js';
import type { KeySource } from './keys/key-source.js';
import { createRefetchBudget, type RefetchBudget } from './keys/refetch-budget.js';
import { createStaticKeySource, type StaticKeySource } from './keys/static-keys.js';
import type {
  AuthResult,
  DenylistHook,
  IssuerConfig,
  JwksCacheOptions,
  JwtGuardEvent,
  JwtPayload,
  KeyInput,
  RequestContext,
  TokenCacheOptions,
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
  /** Sender-constrained tokens (RFC 9449), when `dpop` is on. */
  dpop: CompiledDpop | undefined;
  /** Certificate-bound tokens (RFC 8705 §3), when `mtls` is on. */
  mtls: CompiledMtls | undefined;
}

// Every option name, checked by the compiler against the option types (a name added to a type and not here
// fails the type check), and at run time against what the caller passed.
const VERIFIER_OPTIONS = {
  issuer: true,
  audience: true,
  jwksUri: true,
  keys: true,
  algorithms: true,
  clockTolerance: true,
  maxTokenAge: true,
  requiredClaims: true,
  typ: true,
  scopeClaim: true,
  requireExp: true,
  denylist: true,
  denylistFailure: true,
  denylistTimeout: true,
  validate: true,
  maxTokenLength: true,
  cache: true,
  fetch: true,
  clock: true,
  onEvent: true,
  dpop: true,
  mtls: true,
} satisfies Record<keyof VerifierOptions, true>;
const ISSUER_OPTIONS = {
  issuer: true,
  audience: true,
  jwksUri: true,
  keys: true,
  algorithms: true,
  discovery: true,
} satisfies Record<keyof IssuerConfig, true>;
const CACHE_OPTIONS = { jwks: true, tokens: true } satisfies Record<
  keyof NonNullable<VerifierOptions['cache']>,
  true
>;
const JWKS_CACHE_OPTIONS = {
  cacheMaxAge: true,
  minCacheAge: true,
  maxCacheAge: true,
  cooldown: true,
  refetchBudgetPerMinute: true,
  timeout: true,
  staleIfError: true,
  refreshAhead: true,
  maxBytes: true,
  maxKeys: true,
} satisfies Record<keyof JwksCacheOptions, true>;
const TOKEN_CACHE_OPTIONS = { max: true, ttl: true } satisfies Record<keyof TokenCacheOptions, true>;

/** The names `createVerifier` understands; the guard adds its own to these. */
export const VERIFIER_OPTION_NAMES: readonly string[] = Object.keys(VERIFIER_OPTIONS);

export function compileOptions(options: VerifierOptions): CompiledOptions {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError(
      "createVerifier needs options, e.g. { issuer: 'https://auth.example.com/', audience: 'https://api.example.com' }",
    );
  }
  checkOptionNames(options);
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function')
    throw new ConfigurationError('clock must be a function returning milliseconds since the epoch');
  const emit = guardListener(options.onEvent);

  const clockTolerance =
    toMilliseconds(options.clockTolerance ?? defaults.clockTolerance, 'clockTolerance') / 1000;
  const maxTokenAge =
    options.maxTokenAge === undefined ? undefined : toMilliseconds(options.maxTokenAge, 'maxTokenAge') / 1000;
  const requiredClaims = stringList(options.requiredClaims ?? [], 'requiredClaims', true);
  const typ =
    options.typ === undefined ? undefined : new Set(stringList(options.typ, 'typ').map(normaliseMediaType));
  const scopeClaims =
    options.scopeClaim === undefined ? defaults.scopeClaim : stringList(options.scopeClaim, 'scopeClaim');
  if (options.requireExp !== undefined && typeof options.requireExp !== 'boolean') {
    throw new ConfigurationError('requireExp must be true or false');
  }
  const requireExp = options.requireExp ?? defaults.requireExp;
  const maxTokenLength = options.maxTokenLength ?? defaults.maxTokenLength;
  if (!Number.isInteger(maxTokenLength) || maxTokenLength < 16) {
    throw new ConfigurationError(
      `maxTokenLength must be an integer number of bytes (default ${defaults.maxTokenLength})`,
    );
  }
  const denylistFailure = options.denylistFailure ?? defaults.denylistFailure;
  if (denylistFailure !== 'closed' && denylistFailure !== 'open') {
    throw new ConfigurationError(
      "denylistFailure must be 'closed' (503 when the denylist is down; default) or 'open'",
    );
  }
  if (options.validate !== undefined && typeof options.validate !== 'function') {
    throw new ConfigurationError('validate must be a function (result, context) => void | Promise<void>');
  }

  const jwksCache = options.cache?.jwks ?? {};
  let budget: RefetchBudget | undefined;
  let staticKeys: StaticKeySource | undefined;
  const shared: SharedKeyContext = {
    options,
    algorithms:
      options.algorithms === undefined ? undefined : algorithmList(options.algorithms, 'algorithms'),
    fetch: options.fetch ?? globalThis.fetch?.bind(globalThis),
    clock,
    jwksCache,
    budget: () =>
      (budget ??= createRefetchBudget(
        jwksCache.refetchBudgetPerMinute ?? defaults.jwks.refetchBudgetPerMinute,
        clock,
      )),
    staticKeys: () => (staticKeys ??= createStaticKeySource(options.keys as KeyInput | KeyInput[])),
    emit,
  };

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
    const { keySource, algorithms } = compileIssuerKeys(config, shared);
    issuers.set(config.issuer, {
      issuer: config.issuer,
      keySource,
      header: { algorithms: new Set(algorithms), typ },
      claims: { issuer: config.issuer, audiences, requireExp, clockTolerance, maxTokenAge, requiredClaims },
    });
  }

  const denylistTimeoutMs = toMilliseconds(
    options.denylistTimeout ?? defaults.denylistTimeout,
    'denylistTimeout',
  );
  return {
    issuers,
    maxTokenLength,
    readScopes: createScopeReader(scopeClaims),
    denylist: denylistFunction(options.denylist),
    denylistFailure,
    denylistTimeoutMs,
    validate: options.validate,
    clock,
    emit,
    // The replay store is bounded like the denylist: both are a store consulted for an otherwise valid token.
    dpop: compileDpop(options.dpop, clock, denylistTimeoutMs),
    mtls: compileMtls(options.mtls),
  };
}

/** Refuses any misspelt option name, the nested ones included, before anything else is read. */
function checkOptionNames(options: VerifierOptions): void {
  assertKnownOptions('createVerifier()', options, VERIFIER_OPTION_NAMES);
  const cache = options.cache;
  if (cache !== undefined && cache !== null && typeof cache === 'object') {
    assertKnownOptions('createVerifier(): cache', cache, Object.keys(CACHE_OPTIONS));
    if (cache.jwks !== null && typeof cache.jwks === 'object') {
      assertKnownOptions('createVerifier(): cache.jwks', cache.jwks, Object.keys(JWKS_CACHE_OPTIONS));
    }
    if (cache.tokens !== null && typeof cache.tokens === 'object') {
      assertKnownOptions('createVerifier(): cache.tokens', cache.tokens, Object.keys(TOKEN_CACHE_OPTIONS));
    }
  }
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
    assertKnownOptions(`createVerifier(): issuer[${index}]`, config, Object.keys(ISSUER_OPTIONS));
    return config;
  });
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
