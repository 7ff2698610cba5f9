// Shared fixtures for the Redis tests: a random key prefix per test on the real Redis at 127.0.0.1:6379,
// a throwaway redis-server on a free loopback port for fault injection, and AuthResult builders.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthResult, JwtPayload } from '@jwtguard/core';
import { Cluster, Redis } from 'ioredis';

export const REDIS_URL = 'redis://127.0.0.1:6379';
export const ISS = 'https://issuer.test/';

export function randomPrefix(): string {
  return `jwtguard-test:${randomBytes(6).toString('hex')}:`;
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** A verified-looking result; the denylist only reads token, payload and issuer. */
export function authResult(claims: JwtPayload, signature = 'c2ln'): AuthResult {
  const payload: JwtPayload = { iss: ISS, iat: nowSeconds(), exp: nowSeconds() + 600, ...claims };
  const token = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.${signature}`;
  return { token, header: { alg: 'HS256', typ: 'JWT' }, payload, scopes: [], issuer: String(payload.iss) };
}

export async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  limitMs = 5000,
  pollMs = 10,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    // pollMs 0: every turn of the event loop (for timing propagation without a polling delay)
    await new Promise((resolve) => (pollMs === 0 ? setImmediate(resolve) : setTimeout(resolve, pollMs)));
  }
}

/**
 * What a test file on the real Redis needs, registered as jest hooks: an admin connection, fresh key prefixes
 * whose keys are dropped after the file, and resources closed after the file (last opened first).
 */
export function redisScratch() {
  const prefixes: string[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  const scratch = {
    /** Connected in beforeAll. */
    admin: undefined as unknown as Redis,
    newPrefix(): string {
      const prefix = randomPrefix();
      prefixes.push(prefix);
      return prefix;
    },
    closeLater(close: () => Promise<unknown>): void {
      closers.push(close);
    },
  };
  beforeAll(() => {
    scratch.admin = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    for (const prefix of prefixes) await dropPrefix(scratch.admin, prefix);
    await scratch.admin.quit();
  });
  return scratch;
}

/** Deletes every key under `prefix` (SCAN over our own prefix only). */
export async function dropPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (found.length) await redis.del(...found);
  } while (cursor !== '0');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A second redis-server, memory only, that a test may stop, restart, put to sleep. */
export class ScratchRedis {
  private process: ChildProcess | undefined;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<ScratchRedis> {
    const server = new ScratchRedis(await freePort());
    await server.start();
    return server;
  }

  async start(): Promise<void> {
    this.process = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--enable-debug-command',
        'local',
      ],
      { stdio: 'ignore' },
    );
    await until(() => ping(this.port), `redis-server on ${this.port}`);
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    this.process = undefined;
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(500);
    socket.once('connect', () => socket.end('PING\r\n'));
    socket.once('data', (data) => resolve(String(data).startsWith('+PONG')));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

/** An HS256 compact JWS, signed with node:crypto (the verifier under test does the checking). */
export function signHs256(claims: JwtPayload, secret: Uint8Array): string {
  const signingInput = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  const signature = createHmac('sha256', secret).update(signingInput).digest('base64url');
  return `${signingInput}.${signature}`;
}

/**
 * A three-master Redis Cluster on free loopback ports (memory only), so cluster support is tested rather
 * than claimed: scripts on one slot, pub/sub across nodes, MULTI on one hash tag.
 */
export class ScratchCluster {
  private constructor(
    private readonly nodes: ChildProcess[],
    readonly ports: number[],
    private readonly dir: string,
  ) {}

  static async start(): Promise<ScratchCluster> {
    const ports: number[] = [];
    while (ports.length < 3) {
      const port = await clusterPort();
      if (!ports.includes(port)) ports.push(port);
    }
    const dir = mkdtempSync(join(tmpdir(), 'jwtguard-cluster-'));
    const nodes = ports.map((port) =>
      spawn(
        'redis-server',
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          '--save',
          '',
          '--appendonly',
          'no',
        ],
        { stdio: 'ignore', cwd: dir },
      ),
    );
    const cluster = new ScratchCluster(nodes, ports, dir);
    for (const port of ports) await until(() => ping(port), `cluster node on ${port}`);
    const created = spawnSync(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((port) => `127.0.0.1:${port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { encoding: 'utf8' },
    );
    if (created.status !== 0) {
      await cluster.stop();
      throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
    }
    const probe = new Cluster([{ host: '127.0.0.1', port: ports[0] as number }]);
    try {
      await until(
        async () => {
          const info = String(await probe.call('CLUSTER', 'INFO').catch(() => ''));
          return info.includes('cluster_state:ok');
        },
        'the cluster to be ok',
        15_000,
        100,
      );
    } finally {
      probe.disconnect();
    }
    return cluster;
  }

  client(): Cluster {
    return new Cluster(this.ports.map((port) => ({ host: '127.0.0.1', port })));
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.nodes.map((node) => {
        if (node.exitCode !== null) return undefined;
        const exited = new Promise((resolve) => node.once('exit', resolve));
        node.kill('SIGKILL');
        return exited;
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A free port whose cluster bus port (port + 10000) is free too. */
async function clusterPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await canListen(port)) && (await canListen(port + 10_000))) return port;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
