// The packaging and runtime tests exercise the *built* packages (what users install), so they first make
// sure every package's dist/ exists and is not older than its src/; otherwise they run `pnpm -s build`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');

/** Workspace packages (directory name under packages/). */
export function packageNames(): string[] {
  return readdirSync(join(ROOT, 'packages')).filter((name) =>
    existsSync(join(ROOT, 'packages', name, 'src')),
  );
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function isStale(name: string): boolean {
  const dir = join(ROOT, 'packages', name);
  const built = join(dir, 'dist', 'index.js');
  if (!existsSync(built) || !existsSync(join(dir, 'dist', 'index.cjs'))) return true;
  return newestMtime(join(dir, 'src')) > statSync(built).mtimeMs;
}

/** Builds all packages when any of `names` has no dist/ or one older than its sources. */
export function ensureBuilt(names: string[] = packageNames()): void {
  const stale = names.filter(isStale);
  if (stale.length === 0) return;
  const build = spawnSync('pnpm', ['build'], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) {
    throw new Error(`pnpm build failed (stale: ${stale.join(', ')}):\n${build.stdout}\n${build.stderr}`);
  }
}
