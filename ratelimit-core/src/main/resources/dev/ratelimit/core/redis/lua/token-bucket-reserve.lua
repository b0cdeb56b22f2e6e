-- Token bucket, prefetch: takes the tokens of up to `wanted` requests at once from every bucket,
-- all-or-nothing per request; as many requests as every bucket still holds (at most wanted).
-- KEYS[i]: the bucket of limit i, as token-bucket.lua keeps it (the Redis time, µs, at which it is full).
-- ARGV[1]: wanted (requests); ARGV[2i], ARGV[2i+1]: the window of limit i and what one request adds to
-- its debt, both in whole µs (as token-bucket.lua).
-- Returns {granted, allowed, now (µs), debt of limit 1, ..., debt of limit n}: the debts after taking every
-- granted request's tokens, as found when none was granted.
local wanted = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])

local n = #KEYS
local full = {}
local granted = wanted
for i = 1, n do
  local f = tonumber(redis.call('GET', KEYS[i]) or '0')
  if f < now then f = now end
  full[i] = f
  local window = tonumber(ARGV[2 * i])
  local unit = tonumber(ARGV[2 * i + 1])
  local fit = math.floor((window - (f - now)) / unit)
  -- The division is in doubles: the check below is the exact integer one token-bucket.lua makes.
  while fit > 0 and f - now + fit * unit > window do fit = fit - 1 end
  if fit < granted then granted = fit end
end
if granted < 0 then granted = 0 end

local allowed = 0
if granted > 0 then allowed = 1 end
local reply = {granted, allowed, now}
for i = 1, n do
  if allowed == 1 then
    full[i] = full[i] + granted * tonumber(ARGV[2 * i + 1])
    redis.call('SET', KEYS[i], string.format('%.0f', full[i]), 'PX', math.ceil((full[i] - now) / 1000) + 1)
  end
  reply[i + 3] = full[i] - now
end
return reply
