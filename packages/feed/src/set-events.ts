// What a Security Event Token says, read from its verified claims (docs/revocation-feed.md): exactly one
// member of `events` (RFC 8417 §2.2), either a CAEP session-revoked event about an RFC 9493 `iss_sub`
// subject (a subject cutoff) or jwtguard's token-revoked event. A transmitter speaks for its own tokens
// only: an event about another issuer's subject or token is refused, or any trusted transmitter could log
// out the users of every other one.

export const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
export const TOKEN_REVOKED = 'urn:jwtguard:secevent:token-revoked';

/** A revocation carried by one SET, in the terms of core's denylist calls. */
export type Revocation =
  | { kind: 'token'; iss: string; jti: string; exp: number }
  | { kind: 'subject'; iss: string; sub: string; before: number };

/** Why a SET is refused; `describe` names the RFC 8935 §2.4 error code each maps to. */
export type SetRejectionReason =
  | 'malformed'
  | 'unsigned'
  | 'signature'
  | 'key'
  | 'issuer'
  | 'audience'
  | 'typ'
  | 'event'
  | 'foreign-subject'
  | 'replayed';

export class SetRejection extends Error {
  readonly reason: SetRejectionReason;
  constructor(reason: SetRejectionReason, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SetRejection';
    this.reason = reason;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value !== '';
}

/** The revocation a verified SET carries, or a SetRejection. `payload.iss` has been verified. */
export function readRevocation(payload: Record<string, unknown>): Revocation {
  const setIssuer = payload.iss as string;
  if (!nonEmpty(payload.jti)) throw new SetRejection('malformed', 'the SET has no jti (RFC 8417 §2.2)');
  const events = payload.events;
  if (!isObject(events)) throw new SetRejection('malformed', 'the SET has no events object (RFC 8417 §2.2)');
  const types = Object.keys(events);
  if (types.length !== 1) {
    throw new SetRejection('event', `the SET must carry exactly one event; it carries ${types.length}`);
  }
  const type = types[0] as string;
  const event = events[type];
  if (!isObject(event)) throw new SetRejection('event', 'the event is not a JSON object');

  if (type === TOKEN_REVOKED) {
    const { iss, jti, exp } = event;
    if (!nonEmpty(iss) || !nonEmpty(jti) || !isNumericDate(exp)) {
      throw new SetRejection('event', 'token-revoked needs iss, jti and a numeric exp');
    }
    if (iss !== setIssuer) {
      throw new SetRejection('foreign-subject', 'token-revoked names a token of another issuer');
    }
    return { kind: 'token', iss, jti, exp };
  }

  if (type === SESSION_REVOKED) {
    // CAEP puts the subject in the event; the Shared Signals framework moved it to the SET's `sub_id`
    // (RFC 9493 §3). Either is read; iss_sub is the only format a token's own claims can be matched with.
    const subject = event.subject ?? payload.sub_id;
    if (!isObject(subject) || subject.format !== 'iss_sub') {
      throw new SetRejection('event', 'session-revoked needs an iss_sub subject (RFC 9493 §3.2.5)');
    }
    const { iss, sub } = subject;
    if (!nonEmpty(iss) || !nonEmpty(sub)) {
      throw new SetRejection('event', 'the iss_sub subject needs iss and sub');
    }
    if (iss !== setIssuer) {
      throw new SetRejection('foreign-subject', 'session-revoked names a subject of another issuer');
    }
    // CAEP: event_timestamp is when the session was revoked: every token issued before it is refused.
    if (!isNumericDate(event.event_timestamp)) {
      throw new SetRejection('event', 'session-revoked needs a numeric event_timestamp');
    }
    return { kind: 'subject', iss, sub, before: event.event_timestamp };
  }

  throw new SetRejection('event', `unsupported event type ${JSON.stringify(type.slice(0, 200))}`);
}
