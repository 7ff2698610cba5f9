// One HTTP server under test, started by http.mjs as a child process (so autocannon, in the parent, never
// shares a process with it). argv: <framework> <variant>; env BENCH_CONFIG = { jwksUri, jwk, issuer,
// audience }. Prints {"port":N} once listening on 127.0.0.1. Every variant answers GET /items with JSON.
// Answers the IPC message 'cpu' with its process.cpuUsage().
import { createRequire } from 'node:module';
import { createPublicKey } from 'node:crypto';
import { rawVerifier } from './lib/raw.mjs';

const require = createRequire(import.meta.url);
const [framework, variant] = process.argv.slice(2);
const config = JSON.parse(process.env.BENCH_CONFIG);
const { issuer, audience, jwksUri, jwk } = config;
const guardOptions = (cache) => ({
  issuer,
  audience,
  jwksUri,
  algorithms: ['RS256'],
  ...(cache ? { cache: { tokens: { max: 10_000 } } } : {}),
});

/** The raw node:crypto check used by the "raw" middleware of every framework: the in-framework limit. */
function rawCheck() {
  const verify = rawVerifier(
    { alg: 'RS256', publicKey: createPublicKey({ key: jwk, format: 'jwk' }) },
    issuer,
    audience,
  );
  return (authorization) => {
    if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) return undefined;
    try {
      return verify(authorization.slice(7));
    } catch {
      return undefined;
    }
  };
}

async function expressApp() {
  const express = require('express');
  const app = express();
  app.set('etag', false);
  app.disable('x-powered-by');
  switch (variant) {
    case 'no-auth':
      break;
    case 'no-op middleware':
      app.use((req, res, next) => next());
      break;
    case 'raw': {
      const check = rawCheck();
      app.use((req, res, next) => {
        const payload = check(req.headers.authorization);
        if (!payload) return void res.status(401).end();
        req.auth = { payload };
        next();
      });
      break;
    }
    case 'jwtguard':
    case 'jwtguard+cache': {
      const { jwtGuard } = await import('../packages/express/dist/index.js');
      app.use(jwtGuard(guardOptions(variant === 'jwtguard+cache')));
      break;
    }
    case 'express-oauth2-jwt-bearer': {
      const { auth } = require('express-oauth2-jwt-bearer');
      app.use(auth({ issuer, audience, jwksUri, tokenSigningAlg: 'RS256' }));
      break;
    }
    case 'express-jwt+jwks-rsa': {
      const { expressjwt } = require('express-jwt');
      const jwksRsa = require('jwks-rsa');
      app.use(
        expressjwt({
          secret: jwksRsa.expressJwtSecret({ jwksUri, cache: true, rateLimit: true }),
          audience,
          issuer,
          algorithms: ['RS256'],
        }),
      );
      break;
    }
    default:
      throw new Error(`unknown express variant ${variant}`);
  }
  app.get('/items', (req, res) => res.json({ ok: true, sub: req.auth?.payload?.sub ?? null }));
  // An application's own error handler: Express's default one would log every refusal.
  app.use((err, req, res, next) => {
    if (res.headersSent) return next(err);
    res.status(err.status ?? err.statusCode ?? 500).end();
  });
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

async function koaApp() {
  const Koa = require('koa');
  const app = new Koa();
  // No console.error for every refused request of the sanity check.
  app.silent = true;
  switch (variant) {
    case 'no-auth':
      break;
    case 'no-op middleware':
      app.use((ctx, next) => next());
      break;
    case 'raw': {
      const check = rawCheck();
      app.use(async (ctx, next) => {
        const payload = check(ctx.headers.authorization);
        if (!payload) return void (ctx.status = 401);
        ctx.state.auth = { payload };
        await next();
      });
      break;
    }
    case 'jwtguard':
    case 'jwtguard+cache': {
      const { jwtGuard } = await import('../packages/koa/dist/index.js');
      app.use(jwtGuard(guardOptions(variant === 'jwtguard+cache')));
      break;
    }
    case 'koa-jwt+jwks-rsa': {
      const jwt = require('koa-jwt');
      const jwksRsa = require('jwks-rsa');
      app.use(
        jwt({
          secret: jwksRsa.koaJwtSecret({ jwksUri, cache: true, rateLimit: true }),
          audience,
          issuer,
          algorithms: ['RS256'],
          key: 'auth',
        }),
      );
      break;
    }
    default:
      throw new Error(`unknown koa variant ${variant}`);
  }
  app.use((ctx) => {
    if (ctx.path !== '/items') return void (ctx.status = 404);
    const auth = ctx.state.auth;
    ctx.body = { ok: true, sub: auth?.payload?.sub ?? auth?.sub ?? null };
  });
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
}

async function honoApp() {
  const { Hono } = await import('hono');
  const { serve } = await import('@hono/node-server');
  const app = new Hono();
  switch (variant) {
    case 'no-auth':
      break;
    case 'no-op middleware':
      app.use('*', async (c, next) => {
        await next();
      });
      break;
    case 'raw': {
      const check = rawCheck();
      app.use('*', async (c, next) => {
        const payload = check(c.req.header('authorization'));
        if (!payload) return c.body(null, 401);
        c.set('auth', { payload });
        await next();
      });
      break;
    }
    case 'jwtguard':
    case 'jwtguard+cache': {
      const { jwtGuard } = await import('../packages/hono/dist/index.js');
      app.use('*', jwtGuard(guardOptions(variant === 'jwtguard+cache')));
      break;
    }
    case 'hono-jwk (inline keys)':
    case 'hono-jwk (jwks_uri)': {
      const { jwk: honoJwk } = await import('hono/jwk');
      const inline = variant === 'hono-jwk (inline keys)';
      // The same checks as every other variant: RFC 9068 `typ`, issuer and audience.
      const verification = { typ: 'at+jwt', iss: issuer, aud: audience };
      const source = inline ? { keys: [jwk] } : { jwks_uri: jwksUri };
      app.use('*', honoJwk({ ...source, alg: ['RS256'], verification }));
      break;
    }
    default:
      throw new Error(`unknown hono variant ${variant}`);
  }
  app.get('/items', (c) => {
    const auth = c.get('auth') ?? (c.get('jwtPayload') ? { payload: c.get('jwtPayload') } : undefined);
    return c.json({ ok: true, sub: auth?.payload?.sub ?? null });
  });
  return new Promise((resolve) => {
    serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
  });
}

// The parent asks for this process's CPU time around each load run: CPU per request is the server's own
// cost, whereas req/s also moves with how much of the 2 cores autocannon took.
process.on('message', (message) => {
  if (message === 'cpu') process.send(process.cpuUsage());
});

const start = { express: expressApp, koa: koaApp, hono: honoApp }[framework];
if (!start) throw new Error(`unknown framework ${framework}`);
const port = await start();
process.stdout.write(`${JSON.stringify({ port })}\n`);
