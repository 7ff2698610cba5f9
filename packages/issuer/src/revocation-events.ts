// Revocations as Security Event Tokens (RFC 8417), appended to the feed's retained log (docs/revocation-feed.md).
// The recorder has the shape of a denylist (RevocationTarget), so every path that revokes (RFC 7009, logout
// everywhere, reuse detection) reaches the log exactly where it reaches the denylist, with the same values.
// How long an entry is kept is core's revocation rule, the one every denylist store follows: a token event
// until its `exp` plus the clock tolerance, a subject cutoff until the cutoff plus the longest access-token
// lifetime plus the clock tolerance.
import { revocationRule } from '@jwtguard/core';
import { newJti } from './access-token.js';
import type { RevocationLogEntry, RevocationLogStore } from './revocation-log.js';
import { signCompact, type ExternalSigner } from './signer.js';
import type { RevocationTarget } from './types.js';

/** CAEP session-revoked: the subject's tokens issued before `event_timestamp` are refused. */
export const SESSION_REVOKED_EVENT = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
/** One access token revoked, by its `jti`. */
export const TOKEN_REVOKED_EVENT = 'urn:jwtguard:secevent:token-revoked';

export interface RevocationRecorderDependencies {
  iss: string;
  /** The `aud` of every SET: the APIs that must honour it. */
  audience: readonly string[];
  clock: () => number;
  /** Milliseconds. */
  clockTolerance: number;
  /** Milliseconds: the longest an access token of this issuer lives. */
  accessTokenLifetime: number;
  log: RevocationLogStore;
  /** The signer of the current key (after any re-read of the key store that is due). */
  currentSigner(): Promise<ExternalSigner>;
  /** Called with each entry once the log holds it, in id order. */
  onAppended(entry: RevocationLogEntry): void;
}

export type RevocationRecorder = RevocationTarget;

export function createRevocationRecorder(deps: RevocationRecorderDependencies): RevocationRecorder {
  const { iss, clock, log } = deps;
  const rule = revocationRule({
    clockTolerance: `${deps.clockTolerance}ms`,
    maxTokenLifetime: `${deps.accessTokenLifetime}ms`,
    clock,
  });
  const aud = deps.audience.length === 1 ? deps.audience[0] : [...deps.audience];
  // Appends run one at a time, so subscribers are told about entries in the order of their ids.
  let queue: Promise<unknown> = Promise.resolve();

  function record(event: Record<string, unknown>, expiresAt: number): Promise<void> {
    const run = async () => {
      const now = clock();
      await log.trim(now);
      // RFC 8417 §2.2: no `exp`; `jti` unique per SET, so a receiver applies each once.
      const claims = { iss, aud, iat: Math.floor(now / 1000), jti: newJti(), events: event };
      // RFC 8417 §2.3: explicit typing, so a SET cannot be replayed as an access token or the reverse.
      const set = await signCompact(await deps.currentSigner(), { typ: 'secevent+jwt' }, claims);
      const id = await log.append(set, expiresAt);
      deps.onAppended({ id, set, expiresAt });
    };
    const done = queue.then(run);
    queue = done.catch(() => undefined);
    return done;
  }

  return {
    async revoke(entry) {
      const { expiresAtMs } = rule.jti(entry);
      if (expiresAtMs <= clock()) return; // the token can no longer be accepted anyway
      await record(
        { [TOKEN_REVOKED_EVENT]: { iss: entry.iss ?? iss, jti: entry.jti, exp: entry.exp } },
        expiresAtMs,
      );
    },
    async revokeSubject(entry) {
      const { sub, cutoff, expiresAtMs } = rule.subject(entry);
      await record(
        {
          // RFC 9493 §3.2.5: the subject as the issuer/subject pair of its tokens.
          [SESSION_REVOKED_EVENT]: {
            subject: { format: 'iss_sub', iss: entry.iss, sub },
            event_timestamp: cutoff,
          },
        },
        expiresAtMs,
      );
    },
  };
}

/** One target revoking into each of `targets` in turn (the denylist first, then the log); undefined for none. */
export function revocationTargets(
  ...targets: (RevocationTarget | undefined)[]
): RevocationTarget | undefined {
  const present = targets.filter((target): target is RevocationTarget => target !== undefined);
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  return {
    async revoke(entry) {
      for (const target of present) await target.revoke(entry);
    },
    async revokeSubject(entry) {
      for (const target of present) await target.revokeSubject(entry);
    },
  };
}
