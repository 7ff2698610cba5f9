import express = require('express');
import adapter = require('@jwtguard/express');

const app = express();
app.use(adapter.jwtGuard({ issuer: 'https://issuer.example', audience: 'https://api.example' }));
app.get('/items', adapter.requireScopes('read:items'), (req, res) => {
  res.json({ sub: req.auth?.payload.sub });
});
// @ts-expect-error audience is required
adapter.jwtGuard({ issuer: 'https://issuer.example' });
