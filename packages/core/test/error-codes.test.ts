// ERROR_CODES is the one list of codes: every code a source file of any package throws is in it, every code in
// it is thrown somewhere, and the README documents each exactly once.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, isJwtGuardErrorCode } from '../src/index.js';

const packages = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const codeLiterals = (text: string): string[] =>
  [...text.matchAll(/['"`](ERR_[A-Z0-9_]+)['"`]/g)].map((m) => m[1] as string);

const used = new Map<string, string>();
for (const name of readdirSync(packages)) {
  for (const file of sources(join(packages, name, 'src'))) {
    if (file.endsWith('error-codes.ts')) continue;
    for (const code of codeLiterals(readFileSync(file, 'utf8'))) used.set(code, file);
  }
}

test('every code a package source names is listed', () => {
  const unlisted = [...used].filter(([code]) => !isJwtGuardErrorCode(code));
  expect(unlisted).toEqual([]);
});

test('every listed code is used by some package', () => {
  expect(ERROR_CODES.filter((code) => !used.has(code))).toEqual([]);
});

test('the README documents each code exactly once, in its table', () => {
  const readme = readFileSync(join(packages, 'core', 'README.md'), 'utf8');
  for (const code of ERROR_CODES) {
    const rows = readme.split('\n').filter((line) => line.startsWith(`| \`${code}\``));
    expect([code, rows.length]).toEqual([code, 1]);
  }
  const documented = [...readme.matchAll(/^\| `(ERR_[A-Z0-9_]+)`/gm)].map((m) => m[1]);
  expect(documented.filter((code) => !isJwtGuardErrorCode(code))).toEqual([]);
});

test('isJwtGuardErrorCode accepts the listed codes only', () => {
  for (const code of ERROR_CODES) expect(isJwtGuardErrorCode(code)).toBe(true);
  for (const other of ['ERR_CONTEXT', '', 'err_jwt_expired', undefined, 42, 'toString', '__proto__']) {
    expect(isJwtGuardErrorCode(other)).toBe(false);
  }
});
