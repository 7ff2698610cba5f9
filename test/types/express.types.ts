// Type tests for @jwtguard/express, compiled by `pnpm typecheck` (not run). Each `@ts-expect-error` line
// proves a misuse is rejected: if it ever compiles, the directive itself becomes an error.
import express from 'express';
import {
  createVerifier,
  jwtErrorHandler,
  jwtGuard,
  requireAnyScope,
  requireClaims,
  requireScopes,
  type AuthResult,
  type JwtPayload,
} from '@jwtguard/express';

// Users declare their claims by merging into core's JwtPayload (the claim name is unique to this test so
// the augmentation cannot collide with real code in the same program).
declare module '@jwtguard/core' {
  interface JwtPayload {
    jwtguard_typetest_tenant?: string;
  }
}

const options = { issuer: 'https://auth.example.test/', audience: 'https://api.example.test' };
const app = express();

app.use(jwtGuard(options));
app.use(jwtGuard(options, { optional: true, realm: 'api', cookie: 'access_token' }));
app.use(jwtGuard({ ...options, optional: true }));
app.use(jwtGuard(createVerifier(options), { realm: 'shared' }));
app.use(jwtGuard(options, { getToken: (req) => req.get('x-access-token') }));

app.get('/items', requireScopes('read:items'), requireAnyScope('a', 'b'), (req, res) => {
  const auth: AuthResult | undefined = req.auth;
  const sub: string | undefined = req.auth?.payload.sub;
  const scopes: string[] | undefined = req.auth?.scopes;
  const tenant: string | undefined = req.auth?.payload.jwtguard_typetest_tenant;
  // @ts-expect-error req.auth is undefined on unguarded routes and in optional mode: check it first
  const direct = req.auth.payload;
  // @ts-expect-error a declared claim keeps its declared type
  const wrong: number | undefined = req.auth?.payload.jwtguard_typetest_tenant;
  res.json({ auth, sub, scopes, tenant, direct, wrong });
});

interface TenantClaims extends JwtPayload {
  tenant: string;
}
app.get(
  '/tenant',
  requireClaims<TenantClaims>((payload) => payload.tenant.startsWith('t')),
);
app.get('/admin', requireClaims({ role: 'admin', level: 3, groups: ['a', 'b'] }));
app.use(jwtErrorHandler());
app.use(jwtErrorHandler({ body: (err, body) => ({ ...body, code: err.code }) }));

// @ts-expect-error audience is required: an API that accepts any audience is a bug
jwtGuard({ issuer: 'https://auth.example.test/' });
// @ts-expect-error getToken returns the token string (or undefined)
jwtGuard(options, { getToken: () => 42 });
// @ts-expect-error optional is a boolean
jwtGuard(options, { optional: 'yes' });
// @ts-expect-error scopes are strings
requireScopes(1);
// @ts-expect-error claim expectations are strings, numbers, booleans or arrays of them
requireClaims({ role: { nested: true } });
// @ts-expect-error the predicate sees the declared claim types
requireClaims<TenantClaims>((payload) => payload.tenant === 1);
