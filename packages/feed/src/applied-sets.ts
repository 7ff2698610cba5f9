// The SETs already applied, by issuer and `jti`, so a replayed SET is ignored and reported (the contract in
// docs/revocation-feed.md; RFC 8417 §4.1 leaves replay detection to the recipient). Memory is bounded: an id
// is kept while the revocation it carried can still refuse a token, and past `max` the oldest is forgotten.
// Forgetting is safe: re-applying a revocation changes nothing (revocations never weaken), it only goes
// unreported.

export class AppliedSets {
  private readonly seen = new Map<string, number>();

  constructor(private readonly max: number) {}

  has(iss: string, jti: string, nowMs: number): boolean {
    const key = `${iss}\n${jti}`;
    const until = this.seen.get(key);
    if (until === undefined) return false;
    if (until > nowMs) return true;
    this.seen.delete(key);
    return false;
  }

  /** Remember `jti` until `untilMs` (when its revocation stops mattering). */
  add(iss: string, jti: string, untilMs: number, nowMs: number): void {
    if (this.seen.size >= this.max) {
      for (const [key, until] of this.seen) if (until <= nowMs) this.seen.delete(key);
      // Still full: the oldest goes (Map keeps insertion order).
      const oldest = this.seen.keys().next();
      if (this.seen.size >= this.max && oldest.done !== true) this.seen.delete(oldest.value);
    }
    this.seen.set(`${iss}\n${jti}`, untilMs);
  }

  clear(): void {
    this.seen.clear();
  }
}
