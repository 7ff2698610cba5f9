// Push revocation (docs/revocation-feed.md): one more Express API that shares no denylist with the auth
// server (think another network, another company, a serverless function) keeps its own replica of the
// revocations from the issuer's signed event feed. A logout reaches it within the staleness bound.
import { createServer, type Server } from 'node:http';
import { createVerifier } from '@jwtguard/core';
import { createFeedDenylist } from '@jwtguard/feed';
import { DEFAULT_AUDIENCE, DEMO_FEED_CLIENT } from '@jwtguard-example/auth-server';
import { createApp as createExpressApp } from '@jwtguard-example/express-api';
import { logout, signIn } from '../auth-client.js';
import { observed, type DemoContext } from '../context.js';
import { send, summary, type Reply } from '../http.js';
import { listen, stop } from '../stack.js';

const revoked = { status: 401, challenge: /error="invalid_token"/ };
/** How long the feed API may take to refuse a logged-out token (the feed's own bound is 5 s of silence). */
const DEADLINE_MS = 2_000;
/** ready() waits as long as the issuer is unreachable; the demo reports that instead of hanging. */
const READY_TIMEOUT_MS = 5_000;

export async function pushRevocation(context: DemoContext): Promise<void> {
  const { transcript, stack, clock } = context;
  transcript.section('Push revocation: an API with no shared Redis learns of a logout over the feed');
  const url = stack.auth.issuer.revocationFeedEndpoint;
  if (url === undefined) throw new Error('the auth server has no revocation feed');
  const feed = createFeedDenylist({
    url,
    issuer: stack.auth.url,
    audience: DEFAULT_AUDIENCE,
    clientId: DEMO_FEED_CLIENT.id,
    clientSecret: DEMO_FEED_CLIENT.secret,
    // The demo clock, as the issuer's and the verifier's: revocations expire and staleness counts on it.
    clock: clock.now,
  });
  let server: Server | undefined;
  try {
    await withTimeout(feed.ready(), READY_TIMEOUT_MS, 'the feed snapshot did not arrive');
    const verifier = createVerifier({
      issuer: stack.auth.url,
      audience: DEFAULT_AUDIENCE,
      typ: 'at+jwt',
      denylist: feed,
      clock: clock.now,
    });
    server = createServer(createExpressApp(verifier));
    const api = `${await listen(server)}/items`;
    transcript.note(`feed-api     ${api.replace(/\/items$/, '')}`);
    transcript.note(`denylist     its own replica, from ${url} (${feed.status().entries} live revocations)`);

    const bob = await signIn(stack.auth, 'bob');
    const before = await send(api, { token: bob.accessToken });
    transcript.expect('bob: GET /items → feed-api', before.status, 200, summary(before));
    const out = await logout(stack.auth, bob);
    transcript.expect('bob logs out: POST /logout', out.status, 200, summary(out));

    // The revocation travels as a signed event; poll until the replica has it (or the deadline passes).
    const started = Date.now();
    let reply: Reply;
    for (;;) {
      reply = await send(api, { token: bob.accessToken });
      if (reply.status !== 200 || Date.now() - started >= DEADLINE_MS) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const elapsed = Date.now() - started;
    transcript.expect(
      `bob, same access token: GET /items → feed-api within ${DEADLINE_MS} ms`,
      observed(reply, revoked),
      revoked.status,
      `after ${elapsed} ms; ${summary(reply)}`,
    );
  } finally {
    if (server) await stop(server);
    await feed.close();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
