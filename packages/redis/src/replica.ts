// The local copy of the denylist an instance keeps in replica mode: per issuer, revoked token ids with their
// expiry and subject cutoffs. Every update keeps the larger value, so applying the same revocation twice,
// or a snapshot and a message in either order, ends in the same state: that is what makes "subscribe, load
// the snapshot, replay what arrived meanwhile" lossless. Entries are dropped only when they expire.
import { isBeforeCutoff } from '@jwtguard/core';
import { ANY_ISSUER } from './keys.js';

export interface ReplicaUpdate {
  kind: 't' | 's';
  iss: string;
  /** Token id (`jti:…` / `sha256:…`) or subject. */
  member: string;
  /** Token entries: expiry in ms. Subject entries: cutoff in seconds. */
  score: number;
}

export class Replica {
  // Maps per issuer keep the issuer string out of every entry's key: memory per entry is the id plus a number.
  private readonly tokens = new Map<string, Map<string, number>>();
  private readonly subjects = new Map<string, Map<string, number>>();

  /** @param subjectTtlMs how long a cutoff matters: the longest token lifetime plus clock tolerance. */
  constructor(private readonly subjectTtlMs: number) {}

  apply(update: ReplicaUpdate): void {
    const byIssuer = update.kind === 't' ? this.tokens : this.subjects;
    let entries = byIssuer.get(update.iss);
    if (!entries) byIssuer.set(update.iss, (entries = new Map()));
    const current = entries.get(update.member);
    if (current === undefined || current < update.score) entries.set(update.member, update.score);
  }

  /** The replica's answer; `nowMs` decides expiry exactly as the Redis sets' scores do. */
  isRevoked(iss: string, id: string, sub: unknown, iat: unknown, nowMs: number): boolean {
    const expiry = this.tokens.get(iss)?.get(id) ?? this.tokens.get(ANY_ISSUER)?.get(id);
    if (expiry !== undefined && expiry > nowMs) return true;
    if (typeof sub !== 'string') return false;
    const cutoff = this.subjects.get(iss)?.get(sub);
    return cutoff !== undefined && cutoff * 1000 + this.subjectTtlMs > nowMs && isBeforeCutoff(iat, cutoff);
  }

  /** Drops expired entries; reads already ignore them, this only returns their memory. */
  sweep(nowMs: number): void {
    for (const [iss, entries] of this.tokens) {
      for (const [id, expiry] of entries) if (expiry <= nowMs) entries.delete(id);
      if (entries.size === 0) this.tokens.delete(iss);
    }
    for (const [iss, entries] of this.subjects) {
      for (const [sub, cutoff] of entries)
        if (cutoff * 1000 + this.subjectTtlMs <= nowMs) entries.delete(sub);
      if (entries.size === 0) this.subjects.delete(iss);
    }
  }

  get size(): number {
    let size = 0;
    for (const entries of this.tokens.values()) size += entries.size;
    for (const entries of this.subjects.values()) size += entries.size;
    return size;
  }
}
