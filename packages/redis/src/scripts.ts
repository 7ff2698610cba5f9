// Lua scripts, so that each write is atomic on its slot: purge what has expired, record the entry (keeping
// the larger score: a later expiry, a later cutoff; revocations are never weakened), move the key's own TTL
// to its latest entry (the set disappears with its last entry: the store never grows without bound) and
// publish the change in the same step, so a replica that reads the set after the publish sees it too.
// Scores are instants of this instance's clock; a key's lifetime is set *relative* to that clock (PEXPIRE
// of "expiry − now", never PEXPIREAT), so an instance whose clock is behind the Redis server's does not see
// its entries vanish before the tokens they refuse have expired by its own clock.

/**
 * KEYS[1] sorted set. ARGV: score, member, purge-below score, TTL scale, TTL offset (ms), channel, message,
 * now (ms). The key expires at (highest score × scale + offset) ms, counted from now.
 */
export const RECORD_AND_PUBLISH = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('ZADD', KEYS[1], 'GT', ARGV[1], ARGV[2])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local ttl = math.ceil(tonumber(top[2]) * tonumber(ARGV[4]) + tonumber(ARGV[5]) - tonumber(ARGV[8]))
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.max(ttl, 1)))
if ARGV[6] ~= '' then redis.call('PUBLISH', ARGV[6], ARGV[7]) end
return 1
`;

/** KEYS[1] issuer index. ARGV: expiry (ms), issuer, now (ms). */
export const INDEX_ISSUER = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[3])
redis.call('ZADD', KEYS[1], 'GT', ARGV[1], ARGV[2])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIRE', KEYS[1], string.format('%.0f', math.max(math.ceil(tonumber(top[2]) - tonumber(ARGV[3])), 1)))
return 1
`;
