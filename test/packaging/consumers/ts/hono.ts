import { Hono } from 'hono';
import { jwtGuard, requireScopes, type JwtGuardEnv, type JwtPayload } from '@jwtguard/hono';

interface TenantClaims extends JwtPayload {
  tenant: string;
}

const app = new Hono<JwtGuardEnv<TenantClaims>>();
app.use(jwtGuard<TenantClaims>({ issuer: 'https://issuer.example', audience: 'https://api.example' }));
app.get('/items', requireScopes('read:items'), (c) => {
  const tenant: string = c.var.auth.payload.tenant;
  // @ts-expect-error tenant is declared as a string
  const wrong: number = c.var.auth.payload.tenant;
  return c.json({ tenant, wrong });
});

// @ts-expect-error audience is required
jwtGuard({ issuer: 'https://issuer.example' });
export default app;
