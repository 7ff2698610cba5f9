// The retained log of the revocation feed (docs/revocation-feed.md, "The log"): every revocation the issuer
// makes, as a signed Security Event Token (RFC 8417), in append order under an increasing id. An entry is kept
// only while a token it refuses can still be valid (`expiresAt`, decided by the issuer), so replaying the whole
// log is the current set of live revocations. Entries do not expire in append order (a subject cutoff outlives
// a later token event), so trimming removes any expired entry, not only the oldest.
import { assertKnownOptions } from '@jwtguard/core';
import { randomBytes } from 'node:crypto';

/** One retained SET. */
export interface RevocationLogEntry {
  /** Increasing within one log; opaque to receivers. */
  id: string;
  /** The SET, compact JWS. */
  set: string;
  /** When the entry stops mattering (ms since the epoch): it is trimmed once the clock reaches it. */
  expiresAt: number;
}

export interface RevocationLogStore {
  /** Append a SET kept until `expiresAt` (ms); answers its id, greater than every id appended before. */
  append(set: string, expiresAt: number): Promise<string>;
  /**
   * Up to `limit` retained entries in id order: from the oldest when `after` is undefined, otherwise those
   * appended after `after` (an id this log answered, retained or not).
   */
  read(after: string | undefined, limit: number): Promise<RevocationLogEntry[]>;
  /** Whether `id` is an entry this log still retains (false for a trimmed id or another log's). */
  has(id: string): Promise<boolean>;
  /** Drop every entry whose `expiresAt` is at or before `now` (ms); answers how many were dropped. */
  trim(now: number): Promise<number>;
  close?(): Promise<void>;
}

const MEMORY_LOG_OPTION_NAMES = { maxEntries: true } satisfies Record<keyof MemoryRevocationLogOptions, true>;

export interface MemoryRevocationLogOptions {
  /**
   * Refuse appends past this many retained entries (default 100 000): an unbounded log would grow with a
   * revocation storm. Refusing fails the revocation loudly; dropping an entry would silently un-revoke.
   */
  maxEntries?: number;
}

/**
 * The log in this process's memory: for one issuer instance (several instances need one shared store: your own
 * `RevocationLogStore`). Ids carry a random prefix of this log, so an id
 * from another log (an earlier process) is never mistaken for one of its own.
 */
export function createMemoryRevocationLog(options: MemoryRevocationLogOptions = {}): RevocationLogStore {
  assertKnownOptions('createMemoryRevocationLog()', options, Object.keys(MEMORY_LOG_OPTION_NAMES));
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('createMemoryRevocationLog(): maxEntries must be a positive integer');
  }
  const prefix = randomBytes(6).toString('base64url');
  let entries: { seq: number; entry: RevocationLogEntry }[] = [];
  let lastSeq = 0;
  // The earliest expiry held: trim scans only when the clock has reached it.
  let nextExpiry = Infinity;

  const seqOf = (id: string): number | undefined => {
    const dot = id.lastIndexOf('.');
    if (dot < 0 || id.slice(0, dot) !== prefix) return undefined;
    const seq = Number(id.slice(dot + 1));
    return Number.isSafeInteger(seq) && seq > 0 && seq <= lastSeq ? seq : undefined;
  };
  /** Index of the first entry with a sequence number above `seq` (entries are in sequence order). */
  const firstAfter = (seq: number): number => {
    let low = 0;
    let high = entries.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((entries[mid]?.seq ?? 0) <= seq) low = mid + 1;
      else high = mid;
    }
    return low;
  };

  return {
    async append(set, expiresAt) {
      if (entries.length >= maxEntries) {
        throw new Error(
          `the memory revocation log holds ${maxEntries} entries (maxEntries): revocation refused`,
        );
      }
      lastSeq += 1;
      const id = `${prefix}.${lastSeq}`;
      entries.push({ seq: lastSeq, entry: { id, set, expiresAt } });
      nextExpiry = Math.min(nextExpiry, expiresAt);
      return id;
    },
    async read(after, limit) {
      let start = 0;
      if (after !== undefined) {
        const seq = seqOf(after);
        if (seq === undefined) throw new TypeError(`read(): ${after} is not an id of this log`);
        start = firstAfter(seq);
      }
      return entries.slice(start, start + limit).map(({ entry }) => ({ ...entry }));
    },
    async has(id) {
      const seq = seqOf(id);
      if (seq === undefined) return false;
      return entries[firstAfter(seq - 1)]?.seq === seq;
    },
    async trim(now) {
      if (now < nextExpiry) return 0;
      const before = entries.length;
      entries = entries.filter(({ entry }) => entry.expiresAt > now);
      nextExpiry = entries.reduce((min, { entry }) => Math.min(min, entry.expiresAt), Infinity);
      return before - entries.length;
    },
  };
}
