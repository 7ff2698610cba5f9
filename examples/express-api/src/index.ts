// The sample API on Express: one guard for everything after /public, one check per route. Errors leave as
// JSON `{ error, error_description }` with the RFC 6750 status and WWW-Authenticate challenge.
import express, { type ErrorRequestHandler, type Express } from 'express';
import {
  jwtErrorHandler,
  jwtGuard,
  requireClaims,
  requireScopes,
  type Verifier,
  type VerifierOptions,
} from '@jwtguard/express';
import { createItemStore, parseNewItem } from '@jwtguard-example/items';

/** Builds the sample API. Pass verifier options (one verifier is built here) or a shared Verifier. */
export function createApp(guard: VerifierOptions | Verifier): Express {
  const app = express();
  const items = createItemStore();
  app.disable('x-powered-by');

  app.get('/public', (_req, res) => {
    res.json({ message: 'Anyone can read this.' });
  });

  // Every route declared below needs a valid access token.
  app.use(jwtGuard(guard));

  app.get('/items', requireScopes('read:items'), (_req, res) => {
    res.json({ items: items.list() });
  });

  app.post('/items', requireScopes('write:items'), express.json({ limit: '16kb' }), (req, res) => {
    const input = parseNewItem(req.body);
    if (typeof input === 'string') {
      res.status(400).json({ error: 'invalid_request', error_description: input });
      return;
    }
    res.status(201).json(items.add(input, req.auth?.payload.sub));
  });

  // An admin is recognised by a claim, not a scope: `roles` is "admin" or an array including it.
  app.get('/admin', requireClaims({ roles: 'admin' }), (req, res) => {
    res.json({ message: `Welcome, administrator ${req.auth?.payload.sub ?? ''}`.trim() });
  });

  app.get('/me', (req, res) => {
    res.json({ sub: req.auth?.payload.sub, scopes: req.auth?.scopes ?? [] });
  });

  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found', error_description: 'No such route' });
  });
  app.use(jwtErrorHandler());
  app.use(fallbackErrorHandler);
  return app;
}

// Anything that is not a jwtguard error (a malformed JSON body, a bug) still answers in the same JSON shape,
// without leaking the message of an unexpected error.
const fallbackErrorHandler: ErrorRequestHandler = (err: unknown, _req, res, next) => {
  if (res.headersSent) return next(err);
  const status = httpStatusOf(err);
  if (status < 500) {
    res
      .status(status)
      .json({ error: 'invalid_request', error_description: 'The request could not be parsed' });
  } else {
    res.status(500).json({ error: 'server_error', error_description: 'Internal server error' });
  }
};

function httpStatusOf(err: unknown): number {
  const status = (err as { status?: unknown } | null)?.status;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
