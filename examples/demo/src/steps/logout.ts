// Logout revokes one session (its access token into the shared denylist, its refresh family); logout
// everywhere refuses every token the user holds, on every API, from the next request on.
import { logout, logoutEverywhere, refresh, signIn } from '../auth-client.js';
import { onEveryApi, type DemoContext } from '../context.js';
import { summary } from '../http.js';

const revoked = { status: 401, challenge: /error="invalid_token"/ };

export async function logoutSteps(context: DemoContext): Promise<void> {
  const { transcript, stack } = context;
  transcript.section('Logout');
  const bob = await signIn(stack.auth, 'bob');
  await onEveryApi(context, 'bob', '/items', 200, { token: bob.accessToken });
  const out = await logout(stack.auth, bob);
  transcript.expect('bob logs out: POST /logout', out.status, 200, summary(out));
  await onEveryApi(context, 'bob, same access token', '/items', revoked, { token: bob.accessToken });
  const refreshed = await refresh(stack.auth, bob.refreshToken);
  transcript.expect("bob's refresh token after logout", refreshed.status, 400, summary(refreshed));
}

export async function logoutEverywhereSteps(context: DemoContext): Promise<void> {
  const { transcript, stack, clock } = context;
  transcript.section('Logout everywhere');
  const laptop = await signIn(stack.auth, 'alice');
  const phone = await signIn(stack.auth, 'alice');
  transcript.note('alice is signed in on two devices');
  await onEveryApi(context, 'alice, phone', '/items', 200, { token: phone.accessToken });

  const out = await logoutEverywhere(stack.auth, laptop.accessToken);
  transcript.expect(
    'alice logs out everywhere from the laptop: POST /logout-everywhere',
    out.status,
    200,
    summary(out),
  );
  await onEveryApi(context, 'alice, laptop', '/items', revoked, { token: laptop.accessToken });
  await onEveryApi(context, 'alice, phone', '/items', revoked, { token: phone.accessToken });
  const refreshed = await refresh(stack.auth, phone.refreshToken);
  transcript.expect("the phone's refresh token", refreshed.status, 400, summary(refreshed));

  // The cutoff refuses tokens issued before it, not the user: a later sign-in works.
  clock.advance(2_000);
  const again = await signIn(stack.auth, 'alice');
  await onEveryApi(context, 'alice, signed in again', '/items', 200, { token: again.accessToken });
}
