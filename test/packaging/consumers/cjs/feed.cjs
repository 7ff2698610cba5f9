// An RFC 8935 push of a SET into a memory denylist, through the packed @jwtguard/feed (CommonJS); the feed
// denylist itself needs an issuer to subscribe to, which the package's own tests cover: here its option
// check only.
const { createSetReceiver, createFeedDenylist, TOKEN_REVOKED } = require('@jwtguard/feed');
const { createMemoryDenylist } = require('@jwtguard/core');
const { generateKeyPairSync, sign } = require('node:crypto');
const { ISSUER, AUDIENCE, assert } = require('../sign.cjs');

const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const input = `${part({ alg: 'ES256', kid: 'set', typ: 'secevent+jwt' })}.${part({
  iss: ISSUER,
  aud: AUDIENCE,
  iat: now,
  jti: 'set-1',
  events: { [TOKEN_REVOKED]: { iss: ISSUER, jti: 'token-1', exp: now + 300 } },
})}`;
const set = `${input}.${sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;

(async () => {
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
    payload: { iss: ISSUER, jti: 'token-1' },
    scopes: [],
    issuer: ISSUER,
  };
  assert(denylist.isRevoked(token) === true, 'revocation applied');
  let refused;
  try {
    createFeedDenylist({
      url: 'http://127.0.0.1:1/revocations',
      issuer: ISSUER,
      audience: AUDIENCE,
      clientId: 'a',
      clientSecret: 'b',
      maxStalness: '1s',
    });
  } catch (error) {
    refused = error;
  }
  assert(refused && /maxStaleness/.test(refused.message), 'unknown option refused');
  console.log('ok feed');
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
