// Durations in options: a number is seconds (as in jose and RFC 7519 NumericDate); a string carries its unit.
import { ConfigurationError } from '../errors.js';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/;

/** Milliseconds for `value`; throws a ConfigurationError naming `option` when it is not a duration. */
export function toMilliseconds(value: number | string, option: string): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value * 1000;
  } else {
    const match = PATTERN.exec(value.trim());
    if (match) return Number(match[1]) * (UNITS[match[2] as string] as number);
  }
  throw new ConfigurationError(
    `${option} must be a non-negative number of seconds or a duration such as "30s", "250ms", "10m"; got ${JSON.stringify(value)}`,
  );
}
