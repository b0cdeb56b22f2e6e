-- Token bucket, prefetch: gives back reserved tokens that were not spent, never making the bucket fuller
-- than had they not been taken. A reservation counted its tokens from its hold's end on (see
-- token-bucket-reserve.lua): they end no earlier than `top` = its time + hold + granted x cost, and what
-- was counted after them lies above. Taking tokens off moves everything above down; each later request's
-- tokens must stay counted from no earlier than it may spend them, which is at most now + the longest
-- hold. So: when nothing lies above (the bucket ends at `top`), all unspent tokens come off; when
-- something does, at most top - (now + longest hold) (nothing when the reservation ends before that);
-- when the bucket ends below `top`, its tokens are no longer counted (a reset): nothing comes off.
-- KEYS[i]: the bucket of limit i (the Redis time, µs, at which it is full again).
-- ARGV[1]: the longest hold (ms) any reservation of these keys gets; ARGV[2i], ARGV[2i+1]: what the
-- unspent requests added to limit i's debt, and the reservation's `top` in limit i, both µs.
-- Returns, per limit, the µs of debt taken off.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local reach = now + tonumber(ARGV[1]) * 1000
local given = {}
for i = 1, #KEYS do
  given[i] = 0
  local f = tonumber(redis.call('GET', KEYS[i]) or '0')
  local back = tonumber(ARGV[2 * i])
  local top = tonumber(ARGV[2 * i + 1])
  if f > top and top - reach < back then back = top - reach end
  if f >= top and f > now and back > 0 then
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
