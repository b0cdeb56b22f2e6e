-- The live overrides as one consistent snapshot.
-- KEYS[1..5]: as in override-change.lua (policy overrides, identity limits, blocks, version, change log).
-- Returns {version, now ms, policy overrides (field, value, ...), identity limits (...), blocks (...), change log}.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local version = tonumber(redis.call('GET', KEYS[4]) or '0')
return {version, now, redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]),
  redis.call('HGETALL', KEYS[3]), redis.call('LRANGE', KEYS[5], 0, -1)}
