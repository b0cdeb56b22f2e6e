-- Token bucket, all limits of one request checked and consumed together (all-or-nothing).
-- KEYS[i]: the bucket of limit i, a hash {tokens, at (ms)} (all in one cluster slot).
-- ARGV[1]: cost; ARGV[2i], ARGV[2i+1]: capacity and window (ms) of limit i; the bucket refills
-- capacity tokens per window, evenly. Time is Redis' own, with microsecond precision.
-- Returns {allowed, binding limit index, remaining, ms until full, ms to wait (denied), now ms}.
local cost = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000

local n = #KEYS
local tokens, rates = {}, {}
local allowed = 1
for i = 1, n do
  local capacity = tonumber(ARGV[2 * i])
  local rate = capacity / tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local t = capacity
  if state[1] then
    local elapsed = math.max(0, now - tonumber(state[2]))
    t = math.min(capacity, tonumber(state[1]) + elapsed * rate)
  end
  tokens[i], rates[i] = t, rate
  if t < cost then allowed = 0 end
end

if allowed == 1 then
  for i = 1, n do
    local capacity = tonumber(ARGV[2 * i])
    tokens[i] = tokens[i] - cost
    redis.call('HSET', KEYS[i], 'tokens', tostring(tokens[i]), 'at', tostring(now))
    -- Once full again the bucket equals a missing one, so it may expire then.
    redis.call('PEXPIRE', KEYS[i], math.ceil((capacity - tokens[i]) / rates[i]) + 1)
  end
end

local bind, bindRemaining, bindFull, wait = 0, 0, 0, 0
for i = 1, n do
  local capacity = tonumber(ARGV[2 * i])
  local remaining = math.floor(tokens[i])
  local full = math.ceil((capacity - tokens[i]) / rates[i])
  if allowed == 1 then
    if bind == 0 or remaining < bindRemaining or (remaining == bindRemaining and full > bindFull) then
      bind, bindRemaining, bindFull = i, remaining, full
    end
  elseif tokens[i] < cost then
    local w = math.ceil((cost - tokens[i]) / rates[i])
    if bind == 0 or w > wait then
      bind, bindRemaining, bindFull, wait = i, remaining, full, w
    end
  end
end
return {allowed, bind, bindRemaining, bindFull, wait, math.floor(now)}
