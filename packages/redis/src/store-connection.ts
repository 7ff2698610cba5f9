// The connection of the issuer's Redis stores (refresh tokens, signing keys): every call waits for the
// connection and for its reply within one bound, so a token endpoint answers with an error, never hangs.
import { openConnection, shutdown, type RedisClient, type RedisInput } from './connection.js';
import { whenReady, withDeadline } from './deadline.js';

export interface StoreConnection {
  client: RedisClient;
  /** Runs `work` once the client is ready; both the wait and the work count against the timeout. */
  bounded<T>(what: string, work: () => Promise<T>): Promise<T>;
  /** Closes the connection if the store opened it (never a client the user passed in). */
  close(): Promise<void>;
}

export function openStoreConnection(input: RedisInput | undefined, timeoutMs: number): StoreConnection {
  const { client, owned } = openConnection(input);
  if (owned) client.on('error', () => undefined); // ioredis reconnects by itself; calls report outages

  const run = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    await whenReady(client, timeoutMs, what);
    return work();
  };

  return {
    client,
    bounded: (what, work) => withDeadline(run(what, work), timeoutMs, what),
    async close() {
      if (owned) await shutdown(client);
    },
  };
}
