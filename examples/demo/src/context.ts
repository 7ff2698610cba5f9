// What every step of the demo works with, and the one check most steps repeat: the same call on each API.
import type { VirtualClock } from './clock.js';
import { send, summary, type Reply, type SendOptions } from './http.js';
import type { Stack } from './stack.js';
import type { Transcript } from './transcript.js';

export interface DemoContext {
  stack: Stack;
  clock: VirtualClock;
  transcript: Transcript;
  /** Key rotations the issuer reported so far. */
  readonly rotations: number;
}

/** A status, or a status with the `WWW-Authenticate` challenge it must carry. */
export type Expected = number | { status: number; challenge: RegExp };

/** What the transcript compares: the status, or a note that the challenge was not the expected one. */
export function observed(reply: Reply, expected: Expected): number | string {
  if (typeof expected === 'number' || reply.status !== expected.status) return reply.status;
  return reply.challenge !== null && expected.challenge.test(reply.challenge)
    ? reply.status
    : `${reply.status} without a challenge matching ${String(expected.challenge)}`;
}

/**
 * Send `method path` with `options` to every API and record whether each answered as `expected`.
 * `who` names the caller in the transcript, e.g. "bob (read:items)".
 */
export async function onEveryApi(
  context: DemoContext,
  who: string,
  path: string,
  expected: Expected,
  options: SendOptions = {},
): Promise<void> {
  const method = options.method ?? (options.json === undefined ? 'GET' : 'POST');
  const status = typeof expected === 'number' ? expected : expected.status;
  for (const api of context.stack.apis) {
    const reply = await send(`${api.url}${path}`, options);
    context.transcript.expect(
      `${who}: ${method} ${path} → ${api.name}`,
      observed(reply, expected),
      status,
      summary(reply),
    );
  }
}
