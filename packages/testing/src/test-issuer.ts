// A real issuer for users' own test suites: discovery and JWKS served over HTTP on 127.0.0.1 (an ephemeral
// port), so the code under test resolves keys exactly as in production (discovery → jwks_uri → kid), with
// helpers for the tokens a test suite needs: valid, expired, signed by a key nobody published, bound to a DPoP
// key or to a client certificate.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { assertKnownOptions } from '@jwtguard/core';
import {
  createIssuer,
  createNodeListener,
  type Issuer,
  type IssuerOptions,
  type RotationInfo,
  type SigningAlgorithm,
} from '@jwtguard/issuer';

export interface TestIssuerOptions {
  /** `aud` of the tokens (default 'https://api.test'). */
  audience?: string;
  /** Signing algorithm (default 'ES256'). */
  algorithm?: SigningAlgorithm;
  /** Defaults for every token: `sub` 'test-user', `client_id` 'test-client', plus these. */
  claims?: Record<string, unknown>;
  /** Milliseconds since the epoch (default Date.now); share it with the verifier under test. */
  clock?: () => number;
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Anything else of @jwtguard/issuer's options (denylist, clients, lifetimes...). */
  issuerOptions?: Partial<Omit<IssuerOptions, 'issuer' | 'clock'>>;
}

export interface TokenOptions {
  /**
   * Lifetime in seconds (default 900). After `rotate()`, a key stays published for the issuer's
   * `accessTokenLifetime` (15 minutes unless set in `issuerOptions`): a longer-lived token outlives its key
   * once the clock has moved past that.
   */
  expiresIn?: number;
  /** Protected header `typ` (default 'at+jwt'). */
  typ?: string;
  /**
   * Bind the token to a DPoP key (RFC 9449 §6.1): `cnf.jkt` becomes its thumbprint. Pass a
   * `createDpopClient()` client, or any `{ jkt }`. Other `cnf` members of the claims are kept.
   */
  dpop?: { readonly jkt: string };
  /**
   * Bind the token to a client certificate (RFC 8705 §3.1): `cnf["x5t#S256"]` becomes its thumbprint. Pass a
   * `createTestCertificates()` certificate, or any `{ x5t }`. Other `cnf` members (a `jkt`) are kept.
   */
  certificate?: { readonly x5t: string };
}

export interface TestIssuer {
  /** The issuer URL: pass it as `issuer` to jwtGuard / createVerifier. */
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUri: string;
  /**
   * A valid access token; `claims` override the defaults (including iss, aud, exp for negative tests).
   * With `{ dpop: client }` it is bound to the client's key (`cnf.jkt`).
   */
  token(claims?: Record<string, unknown>, options?: TokenOptions): Promise<string>;
  /** A token that expired an hour ago (beyond any clock tolerance). */
  expiredToken(claims?: Record<string, unknown>): Promise<string>;
  /**
   * A well-formed token signed by a key that is not in the JWKS. With `sameKid` it even claims the kid of
   * the current key, so only the signature check can refuse it.
   */
  tokenSignedByUnknownKey(claims?: Record<string, unknown>, options?: { sameKid?: boolean }): Promise<string>;
  /** Rotate at once: the next token uses a new key; the old key stays published. */
  rotate(): Promise<RotationInfo>;
  /** The underlying @jwtguard/issuer instance (refresh tokens, revocation, handlers). */
  readonly instance: Issuer;
  close(): Promise<void>;
}

const OPTION_NAMES = {
  audience: true,
  algorithm: true,
  claims: true,
  clock: true,
  host: true,
  issuerOptions: true,
} satisfies Record<keyof TestIssuerOptions, true>;

const testIssuerDefaults = Object.freeze({
  audience: 'https://api.test',
  algorithm: 'ES256' as SigningAlgorithm,
  host: '127.0.0.1',
  /** Seconds; what `token()` gives without `expiresIn`. */
  expiresIn: 900,
});

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** RFC 7800 §3.1: `cnf` may hold several confirmation members (`jkt`, an mTLS `x5t#S256`); others stay. */
function withConfirmation(cnf: unknown, member: Record<string, string>): Record<string, unknown> {
  const other = cnf !== null && typeof cnf === 'object' && !Array.isArray(cnf) ? cnf : {};
  return { ...other, ...member };
}

export async function createTestIssuer(options: TestIssuerOptions = {}): Promise<TestIssuer> {
  // Before the server starts: a misspelt option must not leave a listening socket behind.
  assertKnownOptions('createTestIssuer()', options, Object.keys(OPTION_NAMES));
  const clock = options.clock ?? Date.now;
  const audience = options.audience ?? testIssuerDefaults.audience;
  const algorithm = options.algorithm ?? testIssuerDefaults.algorithm;
  // The issuer needs the server's URL, so the listener starts before it exists and answers 503 until then.
  const bound: { issuer?: Issuer } = {};
  const server = createServer(
    createNodeListener(async (request) =>
      bound.issuer ? bound.issuer.handle(request) : new Response(null, { status: 503 }),
    ),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host ?? testIssuerDefaults.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  let instance: Issuer;
  try {
    instance = createIssuer({
      audience,
      algorithm,
      // Tests want rotate() to take effect at once; verifiers refetch on the unknown kid. A key store passed
      // in is this instance's alone unless keySyncInterval says otherwise, so no sync lag delays the rotation.
      jwksCacheLifetime: 0,
      keySyncInterval: false,
      ...options.issuerOptions,
      issuer: url,
      clock,
    });
    bound.issuer = instance;
    await instance.ready();
  } catch (error) {
    // A refused issuerOptions (or keys that cannot be loaded) must not leave the server listening.
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw error;
  }

  // One foreign key per test issuer: generated lazily, never published.
  let foreign: { sign(data: Buffer): Buffer; kid: string } | undefined;
  function foreignKey() {
    if (!foreign) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      foreign = {
        kid: `unknown-${randomBytes(6).toString('hex')}`,
        sign: (data) => sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
      };
    }
    return foreign;
  }

  function claimsFor(
    claims: Record<string, unknown>,
    iat: number,
    expiresIn: number,
  ): Record<string, unknown> {
    return {
      iss: url,
      aud: audience,
      sub: 'test-user',
      client_id: 'test-client',
      iat,
      exp: iat + expiresIn,
      jti: randomBytes(12).toString('base64url'),
      ...options.claims,
      ...claims,
    };
  }

  const nowSeconds = () => Math.floor(clock() / 1000);

  return {
    issuer: url,
    audience,
    jwksUri: instance.jwksUri,
    instance,
    token(claims = {}, tokenOptions = {}) {
      const payload = claimsFor(claims, nowSeconds(), tokenOptions.expiresIn ?? testIssuerDefaults.expiresIn);
      if (tokenOptions.dpop !== undefined) {
        payload.cnf = withConfirmation(payload.cnf, { jkt: tokenOptions.dpop.jkt });
      }
      if (tokenOptions.certificate !== undefined) {
        payload.cnf = withConfirmation(payload.cnf, { 'x5t#S256': tokenOptions.certificate.x5t });
      }
      return instance.signToken(payload, { typ: tokenOptions.typ ?? 'at+jwt' });
    },
    expiredToken(claims = {}) {
      return instance.signToken(claimsFor(claims, nowSeconds() - 7200, 3600));
    },
    async tokenSignedByUnknownKey(claims = {}, unknownOptions = {}) {
      const key = foreignKey();
      let kid = key.kid;
      if (unknownOptions.sameKid) {
        const current = (await instance.keyStatus()).find((status) => status.state === 'current');
        kid = current?.kid ?? kid;
      }
      // ES256 always: with sameKid on an RS256 issuer this is also an algorithm/key mismatch, still refused.
      const header = base64url(JSON.stringify({ alg: 'ES256', typ: 'at+jwt', kid }));
      const payload = base64url(
        JSON.stringify(claimsFor(claims, nowSeconds(), testIssuerDefaults.expiresIn)),
      );
      const signature = key.sign(Buffer.from(`${header}.${payload}`));
      return `${header}.${payload}.${base64url(signature)}`;
    },
    rotate: () => instance.rotateKeys(),
    async close() {
      await instance.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
