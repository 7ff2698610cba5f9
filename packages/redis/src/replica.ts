// The local copy of the denylist an instance keeps in replica mode: per issuer, revoked token ids with their
// expiry and subject cutoffs. Every update keeps the larger value, so applying the same revocation twice,
// or a snapshot and a message in either order, ends in the same state: that is what makes "subscribe, load
// the snapshot, replay what arrived meanwhile" lossless. Entries are dropped only when they expire.
import { ANY_ISSUER, isBeforeCutoff, revocationId, type AuthResult } from '@jwtguard/core';

export interface ReplicaUpdate {
  kind: 't' | 's';
  iss: string;
  /** Token id (`jti:…` / `sha256:…`) or subject. */
  member: string;
  /** Token entries: expiry in ms. Subject entries: cutoff in seconds. */
  score: number;
}

type ByIssuer = Map<string, Map<string, number>>;

const JTI = 'jti:';

export class Replica {
  // Maps per issuer keep the issuer string out of every entry's key: memory per entry is the id plus a number.
  // Revoked jtis are keyed by the bare jti, so a check looks up the token's own `jti` string: building
  // "jti:" + jti on every request would allocate a string and hash it, which costs more than the lookup.
  private readonly jtis: ByIssuer = new Map();
  /** Tokens without a jti, by `sha256:` id. */
  private readonly hashes: ByIssuer = new Map();
  private readonly subjects: ByIssuer = new Map();

  /** @param cutoffLifetimeMs how long a cutoff matters: the longest token lifetime plus clock tolerance. */
  constructor(private readonly cutoffLifetimeMs: number) {}

  apply(update: ReplicaUpdate): void {
    let byIssuer = this.subjects;
    let member = update.member;
    if (update.kind === 't') {
      byIssuer = member.startsWith(JTI) ? this.jtis : this.hashes;
      // A copy, not member.slice(4): a slice would keep the whole "jti:…" string alive behind it.
      if (byIssuer === this.jtis) member = Buffer.from(member, 'utf8').toString('utf8', JTI.length);
    }
    let entries = byIssuer.get(update.iss);
    if (!entries) byIssuer.set(update.iss, (entries = new Map()));
    const current = entries.get(member);
    if (current === undefined || current < update.score) entries.set(member, update.score);
  }

  /**
   * The replica's answer; `nowMs` decides expiry exactly as the Redis sets' scores do. A boolean, but for a
   * token without `jti` on a runtime that hashes asynchronously (its id is the hash of its signing input,
   * core's revocationId), where it is a Promise.
   */
  isRevoked(result: AuthResult, nowMs: number): boolean | Promise<boolean> {
    const { issuer, payload } = result;
    const jti = payload.jti;
    if (typeof jti === 'string' && jti !== '') {
      return revoked(this.jtis, issuer, jti, nowMs) || this.cutOff(result, nowMs);
    }
    if (this.cutOff(result, nowMs)) return true;
    const id = revocationId(result);
    return id instanceof Promise
      ? id.then((found) => revoked(this.hashes, issuer, found.id, nowMs))
      : revoked(this.hashes, issuer, id.id, nowMs);
  }

  /** Drops expired entries; reads already ignore them, this only returns their memory. */
  sweep(nowMs: number): void {
    for (const byIssuer of [this.jtis, this.hashes]) {
      for (const [iss, entries] of byIssuer) {
        for (const [id, expiry] of entries) if (expiry <= nowMs) entries.delete(id);
        if (entries.size === 0) byIssuer.delete(iss);
      }
    }
    for (const [iss, entries] of this.subjects) {
      for (const [sub, cutoff] of entries)
        if (cutoff * 1000 + this.cutoffLifetimeMs <= nowMs) entries.delete(sub);
      if (entries.size === 0) this.subjects.delete(iss);
    }
  }

  get size(): number {
    let size = 0;
    for (const byIssuer of [this.jtis, this.hashes, this.subjects]) {
      for (const entries of byIssuer.values()) size += entries.size;
    }
    return size;
  }

  private cutOff({ issuer, payload }: AuthResult, nowMs: number): boolean {
    const sub = payload.sub;
    if (typeof sub !== 'string') return false;
    const cutoff = this.subjects.get(issuer)?.get(sub);
    return (
      cutoff !== undefined &&
      cutoff * 1000 + this.cutoffLifetimeMs > nowMs &&
      isBeforeCutoff(payload.iat, cutoff)
    );
  }
}

/** Each entry on its own: an expired entry of the issuer must not hide a live one for every issuer. */
function revoked(byIssuer: ByIssuer, issuer: string, id: string, nowMs: number): boolean {
  const own = byIssuer.get(issuer)?.get(id);
  if (own !== undefined && own > nowMs) return true;
  const any = byIssuer.get(ANY_ISSUER)?.get(id);
  return any !== undefined && any > nowMs;
}
