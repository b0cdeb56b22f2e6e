-- Concurrency permits: one sorted set per identity; member = a holder (one running request), score = the
-- deadline of its lease in Redis TIME (ms). A holder past its deadline is dropped, so the permits of an
-- instance that disappeared come back within one lease. The key lives one lease past its last lease's
-- deadline, so that an acquire in that time still finds the expired holders, drops them and counts them
-- (without that margin the key and its dead holders would expire at the same instant, uncounted).
-- KEYS[1]: the holders of one identity. ARGV[1]: limit; ARGV[2]: lease (ms); ARGV[3]: holder.
-- A holder that already holds a permit keeps it, with its lease started again.
-- Only this script drops holders past their lease (renew and release leave them), so each expired holder is
-- counted once, by the acquire that recovers its permit (metric lease-expirations).
-- Returns {granted, permits left, expired holders dropped}.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local limit = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])

local expired = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local count = redis.call('ZCARD', KEYS[1])
local held = redis.call('ZSCORE', KEYS[1], ARGV[3])
if not held then
  if count >= limit then
    return {0, 0, expired}
  end
  count = count + 1
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
if redis.call('PTTL', KEYS[1]) < 2 * lease then
  redis.call('PEXPIRE', KEYS[1], 2 * lease)
end
local left = limit - count
if left < 0 then left = 0 end
return {1, left, expired}
