// Misspelt option names are refused at construction with the name that was meant, at every entry point and
// in every nested option object: silently ignored, a typo would turn a lifetime or a client rule off.
import { randomBytes } from 'node:crypto';
import { ConfigurationError, createMemoryDenylist } from '@jwtguard/core';
import {
  createFileKeyStore,
  createIssuer,
  createMemoryKeyStore,
  createMemoryRefreshTokenStore,
  type IssuerOptions,
} from '@jwtguard/issuer';

const ISS = 'https://auth.example.test';

/** The call's options with a misspelt member added, as plain JavaScript (or a cast) would pass it. */
const withTypo = <T extends object>(options: T, typo: Record<string, unknown>): T => ({
  ...options,
  ...typo,
});

function refusal(construct: () => unknown): ConfigurationError {
  try {
    construct();
  } catch (error) {
    if (error instanceof ConfigurationError) return error;
    throw error;
  }
  throw new Error('the options were accepted');
}

describe('createIssuer()', () => {
  test('a misspelt top-level option: refused, with the name that was meant', () => {
    const error = refusal(() =>
      createIssuer(withTypo<IssuerOptions>({ issuer: ISS }, { acessTokenLifetime: '5m' })),
    );
    expect(error.message).toContain('createIssuer()');
    expect(error.message).toContain('did you mean "accessTokenLifetime"?');
  });

  test('a misspelt option in rotation, paths or a client entry: refused, naming where it is', () => {
    const rotation = refusal(() =>
      createIssuer({ issuer: ISS, rotation: withTypo({ every: '30d' }, { checkIntervall: '1m' }) }),
    );
    expect(rotation.message).toContain('createIssuer(): rotation');
    expect(rotation.message).toContain('did you mean "checkInterval"?');

    const paths = refusal(() => createIssuer({ issuer: ISS, paths: withTypo({}, { revokation: '/r' }) }));
    expect(paths.message).toContain('createIssuer(): paths');
    expect(paths.message).toContain('did you mean "revocation"?');

    const client = refusal(() =>
      createIssuer({ issuer: ISS, clients: [{ id: 'web' }, withTypo({ id: 'svc' }, { secrett: 'x' })] }),
    );
    expect(client.message).toContain('createIssuer(): clients[1]');
    expect(client.message).toContain('did you mean "secret"?');
  });

  test('correctly spelt options, nested ones included, are accepted', async () => {
    const issuer = createIssuer({
      issuer: ISS,
      audience: 'https://api.example.test',
      algorithm: 'EdDSA',
      keyStore: createMemoryKeyStore(),
      refreshTokenStore: createMemoryRefreshTokenStore(),
      denylist: createMemoryDenylist(),
      accessTokenLifetime: '5m',
      refreshTokenIdleLifetime: '1d',
      refreshTokenAbsoluteLifetime: '30d',
      reuseGracePeriod: '2s',
      clockTolerance: 5,
      jwksCacheLifetime: '10m',
      rotation: { every: '30d', checkInterval: false },
      keySyncInterval: false,
      clients: [{ id: 'svc', secret: 'x', grants: ['client_credentials'], scopes: ['read'], audience: 'a' }],
      paths: { jwks: '/keys', token: '/t', revocation: '/r' },
      scopesSupported: ['read'],
      clock: Date.now,
      onEvent: () => undefined,
    });
    expect(issuer.jwksUri).toBe(`${ISS}/keys`);
    await issuer.close();
  });
});

describe('stores', () => {
  test('createMemoryRefreshTokenStore()', () => {
    const error = refusal(() => createMemoryRefreshTokenStore(withTypo({}, { clok: Date.now })));
    expect(error.message).toContain('createMemoryRefreshTokenStore()');
    expect(error.message).toContain('did you mean "clock"?');
  });

  test('createFileKeyStore()', () => {
    const options = { path: 'unused.json', encryptionKey: randomBytes(32) };
    const error = refusal(() => createFileKeyStore(withTypo(options, { encryptionkey: 'x' })));
    expect(error.message).toContain('createFileKeyStore()');
    expect(error.message).toContain('did you mean "encryptionKey"?');
  });

  test('createMemoryKeyStore() takes no options: one passed anyway is refused, not ignored', () => {
    const error = refusal(() => createMemoryKeyStore(withTypo({}, { path: 'keys.json' })));
    expect(error.message).toContain('createMemoryKeyStore(): unknown option "path"');
  });
});
