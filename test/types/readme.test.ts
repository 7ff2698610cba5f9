// Every TypeScript block in the core and adapter READMEs is what a user pastes first, so each must compile on
// its own, as a module of a strict project, against the packages' current sources. The blocks are handed to
// the compiler as in-memory files next to this one (nothing is written), with the repository's tsconfig.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '../..');
const READMES = ['core', 'express', 'koa', 'hono'].map((name) => `packages/${name}/README.md`);

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
