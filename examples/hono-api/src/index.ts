// The sample API on Hono (Web-standard: runs on Node, Bun, Deno and Workers): one guard for everything after
// /public, one check per route. Errors leave as JSON `{ error, error_description }` with the RFC 6750
// status and WWW-Authenticate challenge (the adapter's HTTPException already carries that response).
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  jwtGuard,
  requireClaims,
  requireScopes,
  type JwtGuardEnv,
  type Verifier,
  type VerifierOptions,
} from '@jwtguard/hono';
import { createItemStore, parseNewItem } from '@jwtguard-example/items';

/** Builds the sample API. Pass verifier options (one verifier is built here) or a shared Verifier. */
export function createApp(guard: VerifierOptions | Verifier): Hono<JwtGuardEnv> {
  const app = new Hono<JwtGuardEnv>();
  const items = createItemStore();

  app.get('/public', (c) => c.json({ message: 'Anyone can read this.' }));

  // Every route declared below needs a valid access token.
  app.use(jwtGuard(guard));

  app.get('/items', requireScopes('read:items'), (c) => c.json({ items: items.list() }));

  app.post('/items', requireScopes('write:items'), async (c) => {
    const input = parseNewItem(await c.req.json().catch(() => undefined));
    if (typeof input === 'string') return c.json({ error: 'invalid_request', error_description: input }, 400);
    return c.json(items.add(input, c.var.auth.payload.sub), 201);
  });

  // An admin is recognised by a claim, not a scope: `roles` is "admin" or an array including it.
  app.get('/admin', requireClaims({ roles: 'admin' }), (c) =>
    c.json({ message: `Welcome, administrator ${c.var.auth.payload.sub ?? ''}`.trim() }),
  );

  app.get('/me', (c) => c.json({ sub: c.var.auth.payload.sub, scopes: c.var.auth.scopes }));

  app.notFound((c) => c.json({ error: 'not_found', error_description: 'No such route' }, 404));
  // The adapter's HTTPException carries the full RFC 6750 response; anything else must not leak its message.
  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    return c.json({ error: 'server_error', error_description: 'Internal server error' }, 500);
  });
  return app;
}
