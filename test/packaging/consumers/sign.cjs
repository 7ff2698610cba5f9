// Shared by the CommonJS and ESM consumers: an ES256 key pair and a signer using only node:crypto, so that
// the consumers depend on nothing but the installed tarballs (and their declared dependencies).
const { generateKeyPairSync, sign } = require('node:crypto');

const ISSUER = 'https://issuer.packaging.test';
const AUDIENCE = 'https://api.packaging.test';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid: 'packaging', alg: 'ES256' };

const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

function signToken(claims) {
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: ISSUER, aud: AUDIENCE, sub: 'consumer', iat: now, exp: now + 300, ...claims };
  const input = `${part({ alg: 'ES256', kid: 'packaging', typ: 'at+jwt' })}.${part(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

function assert(condition, message) {
  if (!condition) throw new Error(`packaging consumer: ${message}`);
}

// Serves a Node request listener on 127.0.0.1:0 for one request and returns status + challenge.
async function requestOnce(listener, headers = {}) {
  const { createServer } = require('node:http');
  const server = createServer(listener);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${server.address().port}/items`, { headers });
    return { status: res.status, challenge: res.headers.get('www-authenticate'), body: await res.text() };
  } finally {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  }
}

module.exports = { ISSUER, AUDIENCE, publicJwk, signToken, assert, requestOnce };
