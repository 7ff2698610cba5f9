// Jest global setup: the suite talks to a real Redis on 127.0.0.1:6379. When none answers and `redis-server`
// is installed, start one (memory only) so `pnpm test` works on a machine where Redis is not running yet.
import { spawnSync } from 'node:child_process';
import net from 'node:net';

const PORT = 6379;

function ping() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port: PORT });
    socket.setTimeout(500);
    socket.once('connect', () => socket.end('PING\r\n'));
    socket.once('data', (data) => resolve(String(data).startsWith('+PONG')));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

export default async function globalSetup() {
  if (await ping()) return;
  const started = spawnSync(
    'redis-server',
    ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', String(PORT), '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  if (started.error) {
    throw new Error(
      'No Redis on 127.0.0.1:6379 and redis-server is not installed: install Redis or start one.',
    );
  }
  for (let i = 0; i < 50; i++) {
    if (await ping()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('redis-server was started but does not answer on 127.0.0.1:6379.');
}
