// Core and the Hono adapter promise Web-standard APIs only. hono-app.ts runs unchanged on Node, Bun and Deno
// against the built packages (resolved through node_modules like a user's project), and every runtime must
// take the same decisions: same statuses, same challenges, same bodies.
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, ROOT } from '../packaging/ensure-built.js';
import type { RuntimeReport } from './hono-app.js';

// Each runtime starts in about a second; the first Deno run also compiles, and a missing dist/ means a build.
const TIMEOUT = 120_000;

const BIN = join(ROOT, 'node_modules', '.bin');
let scratch: string;

beforeAll(() => {
  ensureBuilt(['core', 'hono']);
  // A throwaway project whose node_modules holds the workspace packages (their package.json exports point at
  // dist/) and hono, so each runtime resolves imports exactly as it would in a user's project.
  scratch = mkdtempSync(join(tmpdir(), 'jwtguard-runtimes-'));
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({ name: 'runtime-probe', private: true, type: 'module' }),
  );
  mkdirSync(join(scratch, 'node_modules', '@jwtguard'), { recursive: true });
  symlinkSync(join(ROOT, 'packages', 'core'), join(scratch, 'node_modules', '@jwtguard', 'core'), 'dir');
  symlinkSync(join(ROOT, 'packages', 'hono'), join(scratch, 'node_modules', '@jwtguard', 'hono'), 'dir');
  symlinkSync(realpathSync(join(ROOT, 'node_modules', 'hono')), join(scratch, 'node_modules', 'hono'), 'dir');
  // The Node run serves the app through @hono/node-server (Bun and Deno use their own servers).
  mkdirSync(join(scratch, 'node_modules', '@hono'), { recursive: true });
  symlinkSync(
    realpathSync(join(ROOT, 'node_modules', '@hono', 'node-server')),
    join(scratch, 'node_modules', '@hono', 'node-server'),
    'dir',
  );
  copyFileSync(join(ROOT, 'test', 'runtimes', 'hono-app.ts'), join(scratch, 'hono-app.ts'));
}, TIMEOUT);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function runOn(command: string, args: string[]): RuntimeReport {
  const run = spawnSync(command, args, {
    cwd: scratch,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, DENO_DIR: join(scratch, '.deno'), NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' },
  });
  if (run.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${run.status ?? run.signal}:\n${run.stdout}\n${run.stderr}`,
    );
  }
  const line = run.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as RuntimeReport;
}

const runtimes: Array<[string, string, string[]]> = [
  ['bun', join(BIN, 'bun'), ['hono-app.ts']],
  ['deno', join(BIN, 'deno'), ['run', '-A', '--no-lock', '--node-modules-dir=manual', 'hono-app.ts']],
];

describe('hono-app.ts', () => {
  let onNode: RuntimeReport;

  beforeAll(() => {
    onNode = runOn(join(BIN, 'tsx'), ['hono-app.ts']);
  }, TIMEOUT);

  it('on Node: the expected RFC 6750 answers', () => {
    const { results } = onNode;
    expect(onNode.runtime).toMatch(/^node /);
    expect(results.valid).toEqual({
      status: 200,
      challenge: null,
      body: { sub: 'runtime-user', scopes: ['read:items'] },
    });
    expect(results.missing).toMatchObject({
      status: 401,
      challenge: 'Bearer',
      body: { error: 'unauthorized' },
    });
    expect(results.malformed).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    expect(results.malformed?.challenge).toMatch(/^Bearer error="invalid_request"/);
    expect(results.expired).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect(results.expired?.challenge).toMatch(/^Bearer error="invalid_token"/);
    expect(results.wrongAudience).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect(results.insufficientScope).toMatchObject({ status: 403, body: { error: 'insufficient_scope' } });
    expect(results.insufficientScope?.challenge).toMatch(/error="insufficient_scope"/);
    expect(results.insufficientScope?.challenge).toMatch(/scope="read:items"/);
    expect(results.dpopValid).toEqual({
      status: 200,
      challenge: null,
      body: { sub: 'runtime-user', jkt: true },
    });
    expect(results.dpopNoProof).toMatchObject({ status: 401, body: { error: 'invalid_dpop_proof' } });
    expect(results.dpopNoProof?.challenge).toMatch(
      /^DPoP error="invalid_dpop_proof", error_description="DPoP proof is missing"/,
    );
    expect(results.dpopAsBearer).toMatchObject({ status: 401, body: { error: 'invalid_token' } });
    expect(results.dpopWrongUri?.challenge).toMatch(
      /error_description="DPoP proof htu does not match the request"/,
    );
    // validate hooks see the loopback peer through the runtime's connection info.
    expect(results.served).toEqual({ status: 200, challenge: null, body: { peer: 'loopback' } });
  });

  describe.each(runtimes)('on %s', (name, binary, args) => {
    const present = existsSync(binary);
    if (!present) console.warn(`${name}: ${binary} is not installed; skipping the ${name} run`);
    (present ? it : it.skip)(
      'takes the same decisions as on Node',
      () => {
        const report = runOn(binary, args);
        expect(report.runtime.startsWith(`${name} `)).toBe(true);
        expect(report.results).toEqual(onNode.results);
      },
      TIMEOUT,
    );
  });
});
