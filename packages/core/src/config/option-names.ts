// Option names are checked at construction: `{ denyList: store }` or `{ optinal: true }` would otherwise be
// dropped without a word, and a one-letter typo would silently turn off revocation or a required check.
import { ConfigurationError } from '../errors.js';

/**
 * Throws a ConfigurationError naming the first member of `options` that is not in `known`, with the closest
 * known name when there is one ("did you mean"). `where` names the call, e.g. `createVerifier()`.
 */
export function assertKnownOptions(where: string, options: object, known: Iterable<string>): void {
  const names = known instanceof Set ? (known as Set<string>) : new Set(known);
  for (const name of Object.keys(options)) {
    if (names.has(name)) continue;
    const suggestion = closest(name, names);
    throw new ConfigurationError(
      `${where}: unknown option ${JSON.stringify(name)}` +
        (suggestion !== undefined ? `; did you mean ${JSON.stringify(suggestion)}?` : '') +
        (names.size > 0 ? ` Known options: ${[...names].join(', ')}` : ' It takes no options.'),
    );
  }
}

/** The known name nearest to `name`: same letters in another case, or at most a third of it edited. */
function closest(name: string, names: ReadonlySet<string>): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const candidate of names) {
    const distance = candidate.toLowerCase() === lower ? 0 : editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, with a transposition counted as one edit (`optinal`, `audeince`). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        (rows[0] as number[])[j] = j;
        continue;
      }
      const row = rows[i] as number[];
      const above = rows[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(
        (above[j] as number) + 1,
        (row[j - 1] as number) + 1,
        (above[j - 1] as number) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, ((rows[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = value;
    }
  }
  return (rows[a.length] as number[])[b.length] as number;
}
