import Koa from 'koa';
import { jwtGuard, jwtErrorHandler, requireScopes, type AuthResult } from '@jwtguard/koa';

const app = new Koa();
app.use(jwtErrorHandler());
app.use(jwtGuard({ issuer: 'https://issuer.example', audience: 'https://api.example' }));
app.use(requireScopes('read:items'));
app.use((ctx) => {
  // ctx.state.auth is typed through Koa's DefaultState, augmented by the adapter.
  const auth: AuthResult | undefined = ctx.state.auth;
  ctx.body = { sub: auth?.payload.sub };
});

// @ts-expect-error audience is required
jwtGuard({ issuer: 'https://issuer.example' });
