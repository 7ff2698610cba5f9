// The sample API on Koa: one guard for everything after /public, one check per route. Errors leave as
// JSON `{ error, error_description }` with the RFC 6750 status and WWW-Authenticate challenge.
import Koa, { type Context, type Middleware } from 'koa';
import Router from '@koa/router';
import {
  jwtErrorHandler,
  jwtGuard,
  requireClaims,
  requireScopes,
  type Verifier,
  type VerifierOptions,
} from '@jwtguard/koa';
import { createItemStore, parseNewItem } from '@jwtguard-example/items';

/** Builds the sample API. Pass verifier options (one verifier is built here) or a shared Verifier. */
export function createApp(guard: VerifierOptions | Verifier): Koa {
  const app = new Koa();
  const items = createItemStore();
  const router = new Router();

  router.get('/public', (ctx) => {
    ctx.body = { message: 'Anyone can read this.' };
  });

  // Every route declared below needs a valid access token.
  router.use(jwtGuard(guard));

  router.get('/items', requireScopes('read:items'), (ctx) => {
    ctx.body = { items: items.list() };
  });

  router.post('/items', requireScopes('write:items'), async (ctx) => {
    const input = parseNewItem(await readJson(ctx));
    if (typeof input === 'string') {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: input };
      return;
    }
    ctx.status = 201;
    ctx.body = items.add(input, ctx.state.auth?.payload.sub);
  });

  // An admin is recognised by a claim, not a scope: `roles` is "admin" or an array including it.
  router.get('/admin', requireClaims({ roles: 'admin' }), (ctx) => {
    ctx.body = { message: `Welcome, administrator ${ctx.state.auth?.payload.sub ?? ''}`.trim() };
  });

  router.get('/me', (ctx) => {
    ctx.body = { sub: ctx.state.auth?.payload.sub, scopes: ctx.state.auth?.scopes ?? [] };
  });

  app.use(fallbackErrorHandler);
  app.use(jwtErrorHandler());
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.use((ctx) => {
    ctx.status = 404;
    ctx.body = { error: 'not_found', error_description: 'No such route' };
  });
  return app;
}

// Anything that is not a jwtguard error (a malformed JSON body, a bug) still answers in the same JSON shape,
// without leaking the message of an unexpected error.
const fallbackErrorHandler: Middleware = async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    const status = (err as { status?: unknown } | null)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      ctx.status = status;
      ctx.body = { error: 'invalid_request', error_description: 'The request could not be parsed' };
    } else {
      ctx.status = 500;
      ctx.body = { error: 'server_error', error_description: 'Internal server error' };
      ctx.app.emit('error', err, ctx);
    }
  }
};

const MAX_BODY_BYTES = 16 * 1024;

// Koa ships no body parser; the sample reads its one small JSON body itself rather than adding a dependency.
async function readJson(ctx: Context): Promise<unknown> {
  if (!ctx.is('application/json')) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) ctx.throw(413, 'Body too large');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
