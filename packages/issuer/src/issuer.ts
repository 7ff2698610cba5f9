// createIssuer: where the parts of the issuer meet. Options are resolved first (issuer-options.ts), then
// the signing keys (signing-keys.ts), grants (grants.ts), revocation (revocation.ts), the rotation schedule
// (rotation-schedule.ts) and the HTTP endpoints (handlers.ts), each given only what it needs.
import { guardListener } from '@jwtguard/core';
import { createMemoryKeyStore } from './key-store.js';
import { createGrants } from './grants.js';
import { createHandlers, type HandlerService } from './handlers.js';
import { resolveIssuerOptions } from './issuer-options.js';
import { createMemoryRefreshTokenStore } from './memory-refresh-store.js';
import { createRevocation } from './revocation.js';
import { createRevocationRecorder, revocationTargets } from './revocation-events.js';
import { createRevocationFeed } from './revocation-feed.js';
import { createMemoryRevocationLog } from './revocation-log.js';
import { createRevocationPush } from './revocation-push.js';
import { createRotationSchedule } from './rotation-schedule.js';
import { signCompact } from './signer.js';
import { createExternalKeyRing, createKeyRing, type KeyRing } from './signing-keys.js';
import type { Issuer, IssuerEvent, IssuerOptions, ResolvedIssuerOptions } from './types.js';

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Create an issuer.
 *
 * @example
 * const denylist = createMemoryDenylist();
 * const issuer = createIssuer({ issuer: 'https://auth.example.com', audience: 'https://api.example.com', denylist,
 *   rotation: { every: '30d' }, clients: [{ id: 'web' }] });
 * const tokens = await issuer.issueTokens({ sub: 'user-1', clientId: 'web', scope: 'read:items' });
 */
export function createIssuer(options: IssuerOptions): Issuer {
  const config = resolveIssuerOptions(options);
  const { clock } = config;
  // A throwing listener must not break issuing.
  const emit = guardListener<IssuerEvent>(options.onEvent);
  const syncLag = config.keySyncInterval ?? 0;
  const ring: KeyRing = options.signer
    ? createExternalKeyRing(options.signer, options.publishedKeys ?? [])
    : createKeyRing({
        store: options.keyStore ?? createMemoryKeyStore(),
        alg: config.algorithm,
        clock,
        // A verifier may have cached a JWKS from an instance that had not yet re-read the store.
        publishLead: config.jwksCacheLifetime + syncLag,
        // An instance that has not yet re-read the store may still sign with a retired key.
        retention: config.accessTokenLifetime + config.clockTolerance + syncLag,
        ...(config.keySyncInterval === undefined ? {} : { syncInterval: config.keySyncInterval }),
        onRotated: (info) => emit({ type: 'keys.rotated', ...info }),
        onRemoved: (kid) => emit({ type: 'keys.removed', kid }),
        onSyncFailed: (error) => emit({ type: 'keys.sync_failed', reason: reason(error) }),
      });
  const initialising = ring.init();
  // Every method awaits it and reports its failure; an unobserved rejection must not crash the process.
  initialising.catch(() => undefined);
  const ready = () => initialising;

  const currentSigner = async () => {
    await ring.sync();
    return ring.signer();
  };
  const refreshStore = options.refreshTokenStore ?? createMemoryRefreshTokenStore({ clock });
  const feedConfig = config.revocationFeed;
  const feedLog = feedConfig ? (feedConfig.log ?? createMemoryRevocationLog()) : undefined;
  const feed =
    feedConfig && feedLog
      ? createRevocationFeed({ config: feedConfig, log: feedLog, clock, emit })
      : undefined;
  // RFC 8935 push to the configured receivers, beside the SSE stream.
  const push =
    feedConfig && feedConfig.push.length > 0
      ? createRevocationPush({ receivers: feedConfig.push, clock, emit })
      : undefined;
  // Every revocation goes to the denylist and, with a feed, into its log as a signed SET.
  const recorder =
    feedConfig && feedLog
      ? createRevocationRecorder({
          iss: config.iss,
          audience: feedConfig.audience,
          clock,
          clockTolerance: config.clockTolerance,
          accessTokenLifetime: config.accessTokenLifetime,
          log: feedLog,
          currentSigner,
          onAppended: (entry) => {
            feed?.publish(entry);
            push?.enqueue(entry);
          },
        })
      : undefined;
  const revocationTarget = revocationTargets(options.denylist, recorder);
  const grants = createGrants({
    config,
    refreshStore,
    denylist: revocationTarget,
    currentSigner,
    emit,
  });
  const revocation = createRevocation({
    config,
    denylist: revocationTarget,
    refreshStore,
    publishedKeys: async () => {
      await ring.sync();
      return ring.publicKeys();
    },
  });
  const schedule = createRotationSchedule({
    ring,
    clock,
    ready,
    every: config.rotationEvery,
    checkInterval: config.rotationCheckInterval,
    onTickFailed: (error) => emit({ type: 'tick.failed', reason: reason(error) }),
  });

  const resolved: ResolvedIssuerOptions = {
    accessTokenLifetime: config.accessTokenLifetime,
    jwksCacheLifetime: config.jwksCacheLifetime,
    audience: config.audience,
    scopesSupported: options.scopesSupported,
    algorithm: options.signer?.alg ?? config.algorithm,
  };

  const service: HandlerService = {
    issuer: config.iss,
    jwksUri: config.jwksUri,
    tokenEndpoint: config.tokenEndpoint,
    revocationEndpoint: config.revocationEndpoint,
    revocationFeedEndpoint: feedConfig?.endpoint,
    clients: config.clients,
    options: resolved,
    async jwks() {
      await ready();
      await ring.sync();
      return { keys: ring.publicKeys() };
    },
    async issueTokens(input) {
      await ready();
      return grants.issueTokens(input);
    },
    async refresh(refreshToken, input) {
      await ready();
      return grants.refresh(refreshToken, input);
    },
    async revoke(token, input) {
      await ready();
      return revocation.revoke(token, input);
    },
  };
  const handlers = createHandlers(
    service,
    config.dpop,
    config.mtls,
    feed && feedConfig ? { feed, clients: feedConfig.clients } : undefined,
  );

  return {
    ...service,
    ready,
    async revokeSubject(sub) {
      await ready();
      return revocation.revokeSubject(sub);
    },
    async rotateKeys() {
      await ready();
      return ring.rotate();
    },
    async keyStatus() {
      await ready();
      await ring.sync();
      return ring.status();
    },
    tick: schedule.tick,
    async signToken(payload, header = {}) {
      await ready();
      await ring.sync();
      return signCompact(ring.signer(), { typ: header.typ ?? 'at+jwt' }, payload);
    },
    handlers,
    handle: handlers.handle,
    async close() {
      schedule.stop();
      feed?.close();
      await push?.close();
      // Stores passed in are the caller's to close (they may be shared); the defaults hold no resources.
      await initialising.catch(() => undefined);
    },
  };
}
