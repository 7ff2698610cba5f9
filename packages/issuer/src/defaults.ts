// Every default of the issuer's options, in one place. The two that describe the verifiers (their clock
// tolerance and how long they cache a JWKS) come from core's defaults: key retention and the publish lead
// are only long enough while they match what the verifiers actually do.
import { defaults } from '@jwtguard/core';
import type { SigningAlgorithm } from './key-store.js';
import type { Duration } from './types.js';

export const issuerDefaults = Object.freeze({
  algorithm: 'ES256' as SigningAlgorithm,
  accessTokenLifetime: '15m' as Duration,
  refreshTokenIdleLifetime: '14d' as Duration,
  refreshTokenAbsoluteLifetime: '90d' as Duration,
  /** Every reuse of a spent refresh token is treated as theft (RFC 9700 §4.14.2). */
  reuseGracePeriod: 0 as Duration,
  clockTolerance: defaults.clockTolerance as Duration,
  jwksCacheLifetime: defaults.jwks.cacheMaxAge as Duration,
  /** With a `keyStore` given; the built-in memory store is never re-read (no other instance writes to it). */
  keySyncInterval: '1m' as Duration,
  rotationCheckInterval: '1m' as Duration,
  revocationFeed: Object.freeze({
    path: '/revocations',
    heartbeatInterval: '2s' as Duration,
    maxBufferBytes: 1024 * 1024,
  }),
  paths: Object.freeze({ jwks: '/jwks.json', token: '/token', revocation: '/revoke' }),
});
