// JSON for the JOSE header and the JWT claims set. RFC 7515 §4 and RFC 7519 §4 say a duplicate member name
// MUST be rejected (or only the last one used); parsers disagree on which duplicate wins, so a token could
// mean one thing to us and another to a downstream service. We reject duplicates, non-objects, and the
// `__proto__` member name (prototype pollution once a caller spreads or merges the claims).
import { InvalidTokenError } from './errors.js';

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Parse `bytes` as a UTF-8 JSON object; `what` names it in the error ("header", "payload"). */
export function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let text: string;
  let value: unknown;
  try {
    text = decoder.decode(bytes);
    value = JSON.parse(text);
  } catch (cause) {
    throw new InvalidTokenError('ERR_JWT_MALFORMED', `Token ${what} is not valid JSON`, { cause });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidTokenError('ERR_JWT_MALFORMED', `Token ${what} is not a JSON object`);
  }
  const problem = memberNameProblem(text);
  if (problem) throw new InvalidTokenError('ERR_JWT_MALFORMED', `Token ${what} has ${problem}`);
  return value as Record<string, unknown>;
}

/**
 * Scan syntactically valid JSON (JSON.parse accepted it) for a repeated member name in any object, or a
 * `__proto__` member. Names are compared after unescaping, so `"a"` and `"\u0061"` are the same name.
 */
function memberNameProblem(text: string): string | undefined {
  // One entry per open container: the member names seen so far for an object, null for an array.
  // Runs on every token, so it walks char codes and jumps from quote to quote with indexOf instead of
  // visiting every character of every string.
  const stack: (Set<string> | null)[] = [];
  let nextBackslash = text.indexOf('\\');
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x7b /* { */) stack.push(new Set());
    else if (code === 0x5b /* [ */) stack.push(null);
    else if (code === 0x7d /* } */ || code === 0x5d /* ] */) stack.pop();
    else if (code === 0x22 /* " */) {
      const start = i;
      // The closing quote is the first one not escaped by an odd run of backslashes.
      for (;;) {
        i = text.indexOf('"', i + 1);
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === 0x5c /* \\ */) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      const names = stack[stack.length - 1];
      if (!names || !isFollowedByColon(text, i + 1)) continue;
      if (nextBackslash !== -1 && nextBackslash < start) nextBackslash = text.indexOf('\\', start);
      const escaped = nextBackslash !== -1 && nextBackslash < i;
      const name = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
      if (name === '__proto__') return 'a __proto__ member';
      if (names.has(name)) return 'a duplicate member name';
      names.add(name);
    }
  }
  return undefined;
}

function isFollowedByColon(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x3a /* : */) return true;
    // JSON whitespace: space, tab, line feed, carriage return.
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) return false;
  }
  return false;
}
