// Every default of the verifier, and the ones the stores and the issuer must agree with, in one place. The
// other packages import them instead of repeating literals: an issuer's key retention and a denylist's entry
// lifetime are only correct while they match what the verifiers do.

/** The defaults of every option documented with one. Durations are seconds (numbers) or duration strings. */
export const defaults = Object.freeze({
  /** Leeway for `exp`, `nbf` and `iat`; also added to every denylist entry's lifetime and to key retention. */
  clockTolerance: 5,
  /** Largest accepted token, checked before any decoding. */
  maxTokenLength: 8192,
  /** Where `AuthResult.scopes` is read from: `scope` (space-delimited), then `scp`. */
  scopeClaim: Object.freeze(['scope', 'scp']) as readonly string[],
  requireExp: true,
  /** Fail closed: a revoked token must not pass because the store is down. */
  denylistFailure: 'closed' as 'closed' | 'open',
  denylistTimeout: '250ms',
  /** How long a subject cutoff is kept by a denylist: the longest lifetime of a token you issue. */
  maxTokenLifetime: '24h',
  /** `cache.jwks`: also what the issuer assumes verifiers cache its JWKS for (`jwksCacheLifetime`). */
  jwks: Object.freeze({
    cacheMaxAge: '10m',
    minCacheAge: '30s',
    maxCacheAge: '1d',
    cooldown: '5s',
    refetchBudgetPerMinute: 60,
    timeout: '5s',
    staleIfError: '1d',
    refreshAhead: 0.1,
    maxBytes: 512 * 1024,
    maxKeys: 100,
  }),
  /** `cache.tokens`, when it is turned on. */
  tokenCache: Object.freeze({ max: 10_000, ttl: '10m' }),
});
