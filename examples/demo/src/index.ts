// The demo as a library, so tests run it in-process with the transcript captured.
export { runDemo, type DemoOptions, type DemoResult } from './run.js';
export { createTranscript, type StepResult, type Transcript } from './transcript.js';
