// Refresh-token rotation and reuse detection (OAuth 2.0 Security BCP, RFC 9700 §4.14.2): each refresh
// returns a new pair and retires the presented token; presenting a retired token again means it leaked,
// so the whole family is revoked, with the access tokens issued from it.
import { refresh, signIn } from '../auth-client.js';
import { onEveryApi, type DemoContext } from '../context.js';
import { summary } from '../http.js';

export async function refreshRotation(context: DemoContext): Promise<void> {
  const { transcript, stack } = context;
  transcript.section('Refresh-token rotation and reuse detection');
  const first = await signIn(stack.auth, 'alice');

  const rotated = await refresh(stack.auth, first.refreshToken);
  const second = rotated.pair;
  transcript.expect(
    'alice refreshes: POST /token grant_type=refresh_token',
    rotated.status,
    200,
    second && second.refreshToken !== first.refreshToken
      ? 'a new access and refresh token'
      : summary(rotated),
  );
  if (!second) return;
  await onEveryApi(context, 'alice, new access token', '/items', 200, { token: second.accessToken });

  const reused = await refresh(stack.auth, first.refreshToken);
  transcript.expect('the old refresh token presented again (stolen?)', reused.status, 400, summary(reused));
  const afterReuse = await refresh(stack.auth, second.refreshToken);
  transcript.expect('the newer refresh token, same family', afterReuse.status, 400, summary(afterReuse));
  await onEveryApi(
    context,
    'alice, access token of the revoked family',
    '/items',
    { status: 401, challenge: /error="invalid_token"/ },
    { token: second.accessToken },
  );
}
