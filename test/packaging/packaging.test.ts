// Packaging is tested, not hoped for: every workspace package is packed with `pnpm pack`, unpacked into the
// node_modules of a throwaway consumer project (test/packaging/.work), and used from CommonJS (`require`),
// ESM (`import`) and TypeScript (`moduleResolution: nodenext`, both .ts and .cts) exactly as a user would.
// No registry is involved: the tarballs' third-party dependencies are linked from the workspace's store.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { ensureBuilt, packageNames, ROOT } from './ensure-built.js';

const TIMEOUT = 120_000;
const WORK = join(ROOT, 'test', 'packaging', '.work');
const TARBALLS = join(WORK, 'tarballs');
const CONSUMER = join(WORK, 'consumer');
const CONSUMERS_SRC = join(ROOT, 'test', 'packaging', 'consumers');
// Type packages a TypeScript user of these frameworks installs next to them.
const TYPE_PACKAGES = ['@types/node', '@types/express', '@types/koa'];

interface PackedManifest {
  name: string;
  main?: string;
  types?: string;
  exports?: unknown;
  files?: string[];
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface Packed {
  dir: string;
  manifest: PackedManifest;
  files: string[];
}

const packages = packageNames();
const packed = new Map<string, Packed>();

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 60_000 });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} (in ${cwd}) exited ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** The files an `exports` map points at: its leaf values, never its keys (`"./issuer"` is a subpath). */
function exportTargets(exports: unknown): string[] {
  if (typeof exports === 'string') return [exports];
  if (exports === null || typeof exports !== 'object') return [];
  return Object.values(exports).flatMap(exportTargets);
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? listFiles(join(dir, entry.name), `${prefix}${entry.name}/`)
      : [`${prefix}${entry.name}`],
  );
}

// Where the workspace has a third-party package installed, seen from the package that depends on it.
function workspaceCopyOf(dependency: string, from: string): string {
  for (const base of [join(ROOT, 'packages', from, 'node_modules'), join(ROOT, 'node_modules')]) {
    const candidate = join(base, dependency);
    if (existsSync(candidate)) return realpathSync(candidate);
  }
  throw new Error(`${dependency} (needed by @jwtguard/${from}) is not installed in the workspace`);
}

function link(dependency: string, target: string): void {
  const at = join(CONSUMER, 'node_modules', dependency);
  if (existsSync(at)) return;
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(target, at, 'dir');
}

beforeAll(() => {
  ensureBuilt(packages);
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(TARBALLS, { recursive: true });
  cpSync(CONSUMERS_SRC, CONSUMER, { recursive: true });
  // The TypeScript consumer only compiles the files of the packages under test.
  for (const file of readdirSync(join(CONSUMER, 'ts'))) {
    const name = file.replace(/\.c?ts$/, '');
    if (file !== 'tsconfig.json' && !packages.includes(name)) rmSync(join(CONSUMER, 'ts', file));
  }

  for (const name of packages) {
    const before = new Set(readdirSync(TARBALLS));
    run('pnpm', ['pack', '--pack-destination', TARBALLS], join(ROOT, 'packages', name));
    const tarball = readdirSync(TARBALLS).find((file) => !before.has(file) && file.endsWith('.tgz'));
    if (!tarball) throw new Error(`pnpm pack produced no tarball for ${name}`);
    const dir = join(CONSUMER, 'node_modules', '@jwtguard', name);
    mkdirSync(dir, { recursive: true });
    run('tar', ['-xzf', join(TARBALLS, tarball), '-C', dir, '--strip-components=1'], ROOT);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackedManifest;
    packed.set(name, { dir, manifest, files: listFiles(dir) });
  }

  // Runtime and peer dependencies come from the workspace store, as `npm install` would fetch them.
  for (const [name, { manifest }] of packed) {
    const needed = { ...manifest.dependencies, ...manifest.peerDependencies };
    for (const dependency of Object.keys(needed)) {
      if (!dependency.startsWith('@jwtguard/')) link(dependency, workspaceCopyOf(dependency, name));
    }
  }
  for (const dependency of TYPE_PACKAGES) link(dependency, workspaceCopyOf(dependency, 'core'));
}, TIMEOUT);

afterAll(() => {
  rmSync(WORK, { recursive: true, force: true });
});

describe.each(packages)('@jwtguard/%s tarball', (name) => {
  it('ships dist (ESM, CJS, both declaration flavours) and README, not sources or tests', () => {
    const { files } = packed.get(name)!;
    for (const file of [
      'package.json',
      'README.md',
      'dist/index.js',
      'dist/index.cjs',
      'dist/index.d.ts',
      'dist/index.d.cts',
    ]) {
      expect(files).toContain(file);
    }
    // The issuer's stores are their own entry, so the denylist alone never loads the issuer.
    if (name === 'redis') {
      for (const file of ['dist/issuer.js', 'dist/issuer.cjs', 'dist/issuer.d.ts', 'dist/issuer.d.cts']) {
        expect(files).toContain(file);
      }
    }
    expect(files.filter((file) => /^(src|test)\//.test(file) || file.endsWith('.tgz'))).toEqual([]);
  });

  it('has publishable dependency ranges and entry points that exist', () => {
    const { manifest, dir } = packed.get(name)!;
    expect(manifest.name).toBe(`@jwtguard/${name}`);
    // pnpm pack rewrites workspace: ranges; a leftover one cannot be installed from a registry.
    const ranges = Object.values({ ...manifest.dependencies, ...manifest.peerDependencies });
    expect(ranges.filter((range) => range.startsWith('workspace:'))).toEqual([]);
    for (const target of [...exportTargets(manifest.exports), manifest.main, manifest.types]) {
      if (target !== undefined) expect(existsSync(join(dir, target))).toBe(true);
    }
  });

  it('works from a CommonJS consumer (require)', () => {
    expect(run(process.execPath, [join('cjs', `${name}.cjs`)], CONSUMER).trim()).toBe(`ok ${name}`);
  });

  it('works from an ESM consumer (import)', () => {
    expect(run(process.execPath, [join('esm', `${name}.mjs`)], CONSUMER).trim()).toBe(`ok ${name}`);
  });
});

describe('TypeScript consumer (moduleResolution nodenext, strict, ESM .ts and CommonJS .cts)', () => {
  it(
    'compiles against the packed declaration files, and the @ts-expect-error misuse lines are rejected',
    () => {
      // Unused @ts-expect-error lines are errors themselves, so untyped (any) declarations would fail here.
      const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
      const result = spawnSync(process.execPath, [tsc, '-p', join('ts', 'tsconfig.json')], {
        cwd: CONSUMER,
        encoding: 'utf8',
        timeout: 90_000,
      });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    },
    TIMEOUT,
  );
});

it('every workspace package has a consumer in each format', () => {
  for (const name of packages) {
    expect(existsSync(join(CONSUMERS_SRC, 'cjs', `${name}.cjs`))).toBe(true);
    expect(existsSync(join(CONSUMERS_SRC, 'esm', `${name}.mjs`))).toBe(true);
    expect(existsSync(join(CONSUMERS_SRC, 'ts', `${name}.ts`))).toBe(true);
    expect(existsSync(join(CONSUMERS_SRC, 'ts', `${name}.cts`))).toBe(true);
  }
});
