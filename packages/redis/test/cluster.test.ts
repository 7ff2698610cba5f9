// Redis Cluster, tested rather than claimed: a three-master cluster on loopback. The denylist's scripts run
// on one slot per issuer and its pub/sub reaches replicas connected to other nodes; the refresh store's
// rotation script and MULTI stay on one family's slot; the key store is one hash; the DPoP replay store's
// keys spread over every node, one SET NX per proof id.
import { randomBytes } from 'node:crypto';
import { createIssuer } from '@jwtguard/issuer';
import type { Cluster } from 'ioredis';
import { createRedisDenylist, createRedisReplayStore, type RedisDenylist } from '../src/index.js';
import { createRedisKeyStore, createRedisRefreshTokenStore } from '../src/issuer-stores.js';
import { ISS, ScratchCluster, authResult, nowSeconds, randomPrefix, until } from './support.js';

let cluster: ScratchCluster;
const clients: Cluster[] = [];
const closers: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  cluster = await ScratchCluster.start();
}, 30_000);
afterAll(async () => {
  for (const close of closers.reverse()) await close();
  for (const client of clients) client.disconnect();
  await cluster?.stop();
});

function client(): Cluster {
  const made = cluster.client();
  clients.push(made);
  return made;
}

async function denylist(prefix: string, mode: 'replica' | 'direct'): Promise<RedisDenylist> {
  const made = createRedisDenylist({ redis: client(), prefix, mode });
  closers.push(() => made.close());
  await made.ready();
  return made;
}

test('denylist: revocations reach replicas on other connections; direct mode reads them; snapshots load', async () => {
  const prefix = randomPrefix();
  const [writer, reader, direct] = [
    await denylist(prefix, 'replica'),
    await denylist(prefix, 'replica'),
    await denylist(prefix, 'direct'),
  ];
  // Several issuers, so the keys spread over several slots (and nodes).
  const issuers = Array.from({ length: 8 }, (_, i) => `https://issuer-${i}.test/`);
  for (const iss of issuers) {
    await writer.revoke({ iss, jti: 'gone', exp: nowSeconds() + 60 });
    await writer.revokeSubject({ iss, sub: 'alice', before: nowSeconds() });
  }
  for (const iss of issuers) {
    await until(() => reader.isRevoked(authResult({ iss, jti: 'gone' })) === true, `propagation for ${iss}`);
    expect(await direct.isRevoked(authResult({ iss, jti: 'gone' }))).toBe(true);
    expect(await direct.isRevoked(authResult({ iss, sub: 'alice', iat: nowSeconds() - 10 }))).toBe(true);
    expect(await direct.isRevoked(authResult({ iss, jti: 'kept' }))).toBe(false);
  }
  const late = await denylist(prefix, 'replica');
  for (const iss of issuers) expect(late.isRevoked(authResult({ iss, jti: 'gone' }))).toBe(true);
  expect(late.status().entries).toBe(16);
  expect(reader.isRevoked(authResult({ iss: ISS, jti: 'gone' }))).toBe(false);
});

test('issuer stores: rotation, reuse detection and shared keys on a cluster', async () => {
  const prefix = randomPrefix();
  const refreshTokenStore = createRedisRefreshTokenStore({ redis: client(), prefix });
  const keyStore = createRedisKeyStore({ redis: client(), prefix, encryptionKey: randomBytes(32) });
  const issuer = createIssuer({ issuer: ISS, audience: 'https://api.test', refreshTokenStore, keyStore });
  const sets = await Promise.all(
    Array.from({ length: 6 }, (_, i) => issuer.issueTokens({ sub: `user-${i}`, clientId: 'web' })),
  );
  for (const set of sets) {
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => issuer.refresh(set.refreshToken!)),
    );
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
  }
  const first = await issuer.issueTokens({ sub: 'bob', clientId: 'web' });
  await issuer.refresh(first.refreshToken!);
  await expect(issuer.refresh(first.refreshToken!)).rejects.toThrow(/already used/);
  expect((await keyStore.list()).length).toBeGreaterThan(0);
});

test('replay store: one first use per id across instances, ids spread over every master', async () => {
  const prefix = randomPrefix();
  const connections = [client(), client(), client()];
  const stores = connections.map((connection) => {
    const made = createRedisReplayStore({ redis: connection, prefix });
    closers.push(() => made.close());
    return made;
  });
  const expiresAt = nowSeconds() + 60;
  const ids = Array.from({ length: 60 }, (_, i) => `thumbprint:cluster-proof-${i}`);
  const answers = await Promise.all(
    ids.map((id) => Promise.all(stores.map((store) => store.markUsed(id, expiresAt)))),
  );
  for (const perId of answers) expect(perId.filter((answer) => answer === true)).toHaveLength(1);
  for (const store of stores)
    expect(await store.markUsed('thumbprint:cluster-proof-0', expiresAt)).toBe(false);
  // Each key hashes by its own name: no hash tag gathers them on one node.
  const masters = connections[0]!.nodes('master');
  expect(masters).toHaveLength(3);
  const perNode = await Promise.all(masters.map((node) => node.keys(`${prefix}dpop:jti:*`)));
  expect(perNode.map((keys) => keys.length).reduce((sum, count) => sum + count, 0)).toBe(ids.length);
  for (const keys of perNode) expect(keys.length).toBeGreaterThan(0);
});
