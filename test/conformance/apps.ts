// The same small API built on each adapter, from one scenario description. Each builder only wires the
// framework; what the API answers is decided by the adapters under test.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import { createAdaptorServer } from '@hono/node-server';
import express, { type ErrorRequestHandler } from 'express';
import { Hono, type Context as HonoContext } from 'hono';
import Koa from 'koa';
import request from 'supertest';
import type { JwtPayload, Verifier, VerifierOptions } from '@jwtguard/core';
import * as ex from '@jwtguard/express';
import * as hn from '@jwtguard/hono';
import * as ko from '@jwtguard/koa';

export interface Scenario {
  verifier: VerifierOptions | Verifier;
  guard?: { optional?: boolean; realm?: string; cookie?: string };
  /** Read the token from this header through a custom `getToken` written for each framework. */
  tokenHeader?: string;
  /**
   * 'library': the adapter's JSON rendering (Express/Koa jwtErrorHandler, Hono's HTTPException response);
   * 'framework': the framework's default error handling; 'custom': the app's own handler renders `{ custom: code }`.
   */
  errors: 'library' | 'framework' | 'custom';
}

export interface TestRequest {
  method: 'GET' | 'POST' | 'OPTIONS';
  path: string;
  headers?: Array<[string, string]>;
}

export interface TestResponse {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: unknown;
}

export interface Client {
  /** The scheme and host requests reach this app at, as the app sees them (a DPoP proof's `htu`). */
  origin: string;
  send(req: TestRequest): Promise<TestResponse>;
  close(): Promise<void>;
}

export type Harness = (scenario: Scenario) => Promise<Client>;

interface TenantClaims extends JwtPayload {
  tenant?: string;
}

const isTenantOne = (payload: TenantClaims): boolean => payload.tenant === 't1';

function guardArgs<R>(scenario: Scenario, getToken: ((req: R) => string | undefined) | undefined) {
  return { ...scenario.guard, ...(getToken ? { getToken } : {}) };
}

export const harnesses: Record<string, Harness> = {
  async express(scenario) {
    const app = express();
    const getToken = scenario.tokenHeader
      ? (req: express.Request) => req.get(scenario.tokenHeader as string)
      : undefined;
    app.use(ex.jwtGuard(scenario.verifier, guardArgs(scenario, getToken)));
    app.options('/me', (_req, res) => void res.set('x-preflight', 'handled').status(204).end());
    app.get(
      '/me',
      (req, res) => void res.json({ sub: req.auth?.payload.sub ?? null, scopes: req.auth?.scopes ?? [] }),
    );
    app.get('/items', ex.requireScopes('read:items'), (_req, res) => void res.json({ ok: 'read' }));
    app.get(
      '/items/all',
      ex.requireScopes('read:items', 'write:items'),
      (_req, res) => void res.json({ ok: 'all' }),
    );
    app.post(
      '/items',
      ex.requireAnyScope('write:items', 'admin'),
      (_req, res) => void res.json({ ok: 'write' }),
    );
    app.get('/admin', ex.requireClaims({ role: 'admin' }), (_req, res) => void res.json({ ok: 'admin' }));
    app.get(
      '/tenant',
      ex.requireClaims<TenantClaims>(isTenantOne),
      (_req, res) => void res.json({ ok: 'tenant' }),
    );
    // A guard on a whole router rather than a route.
    const writers = express.Router();
    writers.use(ex.requireScopes('write:items'));
    writers.get('/x', (_req, res) => void res.json({ ok: 'router' }));
    app.use('/router', writers);
    if (scenario.errors === 'library') app.use(ex.jwtErrorHandler());
    if (scenario.errors === 'custom') {
      const custom: ErrorRequestHandler = (err, _req, res, next) => {
        if (!ex.isJwtGuardError(err)) return next(err);
        res.status(err.status).set(err.headers).json({ custom: err.code });
      };
      app.use(custom);
    }
    return serve(createServer(app));
  },

  async koa(scenario) {
    const app = new Koa();
    app.silent = true;
    if (scenario.errors === 'library') app.use(ko.jwtErrorHandler());
    if (scenario.errors === 'custom') {
      app.use(async (ctx, next) => {
        try {
          await next();
        } catch (err) {
          if (!ko.isJwtGuardError(err)) throw err;
          ctx.status = err.status;
          ctx.set(err.headers);
          ctx.body = { custom: err.code };
        }
      });
    }
    const getToken = scenario.tokenHeader
      ? (ctx: Koa.Context) => ctx.get(scenario.tokenHeader as string)
      : undefined;
    const router = new Router();
    router.options('/me', (ctx) => {
      ctx.set('x-preflight', 'handled');
      ctx.status = 204;
    });
    router.get('/me', (ctx) => {
      ctx.body = { sub: ctx.state.auth?.payload.sub ?? null, scopes: ctx.state.auth?.scopes ?? [] };
    });
    router.get('/items', ko.requireScopes('read:items'), (ctx) => void (ctx.body = { ok: 'read' }));
    router.get(
      '/items/all',
      ko.requireScopes('read:items', 'write:items'),
      (ctx) => void (ctx.body = { ok: 'all' }),
    );
    router.post(
      '/items',
      ko.requireAnyScope('write:items', 'admin'),
      (ctx) => void (ctx.body = { ok: 'write' }),
    );
    router.get('/admin', ko.requireClaims({ role: 'admin' }), (ctx) => void (ctx.body = { ok: 'admin' }));
    router.get(
      '/tenant',
      ko.requireClaims<TenantClaims>(isTenantOne),
      (ctx) => void (ctx.body = { ok: 'tenant' }),
    );
    const writers = new Router({ prefix: '/router' });
    writers.use(ko.requireScopes('write:items'));
    writers.get('/x', (ctx) => void (ctx.body = { ok: 'router' }));
    app.use(ko.jwtGuard(scenario.verifier, guardArgs(scenario, getToken)));
    app.use(router.routes());
    app.use(writers.routes());
    return serve(createServer(app.callback()));
  },

  async 'hono (node-server)'(scenario) {
    return serve(createAdaptorServer({ fetch: honoApp(scenario).fetch }) as Server);
  },

  async 'hono (app.request)'(scenario) {
    const app = honoApp(scenario);
    return {
      origin: 'http://localhost',
      async send({ method, path, headers = [] }) {
        const res = await app.request(path, { method, headers: new Headers(headers) });
        return readFetchResponse(res);
      },
      async close() {},
    };
  },
};

function honoApp(scenario: Scenario): Hono<hn.OptionalJwtGuardEnv> {
  const app = new Hono<hn.OptionalJwtGuardEnv>();
  if (scenario.errors === 'custom') {
    app.onError((err, c) => {
      const guardError = hn.jwtGuardErrorOf(err);
      if (!guardError) throw err;
      return c.json({ custom: guardError.code }, guardError.status as 401, guardError.headers);
    });
  }
  const getToken = scenario.tokenHeader
    ? (c: HonoContext) => c.req.header(scenario.tokenHeader as string)
    : undefined;
  app.use(hn.jwtGuard(scenario.verifier, guardArgs(scenario, getToken)));
  app.options('/me', (c) => c.body(null, 204, { 'x-preflight': 'handled' }));
  app.get('/me', (c) => c.json({ sub: c.var.auth?.payload.sub ?? null, scopes: c.var.auth?.scopes ?? [] }));
  app.get('/items', hn.requireScopes('read:items'), (c) => c.json({ ok: 'read' }));
  app.get('/items/all', hn.requireScopes('read:items', 'write:items'), (c) => c.json({ ok: 'all' }));
  app.post('/items', hn.requireAnyScope('write:items', 'admin'), (c) => c.json({ ok: 'write' }));
  app.get('/admin', hn.requireClaims({ role: 'admin' }), (c) => c.json({ ok: 'admin' }));
  app.get('/tenant', hn.requireClaims<TenantClaims>(isTenantOne), (c) => c.json({ ok: 'tenant' }));
  const writers = new Hono<hn.OptionalJwtGuardEnv>();
  writers.use(hn.requireScopes('write:items'));
  writers.get('/x', (c) => c.json({ ok: 'router' }));
  app.route('/router', writers);
  return app;
}

async function serve(server: Server): Promise<Client> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async send({ method, path, headers = [] }) {
      let test = request(server)[method === 'GET' ? 'get' : method === 'POST' ? 'post' : 'options'](path);
      const grouped = new Map<string, string[]>();
      for (const [name, value] of headers) grouped.set(name, [...(grouped.get(name) ?? []), value]);
      // An array makes Node send the field once per value: how a repeated Authorization header is produced.
      // (superagent passes it to setHeader as is; its types only admit arrays for Cookie.)
      for (const [name, values] of grouped)
        test = test.set(name, (values.length === 1 ? values[0] : values) as string);
      const res = await test;
      const body = /json/.test(String(res.headers['content-type'])) ? res.body : res.text;
      return { status: res.status, headers: res.headers as Record<string, string>, body };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readFetchResponse(res: Response): Promise<TestResponse> {
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => (headers[name] = value));
  const text = await res.text();
  const body =
    /json/.test(headers['content-type'] ?? '') && text !== '' ? (JSON.parse(text) as unknown) : text;
  return { status: res.status, headers, body };
}
