// Shapes that several options share, checked the same way wherever they appear.
import { ConfigurationError } from '../errors.js';

/** A string or a list of non-empty strings, as a list. */
export function stringList(value: unknown, option: string, allowEmpty = false): string[] {
  const list: unknown[] = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [undefined];
  if (!allowEmpty && list.length === 0) throw new ConfigurationError(`${option} must not be empty`);
  for (const item of list) {
    if (typeof item !== 'string' || item === '') {
      throw new ConfigurationError(`${option} must be a non-empty string or an array of non-empty strings`);
    }
  }
  return list as string[];
}
