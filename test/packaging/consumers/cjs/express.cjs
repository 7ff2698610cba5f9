const express = require('express');
const { jwtGuard, jwtErrorHandler, requireScopes, createVerifier } = require('@jwtguard/express');
const { ISSUER, AUDIENCE, publicJwk, signToken, assert, requestOnce } = require('../sign.cjs');

(async () => {
  const app = express();
  app.use(jwtGuard(createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: publicJwk })));
  app.get('/items', requireScopes('read:items'), (req, res) => res.json({ sub: req.auth.payload.sub }));
  app.use(jwtErrorHandler());
  const missing = await requestOnce(app);
  assert(missing.status === 401 && missing.challenge === 'Bearer', `no token: ${JSON.stringify(missing)}`);
  const ok = await requestOnce(app, { authorization: `Bearer ${signToken({ scope: 'read:items' })}` });
  assert(ok.status === 200 && ok.body === '{"sub":"consumer"}', `valid token: ${JSON.stringify(ok)}`);
  console.log('ok express');
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
