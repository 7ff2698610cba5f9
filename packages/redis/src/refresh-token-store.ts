// Refresh-token families of @jwtguard/issuer in Redis, for issuers running several instances. Semantics are
// those of the issuer's memory store (refresh-store.ts there): only hashes of tokens are stored; `rotate` is
// one Lua script per family (refresh-scripts.ts), so two concurrent refreshes with one token give exactly
// one success; a used token presented again revokes the family; idle and absolute lifetimes. Every key
// expires with its family's absolute lifetime, so the store never grows without bound.
//
// Two indexes live outside the family's slot: token hash → family id, and subject → family ids. They are
// written *before* the family's own keys, so a crash in between leaves an index pointing at nothing (read as
// "unknown token"), never a stored token that cannot be found or revoked.
import type {
  IssuedAccessToken,
  RefreshFamily,
  RefreshRotationResult,
  RefreshTokenRecord,
  RefreshTokenStore,
} from '@jwtguard/issuer';
import { assertKnownOptions, toMilliseconds } from '@jwtguard/core';
import type { RedisInput } from './connection.js';
import { refreshKeys } from './keys.js';
import { INDEX_FAMILY, REVOKE_FAMILY, ROTATE } from './refresh-scripts.js';
import { openStoreConnection } from './store-connection.js';

export interface RedisRefreshTokenStoreOptions {
  /** An ioredis client (Redis or Cluster), its options, or a URL. Default `redis://127.0.0.1:6379`. */
  redis?: RedisInput;
  /** Prefix of every key (default 'jwtguard:'); the store's keys start with `<prefix>refresh:`. */
  prefix?: string;
  /**
   * Bound on each operation (default '2s'). Commands are not queued while Redis is unreachable: the call
   * fails instead, and the token endpoint answers with an error rather than hanging.
   */
  timeout?: number | string;
}

const OPTION_NAMES = {
  redis: true,
  prefix: true,
  timeout: true,
} satisfies Record<keyof RedisRefreshTokenStoreOptions, true>;

export interface RedisRefreshTokenStore extends RefreshTokenStore {
  /** Closes the connection this store opened (never a client you passed in). */
  close(): Promise<void>;
}

/**
 * @example
 * const issuer = createIssuer({
 *   issuer: 'https://auth.example.com',
 *   refreshTokenStore: createRedisRefreshTokenStore({ redis: process.env.REDIS_URL }),
 * });
 */
export function createRedisRefreshTokenStore(
  options: RedisRefreshTokenStoreOptions = {},
): RedisRefreshTokenStore {
  assertKnownOptions('createRedisRefreshTokenStore()', options, Object.keys(OPTION_NAMES));
  const keys = refreshKeys(options.prefix ?? 'jwtguard:');
  const timeoutMs = toMilliseconds(options.timeout ?? '2s', 'timeout');
  const { client, bounded, close } = openStoreConnection(options.redis, timeoutMs);

  const familyKeys = (familyId: string): [string, string, string] => [
    keys.family(familyId),
    keys.tokens(familyId),
    keys.accessTokens(familyId),
  ];

  return {
    create: (family, token) =>
      bounded('refresh store create', async () => {
        const now = token.issuedAt;
        const ttl = String(Math.max(1, Math.ceil(family.expiresAt - now)));
        await Promise.all([
          client.set(keys.token(token.hash), family.id, 'PX', ttl),
          client.eval(
            INDEX_FAMILY,
            1,
            keys.subject(family.sub),
            String(family.expiresAt),
            family.id,
            String(now),
          ),
        ]);
        const [familyKey, tokensKey, accessKey] = familyKeys(family.id);
        const write = client
          .multi()
          .hset(familyKey, encodeFamily(family))
          .hset(tokensKey, token.hash, encodeRecord(token))
          .pexpire(familyKey, ttl)
          .pexpire(tokensKey, ttl);
        if (family.accessTokens.length > 0) {
          write.zadd(accessKey, ...family.accessTokens.flatMap(({ jti, exp }) => [String(exp), jti]));
          write.pexpire(accessKey, ttl);
        }
        await exec(write.exec());
      }),

    rotate: (rotation) =>
      bounded('refresh store rotate', async (): Promise<RefreshRotationResult> => {
        const familyId = await client.get(keys.token(rotation.hash));
        if (familyId === null) return { status: 'invalid', reason: 'unknown' };
        const nextIndex = keys.token(rotation.nextHash);
        // The successor can be presented only within its idle lifetime; once it is rotated, the index must
        // last as long as the family, for reuse detection (extended below).
        await client.set(nextIndex, familyId, 'PX', String(Math.max(1, Math.ceil(rotation.idleLifetime))));
        const reply = (await client.eval(
          ROTATE,
          3,
          ...familyKeys(familyId),
          rotation.hash,
          rotation.nextHash,
          String(rotation.now),
          String(rotation.idleLifetime),
          String(rotation.reuseGracePeriod),
          rotation.accessToken.jti,
          String(rotation.accessToken.exp),
          String(rotation.now / 1000),
          rotation.dpopJkt ?? '',
          rotation.certificateThumbprint ?? '',
        )) as [string, string, string[]?, string[]?];
        const [status, detail, fields, access] = reply;
        if (status !== 'rotated') await client.del(nextIndex);
        if (status === 'invalid') return { status, reason: detail as 'unknown' };
        const family = decodeFamily(pairs(fields ?? []), access ?? []);
        if (status === 'reused') return { status, family };
        const ttl = Math.max(1, Math.ceil(family.expiresAt - rotation.now));
        await client.pexpire(nextIndex, ttl);
        return {
          status: 'rotated',
          family,
          token: decodeRecord(rotation.nextHash, familyId, detail),
        };
      }),

    find: (hash) =>
      bounded('refresh store find', async () => {
        const familyId = await client.get(keys.token(hash));
        if (familyId === null) return undefined;
        const [familyKey, tokensKey, accessKey] = familyKeys(familyId);
        const [fields, record, access] = (await exec(
          client
            .multi()
            .hgetall(familyKey)
            .hget(tokensKey, hash)
            .zrange(accessKey, '0', '-1', 'WITHSCORES')
            .exec(),
        )) as [Record<string, string>, string | null, string[]];
        if (record === null || Object.keys(fields).length === 0) return undefined;
        return { token: decodeRecord(hash, familyId, record), family: decodeFamily(fields, access) };
      }),

    revokeFamily: (familyId, now) =>
      bounded('refresh store revokeFamily', () => revoke(familyId, now, false)),

    revokeSubject: (sub, now) =>
      bounded('refresh store revokeSubject', async () => {
        const ids = await client.zrangebyscore(keys.subject(sub), `(${now}`, '+inf');
        const revoked = await Promise.all(ids.map((id) => revoke(id, now, true)));
        return revoked.filter((family): family is RefreshFamily => family !== undefined);
      }),

    close,
  };

  async function revoke(
    familyId: string,
    now: number,
    onlyLive: boolean,
  ): Promise<RefreshFamily | undefined> {
    const reply = (await client.eval(
      REVOKE_FAMILY,
      3,
      ...familyKeys(familyId),
      String(now),
      onlyLive ? '1' : '0',
    )) as [string[], string[]] | null;
    return reply ? decodeFamily(pairs(reply[0]), reply[1]) : undefined;
  }
}

/** A MULTI's replies, failing on the first command that failed. */
async function exec(pending: Promise<[Error | null, unknown][] | null>): Promise<unknown[]> {
  const replies = await pending;
  if (!replies) throw new Error('refresh store: transaction aborted');
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

function encodeFamily(family: RefreshFamily): Record<string, string> {
  return {
    id: family.id,
    sub: family.sub,
    clientId: family.clientId,
    scope: family.scope,
    audience: JSON.stringify(family.audience),
    claims: JSON.stringify(family.claims),
    createdAt: String(family.createdAt),
    expiresAt: String(family.expiresAt),
    revokedAt: family.revokedAt === null ? '' : String(family.revokedAt),
    dpopJkt: family.dpopJkt ?? '',
    x5tS256: family.certificateThumbprint ?? '',
  };
}

function decodeFamily(fields: Record<string, string>, access: string[]): RefreshFamily {
  const accessTokens: IssuedAccessToken[] = [];
  for (let i = 0; i + 1 < access.length; i += 2) {
    accessTokens.push({ jti: access[i] as string, exp: Number(access[i + 1]) });
  }
  return {
    id: fields.id ?? '',
    sub: fields.sub ?? '',
    clientId: fields.clientId ?? '',
    scope: fields.scope ?? '',
    audience: JSON.parse(fields.audience ?? '[]') as string[],
    claims: JSON.parse(fields.claims ?? '{}') as Record<string, unknown>,
    createdAt: Number(fields.createdAt),
    expiresAt: Number(fields.expiresAt),
    revokedAt: fields.revokedAt ? Number(fields.revokedAt) : null,
    accessTokens,
    // Empty or absent (a family stored before the field existed): not bound to a DPoP key.
    ...(fields.dpopJkt ? { dpopJkt: fields.dpopJkt } : {}),
    // Likewise: not bound to a client certificate (RFC 8705 §4).
    ...(fields.x5tS256 ? { certificateThumbprint: fields.x5tS256 } : {}),
  };
}

function encodeRecord(token: RefreshTokenRecord): string {
  return `${token.issuedAt}:${token.expiresAt}:${token.usedAt ?? ''}`;
}

function decodeRecord(hash: string, familyId: string, record: string): RefreshTokenRecord {
  const [issuedAt, expiresAt, usedAt] = record.split(':');
  return {
    hash,
    familyId,
    issuedAt: Number(issuedAt),
    expiresAt: Number(expiresAt),
    usedAt: usedAt ? Number(usedAt) : null,
  };
}

/** HGETALL as a Lua script returns it (a flat list) → an object. */
function pairs(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
  return fields;
}
