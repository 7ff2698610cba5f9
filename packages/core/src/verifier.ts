// The verification pipeline (docs/ARCHITECTURE.md "The path of one request"), in the order that keeps work
// and trust minimal: cheap syntax checks first, the issuer matched against the allow-list before any key
// lookup or network call, the signature before claims, and the denylist last so a forged token never reaches
// a store.
//
// Per-request cost: everything that can be done once is done in compileOptions (options, policies) or once
// per key (imports, memoised by the key sources and the runtime seam); a request builds no regexes, parses
// each JSON object once, runs synchronously until something must be awaited (a key to fetch or convert, an
// async hook: pipeline/maybe-promise.ts), and with `cache.tokens` skips the signature for a token string it
// has already verified (token-cache.ts).
import { checkClaims } from './claims/registered-claims.js';
import { InvalidTokenError, isJwtGuardError, type JwtGuardError } from './errors.js';
import { decodeHeader, decodeSegment, splitCompact, splitSegments } from './jws/compact.js';
import { checkHeader } from './jws/header-policy.js';
import { parseJsonObject } from './jws/strict-json.js';
import type { VerificationKey } from './keys/key-source.js';
import { compileOptions, type CompiledIssuer, type CompiledOptions } from './options.js';
import { applyHooks } from './pipeline/hooks-step.js';
import { andThen, type MaybePromise } from './pipeline/maybe-promise.js';
import { checkSenderConstraint, needsSenderCheck } from './pipeline/sender-constraint-step.js';
import { verifyWithKeys } from './pipeline/signature-step.js';
import { verifySignature, type SignatureCheck } from './runtime/crypto-runtime.js';
import { createTokenCache, type TokenCache } from './token-cache.js';
import type {
  AuthResult,
  JwtHeader,
  JwtPayload,
  RequestContext,
  Verifier,
  VerifierOptions,
} from './types.js';

const NO_CONTEXT: RequestContext = Object.freeze({});

/**
 * Create a verifier. Options are validated here (ConfigurationError on anything unsafe); `verify` then
 * resolves an AuthResult or rejects with a JwtGuardError, never with anything else.
 *
 * @example
 * const verifier = createVerifier({ issuer: 'https://auth.example.com/', audience: 'https://api.example.com' });
 * const { payload, scopes } = await verifier.verify(token);
 */
export function createVerifier<P extends JwtPayload = JwtPayload>(options: VerifierOptions): Verifier<P> {
  return buildVerifier<P>(options, verifySignature);
}

/**
 * A `createVerifier` bound to one side of the runtime seam. Not exported from the package: it exists so the
 * tests can hold the node:crypto and Web Crypto paths to the same security suite in one process.
 */
export function createVerifierUsing(check: SignatureCheck) {
  return <P extends JwtPayload = JwtPayload>(options: VerifierOptions): Verifier<P> =>
    buildVerifier<P>(options, check);
}

/** What one verifier holds for every request. */
interface Pipeline {
  compiled: CompiledOptions;
  check: SignatureCheck;
  tokens: TokenCache | undefined;
}

/** One token on its way through the pipeline: what each step found, handed to the next. */
interface Passage {
  readonly pipeline: Pipeline;
  readonly token: string;
  readonly context: RequestContext;
  /** The trusted issuer the unverified `iss` routed to. */
  readonly entry: CompiledIssuer;
  /** The decoded header, shared by every token that carries it: results get copies. */
  readonly header: JwtHeader;
  readonly payload: Readonly<Record<string, unknown>>;
  /** Frozen scope list read once (a cache hit, or before `validate` when caching); else read from the claims. */
  scopes: readonly string[] | undefined;
  /** The key that verified the signature (or, on a hit, verified it before). */
  key: VerificationKey | undefined;
  readonly cached: boolean;
  /** Set once the claims passed. */
  auth: AuthResult | undefined;
}

function buildVerifier<P extends JwtPayload>(options: VerifierOptions, check: SignatureCheck): Verifier<P> {
  const compiled = compileOptions(options);
  const pipeline: Pipeline = {
    compiled,
    check,
    tokens: createTokenCache(options.cache?.tokens, compiled.clock),
  };
  const listening = options.onEvent !== undefined;
  const accepted = (passage: Passage): AuthResult<P> => {
    if (listening) {
      compiled.emit({
        type: 'token.accepted',
        issuer: passage.entry.issuer,
        kid: passage.header.kid,
        cached: passage.cached,
      });
    }
    return passage.auth as AuthResult<P>;
  };
  const challenge = compiled.dpop?.challenge;
  const refused = (error: unknown, token: string, context: RequestContext): JwtGuardError => {
    const safe = toJwtGuardError(error);
    // The refusal of a DPoP request is a DPoP challenge (RFC 9449 §7.1), naming the accepted algorithms.
    if (context.scheme === 'DPoP') safe.scheme = 'DPoP';
    if (challenge !== undefined) safe.dpop ??= challenge;
    if (listening) {
      // Only rejections pay for naming the issuer again, so the accepted path carries no bookkeeping.
      const issuer = trustedIssuerOf(compiled, token);
      compiled.emit({ type: 'token.rejected', code: safe.code, ...(issuer !== undefined ? { issuer } : {}) });
    }
    return safe;
  };
  const verifyNow = (token: string, context: RequestContext = NO_CONTEXT): MaybePromise<AuthResult<P>> => {
    let outcome: MaybePromise<Passage>;
    try {
      outcome = verifyToken(pipeline, token, context);
    } catch (error) {
      throw refused(error, token, context);
    }
    if (outcome instanceof Promise) {
      return outcome.then(accepted, (error: unknown) => {
        throw refused(error, token, context);
      });
    }
    return accepted(outcome);
  };
  return {
    // Not an async function: the caller awaits exactly one promise, whatever the pipeline awaited.
    verify(token: string, context?: RequestContext): Promise<AuthResult<P>> {
      let result: MaybePromise<AuthResult<P>>;
      try {
        result = verifyNow(token, context);
      } catch (error) {
        return rejectLater(error as JwtGuardError);
      }
      return result instanceof Promise ? result : Promise.resolve(result);
    },
    verifyNow,
    ...(challenge !== undefined ? { dpop: challenge } : {}),
    async warmUp() {
      await Promise.all(
        [...new Set([...compiled.issuers.values()].map((entry) => entry.keySource))].map((source) =>
          source.warmUp(),
        ),
      );
    },
  };
}

/** The whole pipeline for one token: synchronous unless a key, a key conversion or a hook must be awaited. */
function verifyToken(pipeline: Pipeline, token: string, context: RequestContext): MaybePromise<Passage> {
  const { compiled, tokens } = pipeline;

  // A token string verified before, whose key is still offered for it: skip parsing and the signature only.
  const hit = tokens?.get(token);
  if (hit !== undefined) {
    const entry = compiled.issuers.get(hit.issuer);
    if (entry !== undefined) {
      const passage: Passage = {
        pipeline,
        token,
        context,
        entry,
        header: hit.header,
        payload: hit.payload,
        scopes: hit.scopes,
        key: hit.key,
        cached: true,
        auth: undefined,
      };
      return andThen(entry.keySource.getKeys(hit.header), fromHit, passage);
    }
    tokens?.delete(token);
  }
  return verifyFresh(pipeline, token, context);
}

function fromHit(passage: Passage, keys: readonly VerificationKey[]): MaybePromise<Passage> {
  if (keys.includes(passage.key as VerificationKey)) return accept(passage);
  // The key left the key set (rotation, revocation of a key): verify from scratch, which will refuse.
  passage.pipeline.tokens?.delete(passage.token);
  return verifyFresh(passage.pipeline, passage.token, passage.context);
}

function verifyFresh(pipeline: Pipeline, token: string, context: RequestContext): MaybePromise<Passage> {
  const { compiled } = pipeline;
  // 1. Size and compact syntax, then the two JSON objects; decoding refuses any non-base64url segment.
  const parts = splitSegments(token, compiled.maxTokenLength);
  const rawHeader = decodeHeader(parts.header);
  const payload = parseJsonObject(decodeSegment(parts.payload), 'payload');
  const signature = decodeSegment(parts.signature);

  // The unverified `iss` only routes to a trusted issuer's keys; an unknown one stops here, before any fetch.
  const iss = payload.iss;
  const entry: CompiledIssuer | undefined = typeof iss === 'string' ? compiled.issuers.get(iss) : undefined;
  if (!entry)
    throw new InvalidTokenError('ERR_JWT_CLAIM_INVALID', 'Token issuer is not accepted', { claim: 'iss' });

  // 2. Header policy (alg allow-list, crit, typ, cty).
  const header = checkHeader(rawHeader, entry.header);

  // 3-4. Keys for (issuer, kid) able to verify alg, then the signature with each in turn.
  const key = verifyWithKeys(
    pipeline.check,
    entry.keySource.getKeys(header),
    header.alg,
    parts.signingInput,
    signature,
  );
  const passage: Passage = {
    pipeline,
    token,
    context,
    entry,
    header,
    payload,
    scopes: undefined,
    key: undefined,
    cached: false,
    auth: undefined,
  };
  return andThen(key, afterSignature, passage);
}

function afterSignature(passage: Passage, key: VerificationKey): MaybePromise<Passage> {
  const { tokens, compiled } = passage.pipeline;
  if (!tokens) return accept(passage);
  passage.key = key;
  // Read before `validate` runs, from claims the application is not handed, so the entry keeps what the
  // token grants whatever the hook does to its own copy.
  passage.scopes = compiled.readScopes(passage.payload);
  return andThen(accept(passage), remember, tokens);
}

/** Cached only once every check passed: a token refused by its claims, `validate` or the denylist is not. */
function remember(tokens: TokenCache, passage: Passage): Passage {
  const { entry, header, payload, key, scopes } = passage;
  tokens.set(passage.token, {
    issuer: entry.issuer,
    header,
    payload,
    key: key as VerificationKey,
    scopes: scopes as readonly string[],
  });
  return passage;
}

/**
 * Steps 5-6, run for every token, cached or not. Synchronous unless `validate` or a denylist is configured:
 * each promise on the way to the caller's `await` costs microtask turns a cache hit can feel.
 */
function accept(passage: Passage): MaybePromise<Passage> {
  const { compiled, tokens } = passage.pipeline;
  const { entry } = passage;
  // 5. Claims, then the application's own checks. With the cache on, the application gets its own copies of
  // the claims objects, so mutating them cannot change what a later request for the same token sees.
  const payload = checkClaims(
    tokens ? { ...passage.payload } : (passage.payload as Record<string, unknown>),
    entry.claims,
    compiled.clock() / 1000,
  );
  const auth: AuthResult = {
    token: passage.token,
    header: { ...passage.header },
    payload,
    // Scope lists are shared and frozen (remembered per scope string, or kept by the token cache): each
    // result gets its own copy, by spread (`slice` of a frozen array takes a slow path).
    scopes: [...(passage.scopes ?? compiled.readScopes(payload))],
    issuer: entry.issuer,
  };
  passage.auth = auth;
  // 5b. A token bound to a key (RFC 9449) or a client certificate (RFC 8705) is accepted only with proof of it.
  if (needsSenderCheck(compiled.dpop, payload, passage.context)) {
    const bound = checkSenderConstraint(compiled, auth, passage.context);
    if (bound instanceof Promise) return bound.then(() => afterBinding(passage));
  }
  return afterBinding(passage);
}

function afterBinding(passage: Passage): MaybePromise<Passage> {
  const { compiled } = passage.pipeline;
  if (compiled.validate === undefined && compiled.denylist === undefined) return passage;
  return applyHooks(compiled, passage.context, passage.auth as AuthResult, passage);
}

/** The trusted issuer a token claims, for the rejection event (undefined when unreadable or untrusted). */
function trustedIssuerOf(compiled: CompiledOptions, token: string): string | undefined {
  try {
    const iss = parseJsonObject(
      decodeSegment(splitCompact(token, compiled.maxTokenLength).payload),
      'payload',
    ).iss;
    return typeof iss === 'string' && compiled.issuers.has(iss) ? iss : undefined;
  } catch {
    return undefined;
  }
}

const settled = Promise.resolve();

/**
 * A promise that rejects with `error` one microtask from now, by when the caller's `await` is attached. A
 * promise created already rejected has no handler yet, so V8 reports it to Node as possibly unhandled and
 * then withdraws the report, which makes refusing a token that fails before any await much dearer.
 */
function rejectLater<T>(error: JwtGuardError): Promise<T> {
  return settled.then(() => {
    throw error;
  });
}

/** Anything thrown on the path of a token becomes a client-safe JwtGuardError (never the original message). */
function toJwtGuardError(error: unknown): JwtGuardError {
  if (isJwtGuardError(error)) return error;
  return new InvalidTokenError('ERR_JWT_INVALID', 'Token is invalid', { cause: error });
}
