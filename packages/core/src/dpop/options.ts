// The `dpop` option compiled once, at construction (RFC 9449 on the resource server side).
import { assertKnownOptions } from '../config/option-names.js';
import { toMilliseconds } from '../config/duration.js';
import { defaults } from '../defaults.js';
import { ConfigurationError } from '../errors.js';
import { algorithmSpec } from '../jws/algorithms.js';
import { createNonceSource, type NonceSource } from './nonce.js';
import type { ProofPolicy } from './proof.js';
import { createMemoryReplayStore } from './replay-store.js';
import type { DpopChallenge, DpopOptions, ReplayStore } from '../types.js';
import { normaliseHtu } from './htu.js';

export interface CompiledDpop {
  required: boolean;
  policy: ProofPolicy;
  replayStore: ReplayStore;
  replayTimeoutMs: number;
  nonce: NonceSource | undefined;
  publicUrl: string | undefined;
  challenge: DpopChallenge;
}

const OPTION_NAMES = {
  required: true,
  algorithms: true,
  proofMaxAge: true,
  nonce: true,
  replayStore: true,
  publicUrl: true,
} satisfies Record<keyof DpopOptions, true>;

/** The names the `dpop` option understands (createDpopProofVerifier adds `clock`). */
export const DPOP_OPTION_NAMES: readonly string[] = Object.keys(OPTION_NAMES);

// Ed25519 (RFC 9864) beside EdDSA: the client libraries (dpop, oauth4webapi) and oidc-provider now sign
// Ed25519 proofs with the fully specified name.
export const DEFAULT_DPOP_ALGORITHMS: readonly string[] = ['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256'];

export function compileDpop(
  option: boolean | DpopOptions | undefined,
  clock: () => number,
  replayTimeoutMs: number = toMilliseconds(defaults.denylistTimeout, 'denylistTimeout'),
): CompiledDpop | undefined {
  if (option === undefined || option === false) return undefined;
  const options: DpopOptions = option === true ? {} : option;
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError(
      'dpop must be true or { required?, algorithms?, proofMaxAge?, nonce?, replayStore?, publicUrl? }',
    );
  }
  assertKnownOptions('createVerifier(): dpop', options, DPOP_OPTION_NAMES);
  if (options.required !== undefined && typeof options.required !== 'boolean') {
    throw new ConfigurationError('dpop.required must be true or false');
  }
  const algorithms = options.algorithms ?? DEFAULT_DPOP_ALGORITHMS;
  if (!Array.isArray(algorithms) || algorithms.length === 0) {
    throw new ConfigurationError('dpop.algorithms must be a non-empty list, e.g. ["ES256", "EdDSA"]');
  }
  for (const alg of algorithms) {
    const spec = typeof alg === 'string' ? algorithmSpec(alg) : undefined;
    // RFC 9449 §4.2: the proof is signed with a private key the client holds; a MAC or `none` proves nothing.
    if (spec === undefined || spec.kty === 'oct') {
      throw new ConfigurationError(
        `dpop.algorithms: ${JSON.stringify(alg)} is not an asymmetric JWS algorithm`,
      );
    }
  }
  const maxAgeSeconds = toMilliseconds(options.proofMaxAge ?? 60, 'dpop.proofMaxAge') / 1000;
  if (!(maxAgeSeconds > 0)) throw new ConfigurationError('dpop.proofMaxAge must be longer than zero');
  const replayStore = options.replayStore ?? createMemoryReplayStore({ clock });
  if (replayStore === null || typeof replayStore !== 'object' || typeof replayStore.markUsed !== 'function') {
    throw new ConfigurationError('dpop.replayStore must have markUsed(id, expiresAt)');
  }
  let publicUrl: string | undefined;
  if (options.publicUrl !== undefined) {
    const normalised = typeof options.publicUrl === 'string' ? normaliseHtu(options.publicUrl) : undefined;
    if (normalised === undefined || /[?#]/.test(options.publicUrl)) {
      throw new ConfigurationError(
        `dpop.publicUrl must be an absolute http(s) URL without query, e.g. "https://api.example.com"; got ${JSON.stringify(options.publicUrl)}`,
      );
    }
    publicUrl = normalised;
  }
  return {
    required: options.required ?? false,
    policy: { algorithms: new Set(algorithms), maxAgeSeconds, maxLength: defaults.maxTokenLength, clock },
    replayStore,
    replayTimeoutMs,
    nonce: nonceSource(options.nonce, clock),
    publicUrl,
    challenge: Object.freeze({
      algorithms: Object.freeze([...algorithms]),
      required: options.required ?? false,
    }),
  };
}

function nonceSource(option: DpopOptions['nonce'], clock: () => number): NonceSource | undefined {
  if (option === undefined) return undefined;
  if (option === true) return createNonceSource(crypto.getRandomValues(new Uint8Array(32)), 60_000, clock);
  if (option === null || typeof option !== 'object') {
    throw new ConfigurationError('dpop.nonce must be true or { secret, window? }');
  }
  assertKnownOptions('createVerifier(): dpop.nonce', option, ['secret', 'window']);
  const secret = typeof option.secret === 'string' ? new TextEncoder().encode(option.secret) : option.secret;
  if (!(secret instanceof Uint8Array) || secret.length < 32) {
    throw new ConfigurationError('dpop.nonce.secret must be at least 32 bytes, shared by every instance');
  }
  const windowMs = toMilliseconds(option.window ?? '1m', 'dpop.nonce.window');
  if (!(windowMs >= 1000)) throw new ConfigurationError('dpop.nonce.window must be at least one second');
  return createNonceSource(secret, windowMs, clock);
}
