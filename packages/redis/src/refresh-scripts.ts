// Lua scripts of the refresh-token store. Each touches only the keys of one family (one hash tag, one
// Cluster slot) and runs atomically: "is this token unused? mark it used, add its successor" cannot
// interleave with another rotation of the same token, so two concurrent refreshes give exactly one success.
// Times are passed in by the caller (its injectable clock); a key's lifetime is set relative to that clock
// (PEXPIRE, never PEXPIREAT), so a store driven by a test clock still expires its keys.
//
// Token records in the family's `tokens` hash are "issuedAt:expiresAt:usedAt" (ms; usedAt empty while
// unused). A family's `revokedAt` field is empty while it is live; its `dpopJkt` field (RFC 9449 §5) is empty or
// absent while it is not bound to a DPoP key, its `x5tS256` field (RFC 8705 §4) while it is not bound to a
// client certificate.

/** Both returned by every script that answers with a family: its fields, and its access tokens with exp. */
const SNAPSHOT = `
local function snapshot()
  return { redis.call('HGETALL', KEYS[1]), redis.call('ZRANGE', KEYS[3], 0, -1, 'WITHSCORES') }
end
`;

/**
 * KEYS: family, tokens, access tokens. ARGV: hash, next hash, now (ms), idle lifetime (ms), reuse grace
 * (ms), access jti, access exp (s), now (s), DPoP thumbprint to bind an unbound family to ('' for none),
 * certificate thumbprint to bind a family not bound to a certificate to ('' for none).
 * Returns { 'rotated', nextRecord, family, access } | { 'reused', '', family, access } | { 'invalid', reason }.
 */
export const ROTATE = `${SNAPSHOT}
if redis.call('EXISTS', KEYS[1]) == 0 then return { 'invalid', 'unknown' } end
local record = redis.call('HGET', KEYS[2], ARGV[1])
if not record then return { 'invalid', 'unknown' } end
local state = redis.call('HMGET', KEYS[1], 'revokedAt', 'expiresAt')
if state[1] ~= '' then return { 'invalid', 'revoked' } end
local now = tonumber(ARGV[3])
local familyExpires = tonumber(state[2])
local issued, expires, used = string.match(record, '^([^:]*):([^:]*):([^:]*)$')
if used ~= '' then
  -- A used token again: a client retrying within the grace period, or a stolen token (RFC 9700 4.14.2).
  if now - tonumber(used) < tonumber(ARGV[5]) then return { 'invalid', 'retried' } end
  redis.call('HSET', KEYS[1], 'revokedAt', ARGV[3])
  local s = snapshot()
  return { 'reused', '', s[1], s[2] }
end
if now >= tonumber(expires) or now >= familyExpires then return { 'invalid', 'expired' } end
redis.call('HSET', KEYS[2], ARGV[1], issued .. ':' .. expires .. ':' .. ARGV[3])
local nextExpires = state[2]
if now + tonumber(ARGV[4]) < familyExpires then nextExpires = string.format('%.17g', now + tonumber(ARGV[4])) end
local nextRecord = ARGV[3] .. ':' .. nextExpires .. ':'
redis.call('HSET', KEYS[2], ARGV[2], nextRecord)
-- A family is bound at most once: a binding already made is never replaced.
if ARGV[9] ~= '' then
  local bound = redis.call('HGET', KEYS[1], 'dpopJkt')
  if not bound or bound == '' then redis.call('HSET', KEYS[1], 'dpopJkt', ARGV[9]) end
end
if ARGV[10] and ARGV[10] ~= '' then
  local bound = redis.call('HGET', KEYS[1], 'x5tS256')
  if not bound or bound == '' then redis.call('HSET', KEYS[1], 'x5tS256', ARGV[10]) end
end
-- Access tokens that have expired can no longer be revoked usefully: drop them as the memory store does.
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[8])
redis.call('ZADD', KEYS[3], ARGV[7], ARGV[6])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[3], ttl) end
local s = snapshot()
return { 'rotated', nextRecord, s[1], s[2] }
`;

/**
 * KEYS: family, tokens (unused), access tokens. ARGV: now (ms), '1' to revoke only a live family (not
 * revoked, not expired) and answer nil otherwise. Returns { family, access }, or nil for an unknown family.
 */
export const REVOKE_FAMILY = `${SNAPSHOT}
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local state = redis.call('HMGET', KEYS[1], 'revokedAt', 'expiresAt')
local live = state[1] == '' and tonumber(ARGV[1]) < tonumber(state[2])
if ARGV[2] == '1' and not live then return false end
if state[1] == '' then redis.call('HSET', KEYS[1], 'revokedAt', ARGV[1]) end
return snapshot()
`;

/**
 * KEYS: a subject's family index. ARGV: family expiry (ms), family id, now (ms). Drops expired families and
 * keeps the key alive until its last family expires.
 */
export const INDEX_FAMILY = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
local top = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local ttl = math.ceil(tonumber(top[2]) - tonumber(ARGV[3]))
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('DEL', KEYS[1]) end
return 1
`;
