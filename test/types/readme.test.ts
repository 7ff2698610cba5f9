// Every TypeScript block in the package READMEs is what a user pastes first, so each must compile on
// its own, as a module of a strict project, against the packages' current sources. The blocks are handed to
// the compiler as in-memory files next to this one (nothing is written), with the repository's tsconfig.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
const READMES = ['core', 'express', 'koa', 'hono', 'issuer', 'testing', 'redis'].map(
  (name) => `packages/${name}/README.md`,
);

interface Snippet {
  /** Virtual file name, e.g. test/types/readme-express-1.ts. */
  file: string;
  readme: string;
  line: number;
  code: string;
}

function snippets(): Snippet[] {
  const found: Snippet[] = [];
  for (const readme of READMES) {
    const lines = readFileSync(join(ROOT, readme), 'utf8').split('\n');
    let start = -1;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (start < 0 && /^```ts\s*$/.test(line)) start = i + 1;
      else if (start >= 0 && line.startsWith('```')) {
        const name = readme.split('/')[1] as string;
        found.push({
          file: join(ROOT, 'test', 'types', `readme-${name}-${found.length + 1}.ts`),
          readme,
          line: start,
          code: lines.slice(start, i).join('\n'),
        });
        start = -1;
      }
    }
  }
  return found;
}

function compile(blocks: Snippet[]): Map<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  );
  if (!config) throw new Error('tsconfig.json could not be read');
  const options = { ...config.options, noEmit: true };
  const virtual = new Map(blocks.map((block) => [block.file, block.code]));
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (name) => virtual.has(name) || fileExists.call(host, name);
  host.readFile = (name) => virtual.get(name) ?? readFile.call(host, name);
  host.getSourceFile = (name, language, onError, fresh) => {
    const code = virtual.get(name);
    return code !== undefined
      ? ts.createSourceFile(name, code, language, true)
      : getSourceFile.call(host, name, language, onError, fresh);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  const errors = new Map<string, string[]>(blocks.map((block) => [block.file, []]));
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const file = diagnostic.file?.fileName ?? '(global)';
    const where =
      diagnostic.file && diagnostic.start !== undefined
        ? diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line + 1
        : 0;
    const message = `line ${where}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    (errors.get(file) ?? errors.set(file, []).get(file))?.push(message);
  }
  return errors;
}

const blocks = snippets();
let errors: Map<string, string[]>;

beforeAll(() => {
  errors = compile(blocks);
}, 60_000);

test('each README has a TypeScript quick start', () => {
  for (const readme of READMES) expect(blocks.some((block) => block.readme === readme)).toBe(true);
});

test.each(blocks.map((block) => [`${block.readme}:${block.line}`, block] as const))(
  '%s compiles',
  (_where, block) => {
    expect(errors.get(block.file)).toEqual([]);
  },
);

test('nothing outside the blocks fails to compile', () => {
  const others = [...errors].filter(([file, list]) => !blocks.some((b) => b.file === file) && list.length);
  expect(others).toEqual([]);
});

// The core README's option tables name, for every option, the tests that fail when it is ignored. A renamed or
// deleted test must not leave the table pointing at nothing: each `file.ts` "test name" citation must exist.
function testFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) files.set(path, readFileSync(join(ROOT, path), 'utf8'));
    }
  };
  for (const name of readdirSync(join(ROOT, 'packages'))) walk(`packages/${name}/test`);
  walk('test');
  return files;
}

function citations(readme: string): Array<{ file: string; name: string; line: number }> {
  const found: Array<{ file: string; name: string; line: number }> = [];
  let file: string | undefined;
  readme.split('\n').forEach((text, index) => {
    // A citation's file holds until the paragraph or table row ends.
    if (text.trim() === '' || text.startsWith('|')) file = undefined;
    for (const match of text.matchAll(/`([^`]+)`|"([^"]+)"/g)) {
      const code = match[1];
      if (code !== undefined) {
        if (/\.test\.ts$|(^|\/)(suite|security-cases)\.ts$/.test(code)) file = code;
      } else if (file !== undefined && match[2] !== undefined) {
        found.push({ file, name: match[2].replace(/…$/, ''), line: index + 1 });
      }
    }
  });
  return found;
}

test('every test the core README cites exists', () => {
  const files = testFiles();
  const cited = citations(readFileSync(join(ROOT, 'packages/core/README.md'), 'utf8'));
  expect(cited.length).toBeGreaterThan(60);
  const missing = cited.filter(({ file, name }) => {
    const sources = [...files].filter(([path]) => path === file || path.endsWith(`/${file}`));
    return sources.length === 0 || !sources.some(([, source]) => source.includes(name));
  });
  expect(missing).toEqual([]);
});
