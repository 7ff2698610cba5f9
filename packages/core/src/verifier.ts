// The verification pipeline (DESIGN.md "The path of one request"), in the order that keeps work and trust
// minimal: cheap syntax checks first, the issuer matched against the allow-list before any key lookup or
// network call, the signature before claims, and the denylist last so a forged token never reaches a store.
//
// Per-request cost: everything that can be done once is done in compileOptions (options, policies) or once
// per key (imports, memoised by the key sources and the signature seam); a request builds no regexes,
// parses each JSON object once, runs synchronously until something must be awaited (a key to fetch or
// convert, an async hook), and with `cache.tokens` skips the signature for a token string it has already
// verified (token-cache.ts).
import { checkClaims } from './claims/registered-claims.js';
import { decodeHeader, decodeSegment, splitCompact, splitSegments } from './jws/compact.js';
import { InvalidTokenError, UnavailableError, isJwtGuardError, type JwtGuardError } from './errors.js';
import { checkHeader } from './jws/header-policy.js';
import type { VerificationKey } from './keys/key-source.js';
import { compileOptions, type CompiledIssuer, type CompiledOptions } from './options.js';
import { parseJsonObject } from './jws/strict-json.js';
import { verifySignature, type SignatureCheck } from './runtime/crypto-runtime.js';
import { createTokenCache, type CachedToken, type TokenCache } from './token-cache.js';
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
 * A `createVerifier` bound to one side of the signature seam. Not exported from the package: it exists so
 * the tests can hold the node:crypto and Web Crypto paths to the same security suite in one process.
 */
export function createVerifierUsing(check: SignatureCheck) {
  return <P extends JwtPayload = JwtPayload>(options: VerifierOptions): Verifier<P> =>
    buildVerifier<P>(options, check);
}

interface Pipeline {
  compiled: CompiledOptions;
  check: SignatureCheck;
  tokens: TokenCache | undefined;
}

function buildVerifier<P extends JwtPayload>(options: VerifierOptions, check: SignatureCheck): Verifier<P> {
  const compiled = compileOptions(options);
  const pipeline: Pipeline = {
    compiled,
    check,
    tokens: createTokenCache(options.cache?.tokens, compiled.clock),
  };
  const listening = options.onEvent !== undefined;
  const accepted = (result: Verified): AuthResult<P> => {
    if (listening) {
      compiled.emit({
        type: 'token.accepted',
        issuer: result.issuer,
        kid: result.header.kid,
        cached: result.cached,
      });
    }
    return result.auth as AuthResult<P>;
  };
  const refused = (error: unknown, token: string): JwtGuardError => {
    const safe = toJwtGuardError(error);
    if (listening) {
      // Only rejections pay for naming the issuer again, so the accepted path carries no bookkeeping.
      const issuer = trustedIssuerOf(compiled, token);
      compiled.emit({ type: 'token.rejected', code: safe.code, ...(issuer !== undefined ? { issuer } : {}) });
    }
    return safe;
  };
  // The result itself when the pipeline finished synchronously (static keys or a fresh JWKS, a key already
  // converted, no async hook), else a promise; a refusal before any await is thrown.
  const verifyNow: VerifyNow<P> = (token, context = NO_CONTEXT) => {
    let outcome: Verified | Promise<Verified>;
    try {
      outcome = verifyToken(pipeline, token, context);
    } catch (error) {
      throw refused(error, token);
    }
    if (outcome instanceof Promise) {
      return outcome.then(accepted, (error: unknown) => {
        throw refused(error, token);
      });
    }
    return accepted(outcome);
  };
  const verifier: Verifier<P> = {
    // Not an async function: the caller awaits exactly one promise, whatever the pipeline awaited.
    verify(token: string, context?: RequestContext): Promise<AuthResult<P>> {
      let result: AuthResult<P> | Promise<AuthResult<P>>;
      try {
        result = verifyNow(token, context);
      } catch (error) {
        return rejectLater(error as JwtGuardError);
      }
      return result instanceof Promise ? result : Promise.resolve(result);
    },
    async warmUp() {
      await Promise.all(
        [...new Set([...compiled.issuers.values()].map((entry) => entry.keySource))].map((source) =>
          source.warmUp(),
        ),
      );
    },
  };
  immediate.set(verifier, verifyNow as VerifyNow);
  return verifier;
}

/**
 * `verify` without the promise when the answer is at hand: the AuthResult, a promise when something had to
 * be awaited, or a thrown JwtGuardError for a refusal made before any await. Framework middleware then
 * continues synchronously (Express, Koa, Hono), which a server feels: an asynchronous `next()` cost Node's
 * HTTP stack ~5 µs a request more than the verification it waited for.
 */
export type VerifyNow<P extends JwtPayload = JwtPayload> = (
  token: string,
  context?: RequestContext,
) => AuthResult<P> | Promise<AuthResult<P>>;

const immediate = new WeakMap<object, VerifyNow>();

/**
 * The VerifyNow of a verifier made by createVerifier; for any other Verifier, its `verify` as a native
 * promise (callers tell "at hand" from "later" by `instanceof Promise`: a foreign thenable taken for an
 * answer would let a request through before it settled).
 */
export function verifyNowOf<P extends JwtPayload>(verifier: Verifier<P>): VerifyNow<P> {
  return (
    (immediate.get(verifier) as VerifyNow<P> | undefined) ??
    ((token, context) => Promise.resolve(verifier.verify(token, context)))
  );
}

interface Verified {
  auth: AuthResult;
  issuer: string;
  header: JwtHeader;
  cached: boolean;
}

/** The whole pipeline for one token: synchronous unless a key, a key conversion or a hook must be awaited. */
function verifyToken(
  pipeline: Pipeline,
  token: string,
  context: RequestContext,
): Verified | Promise<Verified> {
  const { compiled, tokens } = pipeline;

  // A token string verified before, whose key is still offered for it: skip parsing and the signature only.
  const hit = tokens?.get(token);
  if (hit !== undefined) {
    const entry = compiled.issuers.get(hit.issuer);
    if (entry !== undefined) {
      const found = entry.keySource.getKeys(hit.header);
      if (found instanceof Promise)
        return found.then((keys) => fromHit(pipeline, token, context, entry, hit, keys));
      return fromHit(pipeline, token, context, entry, hit, found);
    }
    tokens?.delete(token);
  }
  return verifyFresh(pipeline, token, context);
}

function fromHit(
  pipeline: Pipeline,
  token: string,
  context: RequestContext,
  entry: CompiledIssuer,
  hit: CachedToken,
  keys: readonly VerificationKey[],
): Verified | Promise<Verified> {
  if (keys.includes(hit.key)) {
    return accept(pipeline, token, context, entry, hit.header, hit.payload, hit.scopes, true);
  }
  // The key left the key set (rotation, revocation of a key): verify from scratch, which will refuse.
  pipeline.tokens?.delete(token);
  return verifyFresh(pipeline, token, context);
}

function verifyFresh(
  pipeline: Pipeline,
  token: string,
  context: RequestContext,
): Verified | Promise<Verified> {
  const { compiled } = pipeline;
  // 1. Size and compact syntax, then the two JSON objects; decoding refuses any non-base64url segment.
  const parts = splitSegments(token, compiled.maxTokenLength);
  const rawHeader = decodeHeader(parts.header);
  const rawPayload = parseJsonObject(decodeSegment(parts.payload), 'payload');
  const signature = decodeSegment(parts.signature);

  // The unverified `iss` only routes to a trusted issuer's keys; an unknown one stops here, before any fetch.
  const iss = rawPayload.iss;
  const entry: CompiledIssuer | undefined = typeof iss === 'string' ? compiled.issuers.get(iss) : undefined;
  if (!entry)
    throw new InvalidTokenError('ERR_JWT_CLAIM_INVALID', 'Token issuer is not accepted', { claim: 'iss' });

  // 2. Header policy (alg allow-list, crit, typ, cty).
  const header = checkHeader(rawHeader, entry.header);

  // 3-4. Keys for (issuer, kid) able to verify alg; try each (a duplicate kid must not refuse a good token).
  // All three segments were decoded strictly above, so the signing input is known to be ASCII.
  const key = checkSignature(pipeline.check, entry, header, parts.signingInput, signature);
  if (key instanceof Promise) {
    return key.then((found) => afterSignature(pipeline, token, context, entry, header, rawPayload, found));
  }
  return afterSignature(pipeline, token, context, entry, header, rawPayload, key);
}

function afterSignature(
  pipeline: Pipeline,
  token: string,
  context: RequestContext,
  entry: CompiledIssuer,
  header: JwtHeader,
  rawPayload: Record<string, unknown>,
  key: VerificationKey,
): Verified | Promise<Verified> {
  const { tokens } = pipeline;
  if (!tokens) return accept(pipeline, token, context, entry, header, rawPayload, undefined, false);
  // Read before `validate` runs, from claims the application is not handed, so the entry keeps what the
  // token grants whatever the hook does to its own copy.
  const scopes = pipeline.compiled.readScopes(rawPayload);
  const verified = accept(pipeline, token, context, entry, header, rawPayload, scopes, false);
  // Cached only once every check passed: a token refused by its claims, `validate` or the denylist is not.
  const remember = (done: Verified): Verified => {
    tokens.set(token, { issuer: entry.issuer, header, payload: rawPayload, key, scopes });
    return done;
  };
  return verified instanceof Promise ? verified.then(remember) : remember(verified);
}

/**
 * Steps 5-6, run for every token, cached or not. Synchronous unless `validate` or a denylist is configured:
 * each promise on the way to the caller's `await` costs microtask turns a cache hit can feel.
 */
function accept(
  { compiled, tokens }: Pipeline,
  token: string,
  context: RequestContext,
  entry: CompiledIssuer,
  header: JwtHeader,
  rawPayload: Readonly<Record<string, unknown>>,
  scopes: readonly string[] | undefined,
  cached: boolean,
): Verified | Promise<Verified> {
  // 5. Claims, then the application's own checks. With the cache on, the application gets its own copies of
  // the claims objects, so mutating them cannot change what a later request for the same token sees.
  const payload = checkClaims(
    tokens ? { ...rawPayload } : (rawPayload as Record<string, unknown>),
    entry.claims,
    compiled.clock() / 1000,
  );
  const result: AuthResult = {
    token,
    // The decoded header is shared by every token that carries it: each result gets a copy.
    header: { ...header },
    payload,
    // Scope lists are shared and frozen (remembered per scope string, or kept by the token cache): each
    // result gets its own copy (a spread: `slice` of a frozen array takes a slow path, ~390 ns against
    // ~11 ns for six scopes on Node 20).
    scopes: [...(scopes ?? compiled.readScopes(payload))],
    issuer: entry.issuer,
  };
  const verified: Verified = { auth: result, issuer: entry.issuer, header, cached };
  if (compiled.validate === undefined && compiled.denylist === undefined) return verified;
  return applyHooks(compiled, context, verified);
}

/** The application's `validate`, then the denylist (step 6). */
async function applyHooks(
  compiled: CompiledOptions,
  context: RequestContext,
  verified: Verified,
): Promise<Verified> {
  const result = verified.auth;
  if (compiled.validate) {
    try {
      await compiled.validate(result, context);
    } catch (error) {
      if (isJwtGuardError(error)) throw error;
      // The hook's own message may carry internals; the client gets a fixed description.
      throw new InvalidTokenError('ERR_JWT_VALIDATION_FAILED', 'Token failed validation', { cause: error });
    }
  }

  // 6. Denylist, last: only verified, otherwise valid tokens cost a store lookup.
  if (compiled.denylist && (await isDenied(compiled, result))) {
    throw new InvalidTokenError('ERR_JWT_REVOKED', 'Token has been revoked');
  }
  return verified;
}

/** The key that verified the signature; throws (or rejects) when none does. */
function checkSignature(
  check: SignatureCheck,
  entry: CompiledIssuer,
  header: JwtHeader,
  signingInput: string,
  signature: Uint8Array,
): VerificationKey | Promise<VerificationKey> {
  const found = entry.keySource.getKeys(header);
  if (found instanceof Promise) {
    return found.then((keys) => firstValid(check, keys, 0, 0, header.alg, signingInput, signature));
  }
  return firstValid(check, found, 0, 0, header.alg, signingInput, signature);
}

/**
 * The first of `keys` (from `index` on, `candidates` of them already tried) whose check passes. A key's
 * first check for an algorithm may be a promise (its conversion); the rest of the list then waits for it.
 */
function firstValid(
  check: SignatureCheck,
  keys: readonly VerificationKey[],
  index: number,
  candidates: number,
  alg: string,
  signingInput: string,
  signature: Uint8Array,
): VerificationKey | Promise<VerificationKey> {
  // Indexed: static key lists are frozen, and a for-of over a frozen array is several times slower.
  for (; index < keys.length; index++) {
    const key = keys[index] as VerificationKey;
    if (!key.supports(alg)) continue;
    candidates++;
    // A key that fails to import (e.g. a JWKS entry with a point off its curve) is one candidate that
    // cannot verify, not a reason to refuse a token another candidate signed.
    let answer: boolean | Promise<boolean>;
    try {
      answer = check(key, alg, signingInput, signature);
    } catch {
      answer = false;
    }
    if (answer === true) return key;
    if (answer !== false) {
      const next = index + 1;
      const tried = candidates;
      return answer.then(
        (valid) => (valid ? key : firstValid(check, keys, next, tried, alg, signingInput, signature)),
        () => firstValid(check, keys, next, tried, alg, signingInput, signature),
      );
    }
  }
  if (candidates === 0) {
    throw new InvalidTokenError('ERR_JWKS_NO_MATCHING_KEY', 'No key matches the token');
  }
  throw new InvalidTokenError('ERR_JWS_SIGNATURE_INVALID', 'Token signature is invalid');
}

async function isDenied(compiled: CompiledOptions, result: AuthResult): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const answer = compiled.denylist?.(result);
    // A store that answers synchronously (a local replica) costs no timer and no race.
    if (typeof answer === 'boolean') return answer;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${compiled.denylistTimeoutMs} ms`)),
        compiled.denylistTimeoutMs,
      );
    });
    return (await Promise.race([answer, timeout])) === true;
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'denylist failed';
    compiled.emit({ type: 'denylist.unavailable', reason });
    // Fail closed by default: a revoked token must not pass because the store is down.
    if (compiled.denylistFailure === 'open') return false;
    throw new UnavailableError('ERR_DENYLIST_UNAVAILABLE', 'Token revocation status is unavailable', 5, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
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
 * then withdraws the report: a third of the cost of refusing a token that fails before any await.
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
