// The hostile-token suite (RFC 8725). Exported as a function over a `createVerifier`-like factory so
// every crypto path (Web Crypto, a node:crypto fast path, a token cache) is held to the same decisions.
// Each case builds the attacker's exact bytes by hand (forge.ts) and expects a 401 invalid_token with a
// stable code, never a crash, and a description that does not echo the token.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JwtGuardError, Verifier, VerifierOptions } from '../../src/index.js';
import { b64url, forge, hmacSigner, segment } from './forge.js';
import { AUDIENCE, ISSUER, NOW, NOW_MS, claims, makeKey, signToken, type TestKey } from './keys.js';

export type VerifierFactory = (options: VerifierOptions) => Verifier;

const clock = (): number => NOW_MS;

export function securityCases(createVerifier: VerifierFactory): void {
  let rsa: TestKey;
  let ec: TestKey;
  let attacker: TestKey;
  let rsaVerifier: Verifier;
  let ecVerifier: Verifier;

  beforeAll(async () => {
    rsa = await makeKey('RS256', 'rsa-1');
    ec = await makeKey('ES256', 'ec-1');
    attacker = await makeKey('ES256', 'ec-1');
    rsaVerifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: rsa.pem, clock });
    ecVerifier = createVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: ec.jwk, clock, typ: 'at+jwt' });
  });

  /** Expect a safe 401 invalid_token with `code`, whose client-facing text does not contain the token. */
  async function rejects(verifier: Verifier, token: string, code: string | RegExp): Promise<JwtGuardError> {
    const error = (await verifier.verify(token).then(
      () => {
        throw new Error(`token was accepted; expected ${String(code)}`);
      },
      (e: unknown) => e,
    )) as JwtGuardError;
    expect(error.status).toBe(401);
    expect(error.error).toBe('invalid_token');
    if (typeof code === 'string') expect(error.code).toBe(code);
    else expect(error.code).toMatch(code);
    const shown = `${error.description} ${error.message} ${JSON.stringify(error.toJSON())} ${JSON.stringify(error.headers)}`;
    for (const part of token.split('.')) if (part.length > 8) expect(shown).not.toContain(part);
    return error;
  }

  test('control: the legitimate tokens verify', async () => {
    await expect(rsaVerifier.verify(await signToken(rsa))).resolves.toMatchObject({ issuer: ISSUER });
    await expect(ecVerifier.verify(await signToken(ec))).resolves.toMatchObject({ issuer: ISSUER });
  });

  describe('alg', () => {
    test.each(['none', 'None', 'NONE', 'nOnE', 'noNe'])(
      'alg %s is refused, with or without a signature',
      async (alg) => {
        const header = { alg, typ: 'at+jwt' };
        const unsigned = `${segment(header)}.${segment(claims())}.`;
        await rejects(ecVerifier, unsigned, 'ERR_JWT_MALFORMED');
        await rejects(ecVerifier, `${segment(header)}.${segment(claims())}.AAAA`, 'ERR_JOSE_ALG_NOT_ALLOWED');
        await rejects(
          rsaVerifier,
          `${segment(header)}.${segment(claims())}.AAAA`,
          'ERR_JOSE_ALG_NOT_ALLOWED',
        );
      },
    );

    test('RS256→HS256: HMAC keyed with the public key (PEM, DER, JWK) is refused', async () => {
      const secrets = [
        new TextEncoder().encode(rsa.pem),
        new TextEncoder().encode((rsa.pem as string).trim()),
        new TextEncoder().encode(JSON.stringify(rsa.jwk)),
        new Uint8Array(rsa.keyObject?.export({ format: 'der', type: 'spki' }) as Buffer),
      ];
      // Even when HS256 is (wrongly) allowed next to an RSA key, the RSA key cannot verify HS256.
      const permissive = createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: rsa.pem,
        algorithms: ['RS256', 'HS256'],
        clock,
      });
      for (const secret of secrets) {
        const token = await forge({
          header: { alg: 'HS256', kid: rsa.kid },
          payload: claims(),
          signer: await hmacSigner(secret),
        });
        await rejects(rsaVerifier, token, 'ERR_JOSE_ALG_NOT_ALLOWED');
        await rejects(permissive, token, 'ERR_JWKS_NO_MATCHING_KEY');
      }
    });

    test('an algorithm the key cannot do (ES256 token for an RSA verifier) is refused', async () => {
      await rejects(rsaVerifier, await signToken(ec), 'ERR_JOSE_ALG_NOT_ALLOWED');
    });

    test.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', '', 'rs256', 'RS256 '])(
      'alg %j is refused',
      async (alg) => {
        const token = await forge({ header: { alg }, payload: claims(), signer: rsa.signer });
        await rejects(rsaVerifier, token, /^ERR_(JOSE_ALG_NOT_ALLOWED|JWS_INVALID)$/);
      },
    );

    test('alg that is not a string is refused', async () => {
      for (const alg of [null, 1, ['RS256'], { RS256: true }]) {
        const token = await forge({ header: { alg }, payload: claims(), signer: rsa.signer });
        await rejects(rsaVerifier, token, 'ERR_JWS_INVALID');
      }
    });
  });

  describe('keys', () => {
    test('a foreign key with a known kid is refused', async () => {
      expect(attacker.kid).toBe(ec.kid);
      await rejects(ecVerifier, await signToken(attacker), 'ERR_JWS_SIGNATURE_INVALID');
    });

    test('embedded jwk, jku, x5u, x5c are ignored and never fetched', async () => {
      let requests = 0;
      const server: Server = createServer((_req, res) => {
        requests++;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [attacker.jwk] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
        const headers = [
          { jwk: attacker.jwk },
          { jku: url },
          { x5u: url },
          { x5c: [b64url(new Uint8Array(64).fill(7))] },
          { jwk: attacker.jwk, kid: undefined },
          { jku: url, kid: 'unknown-kid' },
        ];
        for (const extra of headers) {
          const token = await signToken(attacker, claims(), extra);
          await rejects(ecVerifier, token, /^ERR_(JWS_SIGNATURE_INVALID|JWKS_NO_MATCHING_KEY)$/);
        }
        // A legitimately signed token carrying the same members still verifies: they are ignored, not trusted.
        await expect(
          ecVerifier.verify(await signToken(ec, claims(), { jku: url, jwk: attacker.jwk })),
        ).resolves.toBeDefined();
        expect(requests).toBe(0);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    test.each([['__proto__'], ['constructor'], ['toString']])(
      'kid %s finds no key and does not crash',
      async (kid) => {
        const token = await signToken(attacker, claims(), { kid });
        await rejects(ecVerifier, token, /^ERR_(JWKS_NO_MATCHING_KEY|JWS_SIGNATURE_INVALID)$/);
      },
    );

    test('kid that is not a string is refused', async () => {
      for (const kid of [1, null, ['ec-1'], { toString: 'ec-1' }]) {
        await rejects(ecVerifier, await signToken(ec, claims(), { kid }), 'ERR_JWS_INVALID');
      }
    });
  });

  describe('header members', () => {
    test.each([
      ['unknown crit', { crit: ['urn:example:x'], 'urn:example:x': 1 }],
      ['empty crit', { crit: [] }],
      ['crit not an array', { crit: 'exp' }],
      ['crit naming a registered member', { crit: ['alg'] }],
      ['b64 false with crit', { crit: ['b64'], b64: false }],
      ['b64 false without crit', { b64: false }],
      ['nested cty JWT', { cty: 'JWT' }],
      ['nested cty application/jwt', { cty: 'application/JWT' }],
      ['cty not a string', { cty: 5 }],
    ])('%s is refused even when correctly signed', async (_name, extra) => {
      await rejects(ecVerifier, await signToken(ec, claims(), extra), 'ERR_JWS_INVALID');
    });

    test.each([['JWT'], ['jwt'], ['application/jwt'], [undefined], ['at+jwt '], [''], ['JOSE']])(
      'typ %j is refused where at+jwt is required',
      async (typ) => {
        await rejects(ecVerifier, await signToken(ec, claims(), { typ }), 'ERR_JWT_CLAIM_INVALID');
      },
    );

    test.each([['at+jwt'], ['AT+JWT'], ['application/at+jwt'], ['Application/At+JWT']])(
      'typ %j is accepted',
      async (typ) => {
        await expect(ecVerifier.verify(await signToken(ec, claims(), { typ }))).resolves.toBeDefined();
      },
    );
  });

  describe('encoding', () => {
    test('padding, whitespace and non-url base64 in the signature are refused', async () => {
      const token = await signToken(ec);
      const [h, p, s] = token.split('.') as [string, string, string];
      const variants = [
        `${h}.${p}.${s}=`,
        `${h}.${p}.${s}==`,
        `${h}.${p}. ${s}`,
        `${h}.${p}.${s} `,
        `${h}.${p}.${s}\n`,
        `${h}.${p}.${s.slice(0, 10)} ${s.slice(10)}`,
        `${h}.${p}.${s.replace(/-/g, '+').replace(/_/g, '/')}${/[-_]/.test(s) ? '' : '+'}`,
        ` ${token}`,
        `${h}=.${p}.${s}`,
        `${h}.${p}=.${s}`,
      ];
      for (const variant of variants) await rejects(ecVerifier, variant, 'ERR_JWT_MALFORMED');
    });

    test('a signature with non-zero unused trailing bits (malleable spelling) is refused', async () => {
      const token = await signToken(ec);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(token[token.length - 1] as string);
      // 64-byte ES256 signature → 86 chars, the last carrying 4 unused bits: flip one of them.
      const twin = token.slice(0, -1) + alphabet[last ^ 1];
      await rejects(ecVerifier, twin, 'ERR_JWT_MALFORMED');
    });

    test('segment counts other than three are refused; JWE (five) explicitly', async () => {
      const token = await signToken(ec);
      const [h, p, s] = token.split('.') as [string, string, string];
      await rejects(ecVerifier, `${h}.${p}`, 'ERR_JWT_MALFORMED');
      await rejects(ecVerifier, `${token}.${s}`, 'ERR_JWT_MALFORMED');
      await rejects(ecVerifier, `${h}..${s}`, 'ERR_JWT_MALFORMED');
      await rejects(ecVerifier, `.${p}.${s}`, 'ERR_JWT_MALFORMED');
      await rejects(ecVerifier, '', 'ERR_JWT_MALFORMED');
      const jwe = `${segment({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.${b64url('k'.repeat(32))}.${b64url('iv')}.${b64url('ct')}.${b64url('tag')}`;
      await rejects(ecVerifier, jwe, 'ERR_JWS_INVALID');
    });

    test('an oversized token is refused before decoding; maxTokenLength raises the cap', async () => {
      const big = await signToken(ec, claims({ pad: 'x'.repeat(9000) }));
      await rejects(ecVerifier, big, 'ERR_JWT_TOO_LARGE');
      await rejects(ecVerifier, 'A'.repeat(10 * 1024 * 1024), 'ERR_JWT_TOO_LARGE');
      const roomy = createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: ec.jwk,
        clock,
        maxTokenLength: 16384,
      });
      await expect(roomy.verify(big)).resolves.toBeDefined();
    });

    test.each([
      ['an array', '[1,2]'],
      ['null', 'null'],
      ['a number', '123'],
      ['a string', '"header"'],
      ['invalid JSON', '{"alg":"ES256",}'],
      ['JSON with a trailing comment', '{"alg":"ES256"}//'],
    ])('a header that is %s is refused', async (_name, header) => {
      const token = await forge({ header, payload: claims(), signer: ec.signer });
      await rejects(ecVerifier, token, 'ERR_JWT_MALFORMED');
    });

    test('a payload that is not a JSON object, or not UTF-8, is refused', async () => {
      for (const payload of ['[]', 'true', '"x"', '{']) {
        await rejects(
          ecVerifier,
          await forge({ header: { alg: 'ES256', typ: 'at+jwt' }, payload, signer: ec.signer }),
          'ERR_JWT_MALFORMED',
        );
      }
      const invalidUtf8 = `${segment({ alg: 'ES256', typ: 'at+jwt' })}.${b64url(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))}`;
      const signed = `${invalidUtf8}.${b64url(await ec.signer(new TextEncoder().encode(invalidUtf8)))}`;
      await rejects(ecVerifier, signed, 'ERR_JWT_MALFORMED');
    });
  });

  describe('duplicate members and prototype keys', () => {
    const payloadJson = (inner: string): string =>
      `{"iss":"${ISSUER}","aud":"${AUDIENCE}","exp":${NOW + 600},"iat":${NOW - 10},${inner}}`;

    test.each([
      [
        'duplicate alg in the header',
        '{"alg":"ES256","alg":"none","typ":"at+jwt"}',
        payloadJson('"sub":"a"'),
      ],
      ['duplicate sub', '{"alg":"ES256","typ":"at+jwt"}', payloadJson('"sub":"a","sub":"admin"')],
      ['duplicate iss', '{"alg":"ES256","typ":"at+jwt"}', payloadJson(`"iss":"https://evil.test/"`)],
      [
        'duplicate via escapes',
        '{"alg":"ES256","typ":"at+jwt"}',
        payloadJson('"sub":"a","\\u0073ub":"admin"'),
      ],
      ['duplicate in a nested object', '{"alg":"ES256","typ":"at+jwt"}', payloadJson('"cnf":{"x":1,"x":2}')],
      ['__proto__ member', '{"alg":"ES256","typ":"at+jwt"}', payloadJson('"__proto__":{"admin":true}')],
      [
        '__proto__ in the header',
        '{"alg":"ES256","typ":"at+jwt","__proto__":{"alg":"none"}}',
        payloadJson('"sub":"a"'),
      ],
    ])('%s is refused even when correctly signed', async (_name, header, payload) => {
      const token = await forge({ header, payload, signer: ec.signer });
      await rejects(ecVerifier, token, 'ERR_JWT_MALFORMED');
    });

    test('the same member names inside an array of objects are not duplicates', async () => {
      const token = await forge({
        header: '{"alg":"ES256","typ":"at+jwt"}',
        payload: payloadJson('"sub":"a","list":[{"x":1},{"x":2}],"s":"\\"x\\":"'),
        signer: ec.signer,
      });
      await expect(ecVerifier.verify(token)).resolves.toMatchObject({ payload: { sub: 'a' } });
    });

    test.each([['__proto__'], ['constructor'], ['toString'], ['hasOwnProperty']])(
      'iss %s is refused',
      async (iss) => {
        await rejects(ecVerifier, await signToken(ec, claims({ iss })), 'ERR_JWT_CLAIM_INVALID');
      },
    );
  });

  describe('claims', () => {
    test.each([
      ['exp as a string', { exp: String(NOW + 600) }],
      ['exp null', { exp: null }],
      ['exp boolean', { exp: true }],
      ['exp an array', { exp: [NOW + 600] }],
      ['exp missing', { exp: undefined }],
      ['nbf as a string', { nbf: '0' }],
      ['iat as a string', { iat: String(NOW) }],
      ['iat in the future', { iat: NOW + 3600 }],
      ['sub not a string', { sub: 42 }],
      ['jti not a string', { jti: { id: 1 } }],
    ])('%s is refused', async (_name, overrides) => {
      await rejects(ecVerifier, await signToken(ec, claims(overrides)), 'ERR_JWT_CLAIM_INVALID');
    });

    test('exp, nbf or iat of 1e400 (Infinity after parsing) is not a NumericDate', async () => {
      for (const member of ['"exp":1e400', '"exp":-1e400', '"nbf":-1e400', '"iat":-1e400']) {
        const base = { ...claims(), exp: undefined, nbf: undefined, iat: undefined };
        const others = Object.entries({ ...base, exp: NOW + 600 })
          .filter(([k, v]) => v !== undefined && !member.includes(`"${k}"`))
          .map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
        const payload = `{${[...others, member].join(',')}}`;
        const token = await forge({ header: { alg: 'ES256', typ: 'at+jwt' }, payload, signer: ec.signer });
        await rejects(ecVerifier, token, 'ERR_JWT_CLAIM_INVALID');
      }
    });

    test('expired and not-yet-valid tokens are refused', async () => {
      await rejects(ecVerifier, await signToken(ec, claims({ exp: NOW - 6 })), 'ERR_JWT_EXPIRED');
      await rejects(ecVerifier, await signToken(ec, claims({ nbf: NOW + 6 })), 'ERR_JWT_NOT_YET_VALID');
    });

    test.each([
      ['aud missing', { aud: undefined }],
      ['aud empty array', { aud: [] }],
      ['aud another API', { aud: 'https://other.test' }],
      ['aud differs in case', { aud: AUDIENCE.toUpperCase() }],
      ['aud with a trailing slash', { aud: `${AUDIENCE}/` }],
      ['aud array without ours', { aud: ['https://other.test', 'x'] }],
      ['aud array with a non-string', { aud: [AUDIENCE, 1] }],
      ['aud an object', { aud: { [AUDIENCE]: true } }],
      ['iss missing', { iss: undefined }],
      ['iss without its trailing slash', { iss: ISSUER.slice(0, -1) }],
      ['iss in another case', { iss: ISSUER.toUpperCase() }],
      ['iss with whitespace', { iss: ` ${ISSUER}` }],
      ['iss as an array', { iss: [ISSUER] }],
    ])('%s is refused', async (_name, overrides) => {
      await rejects(ecVerifier, await signToken(ec, claims(overrides)), 'ERR_JWT_CLAIM_INVALID');
    });

    test('aud array containing ours is accepted', async () => {
      await expect(
        ecVerifier.verify(await signToken(ec, claims({ aud: ['https://other.test', AUDIENCE] }))),
      ).resolves.toBeDefined();
    });
  });

  describe('signatures', () => {
    test('ECDSA all-zero signature (CVE-2022-21449) and wrong-length signatures are refused', async () => {
      const token = await signToken(ec);
      const input = token.slice(0, token.lastIndexOf('.'));
      for (const bytes of [
        new Uint8Array(64),
        new Uint8Array(63).fill(1),
        new Uint8Array(72).fill(1),
        new Uint8Array(1),
      ]) {
        await rejects(ecVerifier, `${input}.${b64url(bytes)}`, 'ERR_JWS_SIGNATURE_INVALID');
      }
    });

    test('a signature from another token of the same key does not transfer', async () => {
      const a = await signToken(ec, claims({ sub: 'a' }));
      const b = await signToken(ec, claims({ sub: 'admin' }));
      const spliced = `${b.slice(0, b.lastIndexOf('.'))}${a.slice(a.lastIndexOf('.'))}`;
      await rejects(ecVerifier, spliced, 'ERR_JWS_SIGNATURE_INVALID');
    });
  });

  describe('never a crash', () => {
    test('non-JOSE exceptions from hooks become invalid_token without their message', async () => {
      const verifier = createVerifier({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: ec.jwk,
        clock,
        validate: () => {
          throw new RangeError('Maximum call stack size exceeded at secret.js:1');
        },
      });
      const error = await rejects(verifier, await signToken(ec), 'ERR_JWT_VALIDATION_FAILED');
      expect(error.description).not.toContain('secret.js');
    });

    test('deeply nested JSON within the size cap is handled', async () => {
      const payload = `{"iss":"${ISSUER}","aud":"${AUDIENCE}","exp":${NOW + 600},"deep":${'['.repeat(2500)}${']'.repeat(2500)}}`;
      const token = await forge({ header: { alg: 'ES256', typ: 'at+jwt' }, payload, signer: ec.signer });
      await expect(ecVerifier.verify(token)).resolves.toBeDefined();
    });

    test('garbage of every shape is a 401, never a throw of another kind', async () => {
      const inputs = [
        '.',
        '..',
        '...',
        'a.b.c',
        '\u0000.\u0000.\u0000',
        'ey.ey.ey',
        `${segment('{}')}.${segment('{}')}.AAAA`,
        '🙂.🙂.🙂',
      ];
      for (const input of inputs) {
        const error = (await ecVerifier.verify(input).catch((e: unknown) => e)) as JwtGuardError;
        expect(error.status).toBe(401);
        expect(error.error).toBe('invalid_token');
      }
    });
  });
}
