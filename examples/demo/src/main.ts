// `pnpm demo`: run the lifecycle walkthrough and exit 0 when every step behaved as expected, 1 otherwise.
import { runDemo } from './run.js';

const { exitCode } = await runDemo();
process.exitCode = exitCode;
// Every server and connection is closed by now, so the process ends on its own. Should something still
// hold the event loop, this (unreferenced) timer ends it rather than leaving a hanging demo.
setTimeout(() => process.exit(exitCode), 2_000).unref();
