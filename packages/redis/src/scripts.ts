// Lua scripts, so that each write is atomic on its slot: purge what has expired, record the entry (keeping
// the larger score: a later expiry, a later cutoff; revocations are never weakened), move the key's own TTL
// to its latest entry (the set disappears with its last entry: the store never grows without bound) and
// publish the change in the same step, so a replica that reads the set after the publish sees it too.

/**
 * KEYS[1] sorted set. ARGV: score, member, purge-below score, TTL scale, TTL offset (ms), channel, message.
 * The key expires at (highest score × scale + offset) ms.
 */
export const RECORD_AND_PUBLISH = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('ZADD', KEYS[1], 'GT', ARGV[1], ARGV[2])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local expireAt = math.ceil(tonumber(top[2]) * tonumber(ARGV[4]) + tonumber(ARGV[5]))
redis.call('PEXPIREAT', KEYS[1], string.format('%.0f', expireAt))
if ARGV[6] ~= '' then redis.call('PUBLISH', ARGV[6], ARGV[7]) end
return 1
`;

/** KEYS[1] issuer index. ARGV: expiry (ms), issuer, now (ms). */
export const INDEX_ISSUER = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('ZADD', KEYS[1], 'GT', ARGV[1], ARGV[2])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], string.format('%.0f', math.ceil(tonumber(top[2]))))
return 1
`;
