// Calls to the auth server, as a client app would make them: log in with a password, refresh at the
// standard token endpoint (RFC 6749 §6), log out, log out everywhere.
import { DEMO_USERS, type AuthServer } from '@jwtguard-example/auth-server';
import { send, type Reply } from './http.js';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

export interface TokenReply extends Reply {
  /** The pair, when the call succeeded. */
  pair?: TokenPair;
}

function withPair(reply: Reply): TokenReply {
  const body = reply.body as { access_token?: unknown; refresh_token?: unknown } | null;
  if (reply.status !== 200 || typeof body?.access_token !== 'string') return reply;
  if (typeof body.refresh_token !== 'string') return reply;
  return { ...reply, pair: { accessToken: body.access_token, refreshToken: body.refresh_token } };
}

/** The demo user's password, as a person would type it. */
export function passwordOf(username: string): string {
  const user = DEMO_USERS.find((candidate) => candidate.username === username);
  if (!user) throw new Error(`no demo user ${username}`);
  return user.password;
}

export async function login(auth: AuthServer, username: string, password = passwordOf(username)) {
  return withPair(await send(`${auth.url}/login`, { json: { username, password } }));
}

export async function refresh(auth: AuthServer, refreshToken: string): Promise<TokenReply> {
  const form = { grant_type: 'refresh_token', client_id: auth.clientId, refresh_token: refreshToken };
  return withPair(await send(auth.issuer.tokenEndpoint, { form }));
}

export function logout(auth: AuthServer, pair: TokenPair): Promise<Reply> {
  return send(`${auth.url}/logout`, { token: pair.accessToken, json: { refresh_token: pair.refreshToken } });
}

export function logoutEverywhere(auth: AuthServer, accessToken: string): Promise<Reply> {
  return send(`${auth.url}/logout-everywhere`, { method: 'POST', token: accessToken });
}

/** Log in and return the pair, or throw: for steps where logging in is the setup, not the subject. */
export async function signIn(auth: AuthServer, username: string): Promise<TokenPair> {
  const reply = await login(auth, username);
  if (!reply.pair) throw new Error(`login of ${username} failed with ${reply.status}`);
  return reply.pair;
}
