import hono = require('hono');
import adapter = require('@jwtguard/hono');

const app = new hono.Hono<adapter.JwtGuardEnv>();
app.use(adapter.jwtGuard({ issuer: 'https://issuer.example', audience: 'https://api.example' }));
app.get('/me', (c) => c.json({ sub: c.var.auth.payload.sub ?? null }));
// @ts-expect-error audience is required
adapter.jwtGuard({ issuer: 'https://issuer.example' });
export = app;
