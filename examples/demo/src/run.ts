// runDemo: start the auth server and the three sample APIs on loopback, walk through the token lifecycle,
// print a transcript, and always shut everything down. The exit code is 0 only if every step behaved as
// expected, so `pnpm demo` doubles as an end-to-end smoke test.
import { createVirtualClock } from './clock.js';
import type { DemoContext } from './context.js';
import { openDenylist } from './denylist.js';
import { startStack, type Stack } from './stack.js';
import { accessControl, expiredToken } from './steps/access.js';
import { dpopBinding } from './steps/dpop.js';
import { pushRevocation } from './steps/feed.js';
import { logoutEverywhereSteps, logoutSteps } from './steps/logout.js';
import { mtlsBinding } from './steps/mtls.js';
import { refreshRotation } from './steps/refresh.js';
import { rotationUnderLoad } from './steps/rotation.js';
import { createTranscript, type StepResult } from './transcript.js';

export interface DemoOptions {
  /** Where transcript lines go (default console.log). */
  write?: (line: string) => void;
  /** Share revocations through this Redis (default: process.env.REDIS_URL; unset: in memory). */
  redisUrl?: string | undefined;
}

export interface DemoResult {
  exitCode: 0 | 1;
  failures: number;
  results: readonly StepResult[];
}

const STEPS: Array<[string, (context: DemoContext) => Promise<void>]> = [
  ['access control', accessControl],
  ['expired token', expiredToken],
  ['key rotation under load', rotationUnderLoad],
  ['refresh rotation', refreshRotation],
  ['logout', logoutSteps],
  ['logout everywhere', logoutEverywhereSteps],
  ['push revocation', pushRevocation],
  ['DPoP binding', dpopBinding],
  ['mTLS binding', mtlsBinding],
];

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const transcript = createTranscript(options.write);
  const redisUrl = 'redisUrl' in options ? options.redisUrl : process.env.REDIS_URL;
  const clock = createVirtualClock();
  const started = Date.now();
  let rotations = 0;
  let stack: Stack | undefined;
  let shared: Awaited<ReturnType<typeof openDenylist>> | undefined;

  transcript.section('Starting the auth server and the Express, Koa and Hono APIs on 127.0.0.1');
  try {
    shared = await openDenylist(redisUrl);
    stack = await startStack({
      clock: clock.now,
      denylist: shared.denylist,
      onIssuerEvent: (event) => {
        if (event.type === 'keys.rotated') rotations++;
      },
    });
    transcript.note(`auth server  ${stack.auth.url}`);
    for (const api of stack.apis) transcript.note(`${api.name.padEnd(12)} ${api.url}`);
    transcript.note(`denylist     ${shared.label}, shared by the auth server and the three APIs`);
    const context: DemoContext = {
      stack,
      clock,
      transcript,
      get rotations() {
        return rotations;
      },
    };
    for (const [name, step] of STEPS) {
      try {
        await step(context);
      } catch (error) {
        transcript.expect(`${name} ran to the end`, `stopped: ${messageOf(error)}`, 'yes');
      }
    }
  } catch (error) {
    transcript.expect('the demo started', `no: ${messageOf(error)}`, 'yes');
  } finally {
    await stack?.close();
    await shared?.close();
  }

  const total = transcript.results.length;
  const passed = total - transcript.failures;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  transcript.section(`${passed}/${total} steps behaved as expected (${seconds}s)`);
  return {
    exitCode: transcript.failures === 0 && total > 0 ? 0 : 1,
    failures: transcript.failures,
    results: transcript.results,
  };
}
