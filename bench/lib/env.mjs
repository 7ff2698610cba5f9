// What every results table states: machine, Node version, package versions and the exact command.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Installed version of a package (read from disk: some packages do not export their package.json). */
export function versionOf(name) {
  // jose is a dependency of core (not of the root): report the copy jwtguard and the benchmark load.
  const dir = name.startsWith('@jwtguard/')
    ? `packages/${name.slice('@jwtguard/'.length)}`
    : name === 'jose'
      ? 'packages/core/node_modules/jose'
      : `node_modules/${name}`;
  try {
    return JSON.parse(readFileSync(`${root}${dir}/package.json`, 'utf8')).version;
  } catch {
    return 'not installed';
  }
}

export function machine() {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, ${os.type()} ${os.release()}`;
}

/** The commit measured (with "+ local changes" when the tree differs from it). */
export function revision() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--untracked-files=no', 'packages') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' + local changes in packages/' : ''}`;
  } catch {
    return 'unknown';
  }
}

export function environmentLines(command, packages) {
  return [
    `- code: commit ${revision()}`,
    `- machine: ${machine()}`,
    `- Node ${process.version}`,
    `- packages: ${packages.map((name) => `${name} ${versionOf(name)}`).join(', ')}`,
    `- command: \`${command}\``,
  ];
}

export const ROOT = root;
