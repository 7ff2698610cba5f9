import { Hono } from 'hono';
import { jwtGuard, requireScopes } from '@jwtguard/hono';
import helpers from '../sign.cjs';

const { ISSUER, AUDIENCE, publicJwk, signToken, assert } = helpers;

const app = new Hono();
app.use(jwtGuard({ issuer: ISSUER, audience: AUDIENCE, keys: publicJwk }));
app.get('/items', requireScopes('read:items'), (c) => c.json({ sub: c.var.auth.payload.sub }));
const missing = await app.request('/items');
assert(missing.status === 401 && missing.headers.get('www-authenticate') === 'Bearer', 'no token: 401');
const ok = await app.request('/items', {
  headers: { authorization: `Bearer ${signToken({ scope: 'read:items' })}` },
});
assert(ok.status === 200 && (await ok.text()) === '{"sub":"consumer"}', 'valid token: 200');
console.log('ok hono');
