import express from 'express';
import { jwtGuard, jwtErrorHandler, requireClaims, requireScopes, type AuthResult } from '@jwtguard/express';

const app = express();
app.use(jwtGuard({ issuer: 'https://issuer.example', audience: 'https://api.example' }));
app.get('/items', requireScopes('read:items'), (req, res) => {
  // The adapter's declaration merging types req.auth for the consumer too.
  const auth: AuthResult | undefined = req.auth;
  res.json({ sub: auth?.payload.sub });
});
app.get('/admin', requireClaims({ roles: 'admin' }), (_req, res) => {
  res.end();
});
app.use(jwtErrorHandler());

// @ts-expect-error audience is required
jwtGuard({ issuer: 'https://issuer.example' });
// @ts-expect-error a claim expectation is a string, number, boolean or an array of them
requireClaims({ roles: { nested: true } });
