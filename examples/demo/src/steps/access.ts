// Who may call what: a valid call, no token, a missing scope, the admin route granted by a claim, a wrong
// password at login, and a token that has expired.
import { login, signIn } from '../auth-client.js';
import { MINUTE } from '../clock.js';
import { onEveryApi, type DemoContext } from '../context.js';
import { summary } from '../http.js';

export async function accessControl(context: DemoContext): Promise<void> {
  const { transcript, stack } = context;
  transcript.section('Access control: Express, Koa and Hono give the same answers');

  const wrong = await login(stack.auth, 'alice', 'not-her-password');
  transcript.expect('alice with a wrong password: POST /login', wrong.status, 401, summary(wrong));

  const alice = await signIn(stack.auth, 'alice');
  const bob = await signIn(stack.auth, 'bob');
  const carol = await signIn(stack.auth, 'carol');
  transcript.note('alice: read:items write:items · bob: read:items · carol: read:items, roles ["admin"]');

  await onEveryApi(context, 'alice', '/items', 200, { token: alice.accessToken });
  await onEveryApi(context, 'no token', '/items', { status: 401, challenge: /^Bearer\b/ });
  await onEveryApi(
    context,
    'bob (no write:items)',
    '/items',
    { status: 403, challenge: /^(?=.*error="insufficient_scope")(?=.*scope="write:items")/ },
    { token: bob.accessToken, json: { name: "bob's item" } },
  );
  await onEveryApi(context, 'alice', '/items', 201, {
    token: alice.accessToken,
    json: { name: "alice's item" },
  });
  await onEveryApi(context, 'carol (roles: admin)', '/admin', 200, { token: carol.accessToken });
  await onEveryApi(
    context,
    'alice (no admin role)',
    '/admin',
    { status: 403, challenge: /error="insufficient_scope"/ },
    { token: alice.accessToken },
  );
}

export async function expiredToken(context: DemoContext): Promise<void> {
  const { transcript, stack, clock } = context;
  transcript.section('An expired token');
  const alice = await signIn(stack.auth, 'alice');
  await onEveryApi(context, 'alice, token just issued', '/items', 200, { token: alice.accessToken });
  clock.advance(16 * MINUTE);
  transcript.note('16 minutes later (access tokens live 15 minutes)...');
  await onEveryApi(
    context,
    'alice, same token',
    '/items',
    {
      status: 401,
      challenge: /error="invalid_token"/,
    },
    { token: alice.accessToken },
  );
}
