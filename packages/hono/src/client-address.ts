// The peer address for `validate` hooks (RequestContext.clientAddress). A Fetch `Request` carries no
// connection, so each runtime hands it to Hono differently, as the second argument of `fetch` (`c.env`):
// @hono/node-server passes `{ incoming }` (a Node IncomingMessage), Bun its `Server` (`requestIP(request)`),
// Deno the `ServeHandlerInfo` (`remoteAddr`). These are the shapes Hono's own per-runtime `getConnInfo`
// helpers read; reading them structurally here keeps the adapter free of runtime-specific imports. Anything
// else (Workers, `app.request()` in tests) has no peer to report: undefined, never a header a client can forge.
import type { Context } from 'hono';

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: unknown } };
}
interface BunServer {
  requestIP?: (request: Request) => { address?: unknown } | null;
}
interface DenoInfo {
  remoteAddr?: { hostname?: unknown };
}

export function clientAddressOf(c: Context): string | undefined {
  const env: unknown = c.env;
  if (env === null || typeof env !== 'object') return undefined;
  // Bun's `export default { fetch, ... }` style hands over `{ server }`; node-server may do the same.
  const bindings = ('server' in env ? (env as { server: unknown }).server : env) as
    (NodeBindings & BunServer & DenoInfo) | null;
  if (bindings === null || typeof bindings !== 'object') return undefined;
  try {
    const candidate =
      bindings.incoming?.socket?.remoteAddress ??
      (typeof bindings.requestIP === 'function' ? bindings.requestIP(c.req.raw)?.address : undefined) ??
      bindings.remoteAddr?.hostname;
    return typeof candidate === 'string' && candidate !== '' ? candidate : undefined;
  } catch {
    // A binding that is not what it looks like must not turn a request into a 500.
    return undefined;
  }
}
