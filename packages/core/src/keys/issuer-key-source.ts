// Which key source verifies one trusted issuer's tokens, decided once at construction: the issuer's own
// keys or jwksUri, else the top-level ones, else discovery from the issuer; and which algorithms its tokens
// may use. Everything a misconfiguration could turn into an accepted forgery is refused here.
import { ALGORITHMS, ASYMMETRIC_ALGORITHMS, algorithmSpec } from '../jws/algorithms.js';
import { stringList } from '../config/option-values.js';
import { ConfigurationError } from '../errors.js';
import { isAcceptableJwksUri } from './discovery.js';
import type { KeySource } from './key-source.js';
import type { RefetchBudget } from './refetch-budget.js';
import { createRemoteKeySource } from './remote-key-source.js';
import { createStaticKeySource, type StaticKeySource } from './static-keys.js';
import type { IssuerConfig, JwksCacheOptions, JwtGuardEvent, KeyInput, VerifierOptions } from '../types.js';

/** What every issuer of one verifier shares: built lazily, so an all-static verifier builds no budget. */
export interface SharedKeyContext {
  options: VerifierOptions;
  /** The top-level `algorithms`, checked once. */
  algorithms: readonly string[] | undefined;
  fetch: typeof fetch | undefined;
  clock: () => number;
  jwksCache: JwksCacheOptions;
  /** One refetch budget per verifier: a flood of unknown kids across many tenants stays bounded. */
  budget: () => RefetchBudget;
  /** Top-level keys, compiled once and shared by every issuer that has none of its own. */
  staticKeys: () => StaticKeySource;
  emit: (event: JwtGuardEvent) => void;
}

export interface IssuerKeys {
  keySource: KeySource;
  algorithms: readonly string[];
}

export function compileIssuerKeys(config: IssuerConfig, shared: SharedKeyContext): IssuerKeys {
  const { options } = shared;
  const ownKeys = config.keys !== undefined || config.jwksUri !== undefined;
  const keys = ownKeys ? config.keys : options.keys;
  const jwksUri = ownKeys ? config.jwksUri : options.jwksUri;
  const where = `issuer ${JSON.stringify(config.issuer)}`;
  if (keys !== undefined && jwksUri !== undefined) {
    throw new ConfigurationError(`${where}: give either keys or jwksUri, not both`);
  }
  const requested =
    config.algorithms !== undefined ? algorithmList(config.algorithms, 'algorithms') : shared.algorithms;

  if (keys !== undefined) {
    const source = ownKeys ? createStaticKeySource(keys as KeyInput | KeyInput[]) : shared.staticKeys();
    const algorithms = requested ?? source.algorithms;
    if (!algorithms.some((alg) => source.algorithms.includes(alg))) {
      throw new ConfigurationError(
        `${where}: none of the configured keys can verify ${algorithms.join(', ')}; the keys support ${source.algorithms.join(', ')}`,
      );
    }
    return { keySource: source, algorithms };
  }

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
  if (typeof shared.fetch !== 'function') {
    throw new ConfigurationError(`${where}: no global fetch; pass options.fetch to load the JWKS`);
  }
  if (jwksUri !== undefined) checkUrl(jwksUri, 'jwksUri');
  else checkUrl(config.issuer, 'issuer (used for discovery)');
  const keySource = createRemoteKeySource({
    issuer: config.issuer,
    ...(jwksUri !== undefined ? { jwksUri } : {}),
    fetch: shared.fetch,
    clock: shared.clock,
    cache: shared.jwksCache,
    budget: shared.budget(),
    onEvent: shared.emit,
  });
  return { keySource, algorithms: requested ?? ASYMMETRIC_ALGORITHMS };
}

/** An `algorithms` option: known JWS algorithm names only, and never `none`. */
export function algorithmList(value: unknown, option: string): string[] {
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

function checkUrl(value: string, option: string): void {
  // Keys fetched over plain http could be swapped by anyone on the path; loopback has no path to tamper with.
  if (!isAcceptableJwksUri(value)) {
    throw new ConfigurationError(
      `${option} must be an absolute https URL (plain http only on localhost/127.0.0.1/[::1]); got ${JSON.stringify(value)}`,
    );
  }
}
