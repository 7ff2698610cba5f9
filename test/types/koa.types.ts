// Type tests for @jwtguard/koa, compiled by `pnpm typecheck` (not run).
import Router from '@koa/router';
import Koa from 'koa';
import {
  jwtErrorHandler,
  jwtGuard,
  requireAnyScope,
  requireClaims,
  requireScopes,
  type AuthResult,
  type JwtGuardState,
  type JwtPayload,
} from '@jwtguard/koa';

const options = { issuer: 'https://auth.example.test/', audience: 'https://api.example.test' };

interface TenantClaims extends JwtPayload {
  tenant: string;
}

// Generic payload: the state type flows from the guard into later middleware of the same app.
const app = new Koa()
  .use(jwtErrorHandler())
  .use(jwtGuard<TenantClaims>(options, { getToken: (ctx) => ctx.get('x-access-token') || undefined }));
app.use(async (ctx, next) => {
  const tenant: string | undefined = ctx.state.auth?.payload.tenant;
  // @ts-expect-error auth may be undefined (optional mode): check it first
  const direct = ctx.state.auth.payload;
  // @ts-expect-error tenant is declared as a string
  const wrong: number | undefined = ctx.state.auth?.payload.tenant;
  ctx.body = { tenant, direct, wrong };
  await next();
});

// Routers see ctx.state.auth through the DefaultState declaration merge...
const router = new Router();
router.get('/items', requireScopes('read:items'), requireAnyScope('a', 'b'), (ctx) => {
  const auth: AuthResult | undefined = ctx.state.auth;
  const sub: string | undefined = ctx.state.auth?.payload.sub;
  // @ts-expect-error scopes is a string array
  const count: number = ctx.state.auth?.scopes;
  ctx.body = { auth, sub, count };
});
// ...or, with declared claims, through the router's state type.
const typed = new Router<JwtGuardState<TenantClaims>>();
typed.get(
  '/tenant',
  requireClaims<TenantClaims>((payload) => payload.tenant === 't1'),
  (ctx) => {
    const tenant: string | undefined = ctx.state.auth?.payload.tenant;
    ctx.body = { tenant };
  },
);
router.get('/admin', requireClaims({ role: 'admin' }));
app.use(router.routes()).use(typed.routes());
app.use(jwtErrorHandler({ body: (err, body) => ({ ...body, code: err.code }) }));

// @ts-expect-error audience is required
jwtGuard({ issuer: 'https://auth.example.test/' });
// @ts-expect-error getToken returns the token string (or undefined)
jwtGuard(options, { getToken: () => 42 });
// @ts-expect-error scopes are strings
requireAnyScope(['a', 'b']);
// @ts-expect-error claim expectations are strings, numbers, booleans or arrays of them
requireClaims({ role: null });
