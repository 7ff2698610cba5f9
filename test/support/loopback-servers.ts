// Node HTTP servers for adapter tests: on 127.0.0.1, port 0, and all closed after the test file (open
// keep-alive connections dropped, so the run ends promptly).
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';

/** Call at module level; returns `listen(handler)`, which resolves once the server is listening. */
export function loopbackServers(): (listener: RequestListener) => Promise<Server> {
  const servers: Server[] = [];
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  return async (listener) => {
    const server = createServer(listener).listen(0, '127.0.0.1');
    servers.push(server);
    await once(server, 'listening');
    return server;
  };
}
