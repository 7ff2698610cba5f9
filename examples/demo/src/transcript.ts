// A readable transcript of the demo: each step prints what happened and whether it matched what we expect.
// The demo exits non-zero when any step did not, so `pnpm demo` doubles as a smoke test of the lifecycle.

export interface StepResult {
  section: string;
  label: string;
  ok: boolean;
}

export interface Transcript {
  section(title: string): void;
  /** Record one observed outcome against the expected one. */
  expect(label: string, observed: string | number, expected: string | number, detail?: string): boolean;
  note(text: string): void;
  readonly failures: number;
  /** Every expectation recorded so far, in order. */
  readonly results: readonly StepResult[];
}

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number, text: string): string => (useColor ? `\x1b[${code}m${text}\x1b[0m` : text);

export function createTranscript(write: (line: string) => void = (line) => console.log(line)): Transcript {
  let failures = 0;
  let current = '';
  const results: StepResult[] = [];
  return {
    section(title) {
      current = title;
      write('');
      write(paint(1, `▶ ${title}`));
    },
    expect(label, observed, expected, detail) {
      const ok = observed === expected;
      if (!ok) failures++;
      results.push({ section: current, label, ok });
      const mark = ok ? paint(32, '✓') : paint(31, '✗');
      const wanted = ok ? '' : paint(31, ` (expected ${expected})`);
      write(`  ${mark} ${label}: ${observed}${wanted}${detail ? paint(2, `  ${detail}`) : ''}`);
      return ok;
    },
    note(text) {
      write(paint(2, `    ${text}`));
    },
    get failures() {
      return failures;
    },
    results,
  };
}
