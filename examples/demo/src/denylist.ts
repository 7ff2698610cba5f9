// The one denylist shared by the auth server (which writes revocations) and the three APIs (which read
// them): in memory by default, Redis when REDIS_URL is set, so the default run needs nothing installed.
import { randomBytes } from 'node:crypto';
import { createMemoryDenylist } from '@jwtguard/core';
import { createRedisDenylist } from '@jwtguard/redis';
import type { SharedDenylist } from '@jwtguard-example/auth-server';

export interface DemoDenylist {
  denylist: SharedDenylist;
  /** What to print: "in memory" or the Redis URL. */
  label: string;
  close(): Promise<void>;
}

// The denylist keeps real time rather than the demo's clock. The demo clock only runs ahead of real time, so
// an entry kept until a token's `exp` by the real clock lives at least as long as the token can be used.
export async function openDenylist(redisUrl: string | undefined): Promise<DemoDenylist> {
  if (!redisUrl) {
    return { denylist: createMemoryDenylist(), label: 'in memory', close: async () => undefined };
  }
  // A prefix of its own per run, so runs (and other users of the same Redis) never see each other's entries.
  const prefix = `jwtguard-demo:${randomBytes(6).toString('hex')}:`;
  // ready() rejects when Redis cannot be reached within writeTimeout: the demo says so instead of hanging.
  const denylist = createRedisDenylist({ redis: redisUrl, prefix, writeTimeout: '3s' });
  try {
    await denylist.ready();
  } catch (error) {
    await denylist.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Redis at ${redactPassword(redisUrl)} did not answer (${reason})`);
  }
  return { denylist, label: `Redis at ${redactPassword(redisUrl)}`, close: () => denylist.close() };
}

function redactPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'REDIS_URL';
  }
}
