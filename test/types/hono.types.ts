// Type tests for @jwtguard/hono, compiled by `pnpm typecheck` (not run).
import { Hono } from 'hono';
import {
  jwtGuard,
  jwtGuardErrorOf,
  requireAnyScope,
  requireClaims,
  requireScopes,
  type AuthResult,
  type JwtGuardEnv,
  type JwtPayload,
  type OptionalJwtGuardEnv,
} from '@jwtguard/hono';

const options = { issuer: 'https://auth.example.test/', audience: 'https://api.example.test' };

interface TenantClaims extends JwtPayload {
  tenant: string;
}

// Required mode: c.var.auth is always set after the guard.
const app = new Hono<JwtGuardEnv<TenantClaims>>();
app.use(jwtGuard<TenantClaims>(options));
app.get('/items', requireScopes('read:items'), requireAnyScope('a', 'b'), (c) => {
  const auth: AuthResult<TenantClaims> = c.var.auth;
  const tenant: string = c.var.auth.payload.tenant;
  const viaGet: string = c.get('auth').payload.tenant;
  // @ts-expect-error tenant is declared as a string
  const wrong: number = c.var.auth.payload.tenant;
  return c.json({ sub: auth.payload.sub ?? null, tenant, viaGet, wrong });
});

// Optional mode: c.var.auth may be undefined.
const open = new Hono<OptionalJwtGuardEnv>();
open.use(jwtGuard(options, { optional: true }));
open.use(jwtGuard({ ...options, optional: true }));
open.get('/me', (c) => {
  const auth: AuthResult | undefined = c.var.auth;
  // @ts-expect-error auth may be undefined in optional mode
  const sub = c.var.auth.payload.sub;
  return c.json({ auth: auth ?? null, sub });
});

// Without an explicit Env, chaining .use() carries the guard's variables into the routes.
new Hono().use(jwtGuard<TenantClaims>(options)).get('/chained', (c) => {
  const tenant: string = c.var.auth.payload.tenant;
  return c.text(tenant);
});
new Hono().use(jwtGuard(options, { optional: true })).get('/chained-optional', (c) => {
  // @ts-expect-error optional mode: auth may be undefined
  return c.text(c.var.auth.payload.sub ?? '');
});

// Custom getter receives Hono's Context.
app.use(jwtGuard(options, { getToken: (c) => c.req.header('x-access-token') }));
app.get(
  '/tenant',
  requireClaims<TenantClaims>((payload) => payload.tenant === 't1'),
  (c) => c.text('ok'),
);
app.onError((err, c) => {
  const guardError = jwtGuardErrorOf(err);
  return guardError ? c.json({ code: guardError.code }, 401) : c.text('error', 500);
});

// @ts-expect-error audience is required
jwtGuard({ issuer: 'https://auth.example.test/' });
// @ts-expect-error getToken returns the token string (or undefined)
jwtGuard(options, { getToken: () => 42 });
// @ts-expect-error scopes are strings
requireScopes(true);
// @ts-expect-error the predicate sees the declared claim types
requireClaims<TenantClaims>((payload) => payload.tenant === 1);
