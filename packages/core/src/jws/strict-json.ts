// JSON for the JOSE header and the JWT claims set. RFC 7515 §4 and RFC 7519 §4 say a duplicate member name
// MUST be rejected (or only the last one used); parsers disagree on which duplicate wins, so a token could
// mean one thing to us and another to a downstream service. We reject duplicates, non-objects, and the
// `__proto__` member name (prototype pollution once a caller spreads or merges the claims).
import { decodeUtf8 } from '../runtime/crypto-runtime.js';
import { InvalidTokenError } from '../errors.js';

/** Parse `bytes` as a UTF-8 JSON object; `what` names it in the error ("header", "payload"). */
export function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let text: string;
  let value: unknown;
  try {
    // Strict UTF-8 (invalid sequences refused, not replaced), decoded by the runtime seam.
    text = decodeUtf8(bytes);
    value = JSON.parse(text);
  } catch (cause) {
    throw new InvalidTokenError('ERR_JWT_MALFORMED', `Token ${what} is not valid JSON`, { cause });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidTokenError('ERR_JWT_MALFORMED', `Token ${what} is not a JSON object`);
  }
  const problem = memberNameProblem(text, value);
  if (problem) throw new InvalidTokenError('ERR_JWT_MALFORMED', `Token ${what} has ${problem}`);
  return value as Record<string, unknown>;
}

/**
 * A repeated member name in any object, or a `__proto__` member, in `text` (which JSON.parse turned into
 * `value`). JSON.parse keeps one member per name, so the parsed value holds fewer members than the text
 * writes exactly when some object repeats a name (names compared after unescaping, as `"a"` and `"\u0061"`
 * must be). Counting both sides runs on every token without building a set of names per object.
 */
function memberNameProblem(text: string, value: object): string | undefined {
  const parsed = parsedMembers(value);
  if (parsed === undefined) return 'a __proto__ member';
  return parsed === writtenMembers(text) ? undefined : 'a duplicate member name';
}

/** Members of every object in the parsed value; undefined when one of them is named `__proto__`. */
function parsedMembers(root: object): number | undefined {
  let count = 0;
  const pending: object[] = [root];
  for (let value = pending.pop(); value !== undefined; value = pending.pop()) {
    const members: unknown[] = Array.isArray(value) ? value : Object.values(value);
    if (members !== value) {
      // JSON.parse defines `__proto__` as an own member; spread or merged later, it would set a prototype.
      if (Object.hasOwn(value, '__proto__')) return undefined;
      count += members.length;
    }
    for (let i = 0; i < members.length; i++) {
      const member = members[i];
      if (member !== null && typeof member === 'object') pending.push(member);
    }
  }
  return count;
}

/** Members written in valid JSON text: a `:` outside strings separates a name from its value, once each. */
function writtenMembers(text: string): number {
  let count = 0;
  let from = 0;
  for (;;) {
    const quote = text.indexOf('"', from);
    const end = quote === -1 ? text.length : quote;
    for (let i = from; i < end; i++) if (text.charCodeAt(i) === 0x3a /* : */) count++;
    if (quote === -1) return count;
    // Jump over the string: it ends at the first quote not escaped by an odd run of backslashes.
    let close = quote;
    for (;;) {
      close = text.indexOf('"', close + 1);
      let backslashes = 0;
      while (text.charCodeAt(close - 1 - backslashes) === 0x5c /* \ */) backslashes++;
      if (backslashes % 2 === 0) break;
    }
    from = close + 1;
  }
}

/**
 * Freeze what an object's members hold, not the object: for shared parsed values whose top level is never
 * handed out (each result gets a spread copy, and V8 spreads a frozen object on a slow path) but whose nested values the
 * copies share, so a reader changing them would change them for every later reader.
 */
export function freezeMembers<T extends object>(value: T): T {
  for (const member of Object.values(value)) {
    if (member !== null && typeof member === 'object') deepFreeze(member as object);
  }
  return value;
}

/** Freeze a parsed JSON value and everything in it (shared parsed values must not be changed by a reader). */
function deepFreeze<T extends object>(value: T): T {
  if (Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const member of Object.values(value)) {
    if (member !== null && typeof member === 'object') deepFreeze(member as object);
  }
  return value;
}
