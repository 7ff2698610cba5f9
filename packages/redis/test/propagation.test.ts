// A revocation on one instance is refused by the others: separate connections in one process, and a
// separate process. Propagation times are printed (figures, not assertions: see bench/redis-denylist.mjs).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { createRedisDenylist, type RedisDenylist } from '../src/index.js';
import { ISS, REDIS_URL, authResult, dropPrefix, nowSeconds, randomPrefix, until } from './support.js';

const prefix = randomPrefix();
const instances: RedisDenylist[] = [];

afterAll(async () => {
  await Promise.all(instances.map((instance) => instance.close()));
  const admin = new Redis(REDIS_URL);
  await dropPrefix(admin, prefix);
  await admin.quit();
});

async function instance(): Promise<RedisDenylist> {
  const denylist = createRedisDenylist({ redis: REDIS_URL, prefix });
  instances.push(denylist);
  await denylist.ready();
  return denylist;
}

/** Polls the replica on every turn of the event loop (isRevoked is synchronous when fresh). */
async function refusedAfter(denylist: RedisDenylist, jti: string, sentAt: number): Promise<number> {
  await until(() => denylist.isRevoked(authResult({ jti })) === true, `${jti} to propagate`, 5000, 0);
  return Date.now() - sentAt;
}

it('a revocation on one instance is refused by three others (separate connections)', async () => {
  const [writer, ...readers] = await Promise.all([instance(), instance(), instance(), instance()]);
  const samples: number[] = [];
  for (let i = 0; i < 20; i++) {
    const jti = `conn-${i}`;
    for (const reader of readers) expect(reader.isRevoked(authResult({ jti }))).toBe(false);
    const sentAt = Date.now();
    await writer!.revoke({ iss: ISS, jti, exp: nowSeconds() + 60 });
    const times = await Promise.all(readers.map((reader) => refusedAfter(reader, jti, sentAt)));
    samples.push(...times);
  }
  samples.sort((a, b) => a - b);
  console.log(
    `propagation to 3 replicas (ms, incl. the revoke round trip): p50 ${samples[samples.length >> 1]} max ${samples.at(-1)}`,
  );
  for (const reader of readers) expect(reader.isRevoked(authResult({ jti: 'conn-19' }))).toBe(true);
});

it('a revocation made in another process is refused here', async () => {
  const reader = await instance();
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./revoke-child.ts', import.meta.url)),
      REDIS_URL,
      prefix,
      ISS,
      'from-child',
    ],
    {
      env: {
        ...process.env,
        TSX_TSCONFIG_PATH: fileURLToPath(new URL('./child.tsconfig.json', import.meta.url)),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await until(() => output.includes('ready'), 'the child process', 15_000);
  expect(reader.isRevoked(authResult({ jti: 'from-child' }))).toBe(false);
  child.stdin.write('go\n');
  await until(
    () => reader.isRevoked(authResult({ jti: 'from-child' })) === true,
    'the child revocation',
    5000,
    0,
  );
  const seenAt = Date.now();
  await until(() => /revoked (\d+)/.test(output), 'the child report');
  const sentAt = Number(/revoked (\d+)/.exec(output)?.[1]);
  console.log(`cross-process propagation: ${seenAt - sentAt} ms (incl. the revoke round trip)`);
  await exited;
}, 20_000);
