-- Token bucket, all limits of one request checked and consumed together (all-or-nothing).
-- KEYS[i]: the bucket of limit i, stored as one integer: the Redis time (microseconds) at which it is
-- full again (a missing key is a full bucket, so the key expires when the bucket is full). Tokens now
-- = capacity - (full - now) / (µs per token): the bucket {tokens, at} in one integer, which Redis keeps
-- in its 16-byte object header (a hash of two fields costs about 50 bytes more per identity).
-- ARGV[1]: cost; ARGV[2i], ARGV[2i+1]: capacity and window (ms) of limit i; the bucket refills
-- capacity tokens per window, evenly. Time is Redis' own, with microsecond precision.
-- Returns {allowed, binding limit index, remaining, ms until full, ms to wait (denied), now ms}.
local cost = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])

local n = #KEYS
local full, per, span = {}, {}, {}
local allowed = 1
for i = 1, n do
  local window = tonumber(ARGV[2 * i + 1]) * 1000
  per[i] = window / tonumber(ARGV[2 * i])
  span[i] = window
  local f = tonumber(redis.call('GET', KEYS[i]) or '0')
  if f < now then f = now end
  full[i] = f
  if f - now + cost * per[i] > window then allowed = 0 end
end

if allowed == 1 then
  for i = 1, n do
    -- Whole microseconds, rounded down, so a burst of exactly capacity always passes; when a token lasts
    -- less than capacity µs (capacity^2 > window in µs) the bucket may refill up to 1 µs per request early.
    -- (At least 1 µs per request: a limit above a million per second per identity is not kept exactly.)
    full[i] = math.max(math.floor(full[i] + cost * per[i]), full[i] + 1)
    redis.call('SET', KEYS[i], string.format('%.0f', full[i]), 'PX', math.ceil((full[i] - now) / 1000) + 1)
  end
end

local bind, bindRemaining, bindFull, wait = 0, 0, 0, 0
for i = 1, n do
  local debt = full[i] - now
  local remaining = math.floor((span[i] - debt) / per[i])
  local untilFull = math.ceil(debt / 1000)
  if allowed == 1 then
    if bind == 0 or remaining < bindRemaining or (remaining == bindRemaining and untilFull > bindFull) then
      bind, bindRemaining, bindFull = i, remaining, untilFull
    end
  elseif debt + cost * per[i] > span[i] then
    local w = math.ceil((debt + cost * per[i] - span[i]) / 1000)
    if bind == 0 or w > wait then
      bind, bindRemaining, bindFull, wait = i, remaining, untilFull, w
    end
  end
end
if bindRemaining < 0 then bindRemaining = 0 end
return {allowed, bind, bindRemaining, bindFull, wait, math.floor(now / 1000)}
