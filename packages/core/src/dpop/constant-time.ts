// Comparing values an attacker is trying to guess (a nonce's MAC) in time that does not depend on where
// the first difference is.

/** True when `a` and `b` are the same text; the time taken depends on their lengths only. */
export function timingSafeEqualText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
