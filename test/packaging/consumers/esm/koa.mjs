import Koa from 'koa';
import { jwtGuard, jwtErrorHandler, requireScopes } from '@jwtguard/koa';
import helpers from '../sign.cjs';

const { ISSUER, AUDIENCE, publicJwk, signToken, assert, requestOnce } = helpers;

const app = new Koa();
app.use(jwtErrorHandler());
app.use(jwtGuard({ issuer: ISSUER, audience: AUDIENCE, keys: publicJwk }));
app.use(requireScopes('read:items'));
app.use((ctx) => {
  ctx.body = { sub: ctx.state.auth.payload.sub };
});
const missing = await requestOnce(app.callback());
assert(missing.status === 401 && missing.challenge === 'Bearer', `no token: ${JSON.stringify(missing)}`);
const ok = await requestOnce(app.callback(), {
  authorization: `Bearer ${signToken({ scope: 'read:items' })}`,
});
assert(ok.status === 200 && ok.body === '{"sub":"consumer"}', `valid token: ${JSON.stringify(ok)}`);
console.log('ok koa');
