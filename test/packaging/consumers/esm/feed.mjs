// The packed @jwtguard/feed from ESM: an RFC 8935 push of a SET into a memory denylist.
import { createSetReceiver, createFeedDenylist, SESSION_REVOKED } from '@jwtguard/feed';
import { createMemoryDenylist } from '@jwtguard/core';
import { generateKeyPairSync, sign } from 'node:crypto';
import helpers from '../sign.cjs';

const { ISSUER, AUDIENCE, assert } = helpers;
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const input = `${part({ alg: 'ES256', kid: 'set', typ: 'secevent+jwt' })}.${part({
  iss: ISSUER,
  aud: AUDIENCE,
  iat: now,
  jti: 'set-2',
  events: {
    [SESSION_REVOKED]: { subject: { format: 'iss_sub', iss: ISSUER, sub: 'alice' }, event_timestamp: now },
  },
})}`;
const set = `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;

const denylist = createMemoryDenylist();
const keys = { ...publicKey.export({ format: 'jwk' }), kid: 'set', alg: 'ES256' };
const receiver = createSetReceiver({ issuer: ISSUER, audience: AUDIENCE, keys, denylist });
const response = await receiver(
  new Request('http://127.0.0.1/events', {
    method: 'POST',
    headers: { 'Content-Type': 'application/secevent+jwt' },
    body: set,
  }),
);
assert(response.status === 202, `SET accepted (got ${response.status})`);
const token = {
  token: 'a.b.c',
  header: { alg: 'ES256' },
  payload: { iss: ISSUER, sub: 'alice', jti: 'x', iat: now - 60 },
  scopes: [],
  issuer: ISSUER,
};
assert(denylist.isRevoked(token) === true, 'subject cutoff applied');
assert(typeof createFeedDenylist === 'function', 'createFeedDenylist is exported');
console.log('ok feed');
