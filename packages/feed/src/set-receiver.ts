// RFC 8935 push delivery: a Web-standard handler, `(Request) => Promise<Response>`, that a transmitter POSTs
// SETs to. Each SET is verified with the same rules as the feed's (set-verifier.ts, set-events.ts) and
// applied to any store with `revoke` and `revokeSubject` (core's memory denylist, @jwtguard/redis's).
// Answers (§2.2, §2.3): 202 once applied; 400 with `{ "err", "description" }` and an error code of §2.4 when
// the SET is refused; 503 with Retry-After when the keys or the store cannot be reached, so the transmitter
// delivers the SET again rather than it being lost.
import {
  guardListener,
  assertKnownOptions,
  ConfigurationError,
  isJwtGuardError,
  revocationRule,
} from '@jwtguard/core';
import { AppliedSets } from './applied-sets.js';
import { SetRejection, type Revocation, type SetRejectionReason } from './set-events.js';
import { createSetVerifier, type SetVerifierOptions, type VerifiedSet } from './set-verifier.js';

/** A store a receiver can apply revocations to: core's memory denylist and the Redis denylist are ones. */
export interface RevocationTarget {
  revoke(entry: { iss?: string; jti: string; exp: number }): void | Promise<void>;
  revokeSubject(entry: { iss: string; sub: string; before?: number }): void | Promise<void>;
}

/** RFC 8935 §2.4 error codes. */
export type SetErrorCode =
  | 'invalid_request'
  | 'invalid_key'
  | 'invalid_issuer'
  | 'invalid_audience'
  | 'authentication_failed'
  | 'access_denied';

export type SetReceiverEvent =
  | { type: 'set.applied'; iss: string; jti: string; kind: Revocation['kind'] }
  | { type: 'set.replayed'; iss: string; jti: string }
  | { type: 'set.rejected'; err: SetErrorCode; reason: SetRejectionReason; description: string }
  | { type: 'set.unavailable'; reason: string };

export interface SetReceiverOptions extends SetVerifierOptions {
  /** Where revocations go. */
  denylist: RevocationTarget;
  /** How long a subject cutoff matters (default '24h'): how long its SET's id is remembered. */
  maxTokenLifetime?: number | string;
  /** Most SET ids remembered for replay detection, each past its token's exp + clockTolerance (default 100 000). */
  maxReplayEntries?: number;
  /** Largest request body accepted, in bytes (default 64 KiB). */
  maxBodyBytes?: number;
  /** Called for each SET; a listener that throws changes nothing. */
  onEvent?: (event: SetReceiverEvent) => void;
}

const OPTION_NAMES = {
  issuer: true,
  audience: true,
  jwksUri: true,
  keys: true,
  algorithms: true,
  denylist: true,
  clockTolerance: true,
  maxTokenLifetime: true,
  maxReplayEntries: true,
  maxBodyBytes: true,
  fetch: true,
  clock: true,
  onEvent: true,
} satisfies Record<keyof SetReceiverOptions, true>;

const ERROR_CODE: Record<SetRejectionReason, SetErrorCode> = {
  malformed: 'invalid_request',
  typ: 'invalid_request',
  event: 'invalid_request',
  unsigned: 'authentication_failed',
  signature: 'authentication_failed',
  key: 'invalid_key',
  issuer: 'invalid_issuer',
  audience: 'invalid_audience',
  'foreign-subject': 'access_denied',
  // A replay is answered 202 (below); listed for completeness.
  replayed: 'invalid_request',
};

/** RFC 8935 §2.1: a SET is sent as `application/secevent+jwt`. */
const SET_MEDIA_TYPE = /^application\/secevent\+jwt\s*(;|$)/i;

/**
 * An RFC 8935 push endpoint.
 *
 * @example
 * const receiver = createSetReceiver({ issuer, audience, denylist });
 * app.post('/events', async (c) => receiver(c.req.raw)); // Hono; any Fetch-style server the same way
 */
export function createSetReceiver(options: SetReceiverOptions): (request: Request) => Promise<Response> {
  if (options === null || typeof options !== 'object') {
    throw new ConfigurationError('createSetReceiver() needs an options object');
  }
  assertKnownOptions('createSetReceiver()', options, Object.keys(OPTION_NAMES));
  const denylist = options.denylist;
  if (
    denylist === null ||
    typeof denylist !== 'object' ||
    typeof denylist.revoke !== 'function' ||
    typeof denylist.revokeSubject !== 'function'
  ) {
    throw new ConfigurationError('createSetReceiver(): denylist must have revoke and revokeSubject');
  }
  const clock = options.clock ?? Date.now;
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024;
  const rule = revocationRule(options);
  const applied = new AppliedSets(options.maxReplayEntries ?? 100_000);
  // Observing never changes the answer.
  const emit = guardListener<SetReceiverEvent>(options.onEvent);
  // It reads only its own members (SetReceiverOptions extends its options).
  const verify = createSetVerifier(options);

  function refuse(rejection: SetRejection): Response {
    const err = ERROR_CODE[rejection.reason];
    emit({ type: 'set.rejected', err, reason: rejection.reason, description: rejection.message });
    return Response.json({ err, description: rejection.message }, { status: 400 });
  }

  function unavailable(reason: string): Response {
    emit({ type: 'set.unavailable', reason });
    return new Response(null, { status: 503, headers: { 'Retry-After': '5' } });
  }

  async function apply({ revocation }: VerifiedSet): Promise<void> {
    if (revocation.kind === 'token') {
      await denylist.revoke({ iss: revocation.iss, jti: revocation.jti, exp: revocation.exp });
    } else {
      await denylist.revokeSubject({ iss: revocation.iss, sub: revocation.sub, before: revocation.before });
    }
  }

  return async (request) => {
    if (request.method !== 'POST') {
      return new Response(null, { status: 405, headers: { Allow: 'POST' } });
    }
    if (!SET_MEDIA_TYPE.test(request.headers.get('content-type') ?? '')) {
      return refuse(new SetRejection('malformed', 'the body must be application/secevent+jwt'));
    }
    const body = await readBody(request, maxBodyBytes);
    if (body === undefined) return refuse(new SetRejection('malformed', 'the body is too large'));

    let verified: VerifiedSet;
    try {
      verified = await verify(body.trim());
    } catch (error) {
      if (error instanceof SetRejection) return refuse(error);
      return unavailable(isJwtGuardError(error) ? error.description : 'the SET could not be verified');
    }
    const now = clock();
    if (applied.has(verified.iss, verified.jti, now)) {
      // Already applied: a transmitter that lost our 202 delivers again; the answer stays the same.
      emit({ type: 'set.replayed', iss: verified.iss, jti: verified.jti });
      return new Response(null, { status: 202 });
    }
    try {
      await apply(verified);
    } catch (error) {
      // The store is down: not acknowledged, so the transmitter keeps the SET and retries.
      return unavailable(error instanceof Error ? error.message : 'the denylist failed');
    }
    const until =
      verified.revocation.kind === 'token'
        ? rule.jti(verified.revocation).expiresAtMs
        : rule.cutoffExpiresAt(verified.revocation.before);
    applied.add(verified.iss, verified.jti, until, now);
    emit({ type: 'set.applied', iss: verified.iss, jti: verified.jti, kind: verified.revocation.kind });
    return new Response(null, { status: 202 });
  };
}

/** The body as text, or undefined past `max` bytes (read in chunks: a lying Content-Length changes nothing). */
async function readBody(request: Request, max: number): Promise<string | undefined> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) return undefined;
  if (request.body === null) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
