// The `redis` option: an ioredis client the user built (their TLS, auth, Sentinel or Cluster settings
// pass through untouched), its options, or a URL. A client the user passed stays theirs: close() only
// closes what this package opened (the subscriber, and clients built from options or a URL).
import { Cluster, Redis, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;
export type RedisInput = RedisClient | RedisOptions | string;

export interface Connection {
  client: RedisClient;
  owned: boolean;
}

export function openConnection(input: RedisInput | undefined): Connection {
  if (input instanceof Redis || input instanceof Cluster) return { client: input, owned: false };
  // Coinciding checks in direct mode share one write to the socket (and one round trip).
  if (typeof input === 'string')
    return { client: new Redis(input, { enableAutoPipelining: true }), owned: true };
  return { client: new Redis({ enableAutoPipelining: true, ...input }), owned: true };
}

/** A second connection with the same settings: a connection in subscriber mode cannot run other commands. */
export function duplicate(client: RedisClient): RedisClient {
  return client instanceof Cluster ? client.duplicate() : client.duplicate();
}

/** Closes a connection gracefully when it is up (pending replies arrive), at once otherwise. */
export async function shutdown(client: RedisClient): Promise<void> {
  if (client.status === 'ready') {
    await client.quit().catch(() => client.disconnect());
  } else {
    client.disconnect();
  }
}
