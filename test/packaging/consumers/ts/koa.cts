import Koa = require('koa');
import adapter = require('@jwtguard/koa');

const app = new Koa();
app.use(adapter.jwtGuard({ issuer: 'https://issuer.example', audience: 'https://api.example' }));
app.use((ctx) => {
  const sub: string | undefined = ctx.state.auth?.payload.sub;
  ctx.body = { sub };
});
// @ts-expect-error audience is required
adapter.jwtGuard({ issuer: 'https://issuer.example' });
