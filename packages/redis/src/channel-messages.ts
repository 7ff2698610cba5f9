// What travels on the revocations channel: each write publishes the entry it stored, so every replica
// applies it without reading Redis; every instance publishes heartbeats, so a replica can tell a quiet
// channel from a dead subscription. Anything else on the channel is ignored: a message is data from the
// network, never trusted to have the right shape.
import type { ReplicaUpdate } from './replica.js';

export const HEARTBEAT = '{"k":"h"}';

export function encodeUpdate(update: ReplicaUpdate): string {
  return JSON.stringify({ k: update.kind, i: update.iss, m: update.member, x: update.score });
}

/** The update a message carries; undefined for a heartbeat or anything malformed. */
export function decodeUpdate(message: string): ReplicaUpdate | undefined {
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  const { k, i, m, x } = value as Record<string, unknown>;
  if ((k !== 't' && k !== 's') || typeof i !== 'string' || typeof m !== 'string' || typeof x !== 'number') {
    return undefined;
  }
  return { kind: k, iss: i, member: m, score: x };
}
