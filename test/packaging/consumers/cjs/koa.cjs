const Koa = require('koa');
const { jwtGuard, jwtErrorHandler, requireScopes } = require('@jwtguard/koa');
const { ISSUER, AUDIENCE, publicJwk, signToken, assert, requestOnce } = require('../sign.cjs');

(async () => {
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
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
