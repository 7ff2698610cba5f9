// Runs on Node, Bun and Deno unchanged: a Hono app guarded by @jwtguard/hono with a static ES256 key, driven
// through `app.request()` (no server, no network). Prints one JSON line of results; runtimes.test.ts runs it
// on each runtime against the *built* packages and compares. Web-standard APIs only (crypto.subtle, TextEncoder,
// btoa), because that is the promise of core and the Hono adapter.
import { Hono } from 'hono';
import { createVerifier, jwtGuard, requireScopes, type JwtGuardEnv } from '@jwtguard/hono';

const ISSUER = 'https://issuer.runtime.test';
const AUDIENCE = 'https://api.runtime.test';

export interface CaseResult {
  status: number;
  challenge: string | null;
  body: unknown;
}

export interface RuntimeReport {
  runtime: string;
  results: Record<string, CaseResult>;
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const encodeJson = (value: unknown): string => base64url(new TextEncoder().encode(JSON.stringify(value)));

function runtimeName(): string {
  const g = globalThis as { Bun?: { version: string }; Deno?: { version: { deno: string } } };
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  return `node ${(globalThis as { process?: { version: string } }).process?.version ?? '?'}`;
}

export async function run(): Promise<RuntimeReport> {
  const { privateKey, publicKey } = (await crypto.subtle.generateKey(
    { name: 'ECDSA', namedCurve: 'P-256' },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  const jwk = { ...(await crypto.subtle.exportKey('jwk', publicKey)), kid: 'runtime-key', alg: 'ES256' };

  // RFC 7515 compact JWS; Web Crypto's ECDSA signature is already the raw r||s form JWS wants (RFC 7518 §3.4).
  const sign = async (claims: Record<string, unknown>): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: ISSUER, aud: AUDIENCE, sub: 'runtime-user', iat: now, exp: now + 300, ...claims };
    const input = `${encodeJson({ alg: 'ES256', kid: 'runtime-key', typ: 'at+jwt' })}.${encodeJson(payload)}`;
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      privateKey,
      new TextEncoder().encode(input),
    );
    return `${input}.${base64url(new Uint8Array(signature))}`;
  };

  const app = new Hono<JwtGuardEnv>();
  app.use(jwtGuard(createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: jwk })));
  app.get('/items', requireScopes('read:items'), (c) =>
    c.json({ sub: c.var.auth.payload.sub, scopes: c.var.auth.scopes }),
  );

  const now = Math.floor(Date.now() / 1000);
  const cases: Record<string, Record<string, string>> = {
    valid: { Authorization: `Bearer ${await sign({ scope: 'read:items' })}` },
    missing: {},
    malformed: { Authorization: 'Bearer two tokens' },
    expired: {
      Authorization: `Bearer ${await sign({ scope: 'read:items', iat: now - 900, exp: now - 600 })}`,
    },
    wrongAudience: {
      Authorization: `Bearer ${await sign({ scope: 'read:items', aud: 'https://other.test' })}`,
    },
    insufficientScope: { Authorization: `Bearer ${await sign({ scope: 'write:items' })}` },
  };

  const results: Record<string, CaseResult> = {};
  for (const [name, headers] of Object.entries(cases)) {
    const res = await app.request('/items', { headers });
    results[name] = {
      status: res.status,
      challenge: res.headers.get('www-authenticate'),
      body: await res.json(),
    };
  }
  return { runtime: runtimeName(), results };
}

console.log(JSON.stringify(await run()));
