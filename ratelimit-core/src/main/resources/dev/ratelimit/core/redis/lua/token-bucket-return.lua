-- Token bucket, prefetch: gives back reserved tokens that were not spent; a bucket never holds more
-- than its capacity (a bucket that refilled meanwhile stays full).
-- KEYS[i]: the bucket of limit i (the Redis time, µs, at which it is full again).
-- ARGV[i]: what the unspent requests added to limit i's debt, in µs.
-- Returns, per limit, the µs of debt taken off.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local given = {}
for i = 1, #KEYS do
  given[i] = 0
  local f = tonumber(redis.call('GET', KEYS[i]) or '0')
  if f > now then
    local back = tonumber(ARGV[i])
    if f - back <= now then
      -- Full again: a bucket full now, gone in a millisecond like a missing key (SET, not DEL: no more ACL).
      given[i] = f - now
      redis.call('SET', KEYS[i], string.format('%.0f', now), 'PX', 1)
    else
      given[i] = back
      f = f - back
      redis.call('SET', KEYS[i], string.format('%.0f', f), 'PX', math.ceil((f - now) / 1000) + 1)
    end
  end
end
return given
