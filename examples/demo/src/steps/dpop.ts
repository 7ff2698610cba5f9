// Sender-constrained tokens (DPoP, RFC 9449): a token bound to the client's key at login works only with a
// fresh proof made by that key, so a copy of the token (a log line, a proxy, a browser extension) is useless.
import { createDpopKey } from '../dpop-client.js';
import { passwordOf } from '../auth-client.js';
import type { DemoContext } from '../context.js';
import { send, summary } from '../http.js';

export async function dpopBinding(context: DemoContext): Promise<void> {
  const { transcript, stack, clock } = context;
  transcript.section('DPoP: a token bound to the client key is useless without it');
  const key = createDpopKey(clock.now);
  const loginUrl = `${stack.auth.url}/login`;
  const signedIn = await send(loginUrl, {
    json: { username: 'bob', password: passwordOf('bob') },
    dpop: key.proof('POST', loginUrl),
  });
  const body = signedIn.body as { access_token?: string; token_type?: string } | null;
  transcript.expect(
    'bob logs in with a DPoP proof: token_type',
    String(body?.token_type),
    'DPoP',
    summary(signedIn),
  );
  const token = body?.access_token;
  if (typeof token !== 'string') return;

  for (const api of stack.apis) {
    const url = `${api.url}/items`;
    const reply = await send(url, { token, dpop: key.proof('GET', url, token) });
    transcript.expect(`bob, with his key: GET /items → ${api.name}`, reply.status, 200, summary(reply));
  }
  transcript.note('a copy of the token leaks (a log line); the thief has no private key...');
  const thief = createDpopKey(clock.now);
  for (const api of stack.apis) {
    const url = `${api.url}/items`;
    const asBearer = await send(url, { token });
    transcript.expect(`thief, token as Bearer → ${api.name}`, asBearer.status, 401, summary(asBearer));
    const ownProof = await send(url, { token, dpop: thief.proof('GET', url, token) });
    transcript.expect(`thief, proof by another key → ${api.name}`, ownProof.status, 401, summary(ownProof));
  }
  // A captured proof is bound to one request and used once: replaying it is refused too.
  const url = `${stack.apis[0]?.url}/items`;
  const proof = key.proof('GET', url, token);
  const first = await send(url, { token, dpop: proof });
  const replay = await send(url, { token, dpop: proof });
  transcript.expect('the same proof sent twice: first', first.status, 200, summary(first));
  transcript.expect('the same proof sent twice: replay', replay.status, 401, summary(replay));
}
