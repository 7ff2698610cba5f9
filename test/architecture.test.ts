// The invariants docs/ARCHITECTURE.md states, checked on the sources so a change that breaks one fails here
// instead of in a reviewer's head: no import circles, core's layout and its runtime seam, what core and the
// adapters may import, and no citation of a document outside the repository.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PACKAGES = readdirSync(join(ROOT, 'packages')).filter((name) =>
  statSync(join(ROOT, 'packages', name, 'src'), { throwIfNoEntry: false })?.isDirectory(),
);

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Every module specifier a file imports or re-exports, type-only ones included. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [
    ...text.matchAll(
      /^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]/gm,
    ),
  ].map((match) => (match[1] ?? match[2]) as string);
}

function localImports(file: string): string[] {
  return specifiers(file)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
}

/** One import circle per strongly connected group of files, as a list of paths, or none. */
function circles(files: string[]): string[][] {
  const graph = new Map(files.map((file) => [file, localImports(file).filter((to) => files.includes(to))]));
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open')
        found.push(stack.slice(stack.indexOf(next)).map((f) => relative(ROOT, f)));
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return found;
}

describe.each(PACKAGES)('@jwtguard/%s', (name) => {
  const files = tsFiles(join(ROOT, 'packages', name, 'src'));

  test('no import circle between its source files (type-only imports count)', () => {
    expect(circles(files)).toEqual([]);
  });
});

describe('@jwtguard/core', () => {
  const src = join(ROOT, 'packages', 'core', 'src');
  const files = tsFiles(src);

  test('holds at most eight files at its root; the rest live in concern folders', () => {
    const root = readdirSync(src).filter((entry) => entry.endsWith('.ts'));
    expect(root.length).toBeLessThanOrEqual(8);
  });

  test('only runtime/crypto-runtime.ts imports the #crypto-runtime seam', () => {
    const importers = files.filter((file) => specifiers(file).includes('#crypto-runtime'));
    expect(importers.map((file) => relative(src, file))).toEqual(['runtime/crypto-runtime.ts']);
  });

  test('imports no framework and no Node module outside the runtime seam (it runs on Bun, Deno, Workers)', () => {
    const allowed = new Set(['jose', 'lru-cache', '#crypto-runtime']);
    const offenders = files.flatMap((file) =>
      specifiers(file)
        .filter((spec) => !spec.startsWith('.') && !allowed.has(spec))
        .filter((spec) => !(relative(src, file) === 'runtime/node.ts' && spec.startsWith('node:')))
        .map((spec) => `${relative(src, file)} → ${spec}`),
    );
    expect(offenders).toEqual([]);
  });
});

describe.each([
  ['express', ['express']],
  ['koa', ['koa']],
  ['hono', ['hono', 'hono/http-exception', 'hono/utils/http-status']],
])('@jwtguard/%s only translates', (name, framework) => {
  test('imports nothing but @jwtguard/core, its framework and its own files', () => {
    const allowed = new Set(['@jwtguard/core', ...framework]);
    const files = tsFiles(join(ROOT, 'packages', name, 'src'));
    const offenders = files.flatMap((file) =>
      specifiers(file).filter((spec) => !spec.startsWith('.') && !allowed.has(spec)),
    );
    expect(offenders).toEqual([]);
  });
});

test("@jwtguard/redis's main entry loads nothing of @jwtguard/issuer (only type imports)", () => {
  const seen = new Set<string>();
  const reach = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    localImports(file).forEach(reach);
  };
  reach(join(ROOT, 'packages', 'redis', 'src', 'index.ts'));
  const runtimeImports = [...seen].filter((file) =>
    /^\s*(?:import|export)\s+(?!type\b)[^'"]*?\bfrom\s*['"]@jwtguard\/issuer['"]/m.test(
      readFileSync(file, 'utf8'),
    ),
  );
  expect(runtimeImports.map((file) => relative(ROOT, file))).toEqual([]);
  expect(seen.size).toBeGreaterThan(3);
});

test('no file cites a design document outside the repository', () => {
  const skip = new Set(['node_modules', 'dist', '.git', '.work']);
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      if (skip.has(entry.name)) return [];
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return walk(path);
      return /\.(ts|mjs|js|md|json)$/.test(entry.name) ? [path] : [];
    });
  const citing = walk(ROOT).filter((file) =>
    /\bDESIGN\.md\b|\.\.\/shared\//.test(readFileSync(file, 'utf8')),
  );
  expect(citing.map((file) => relative(ROOT, file))).toEqual([]);
});
