-- Token bucket, prefetch: takes the tokens of up to `wanted` requests at once from every bucket,
-- all-or-nothing per request; as many requests as every bucket still holds (at most wanted).
-- Held tokens are counted as taken at s = now + hold, the latest time they may be spent: the bucket
-- becomes max(full, s) + granted x cost, and only what fits checked now is granted. Why that never admits
-- more than the limit, by spend time: every request's tokens are counted from no earlier than they may be
-- spent (s, or now for a request spent at once) and end within the window of their earliest spending
-- (now); so the tokens spent in any [a, b] are counted apart within [a, b + window]: at most capacity +
-- refill over b - a. The cost: a bucket full before s forgoes its refill until s (at most the hold's).
-- When no token fits from s on (a bucket refilled within the hold), one request is granted as
-- token-bucket.lua would, held 0 (spent at once).
-- KEYS[i]: the bucket of limit i, as token-bucket.lua keeps it (the Redis time, µs, at which it is full).
-- ARGV[1]: wanted (requests); ARGV[2]: hold (ms); ARGV[2i+1], ARGV[2i+2]: the window of limit i and what
-- one request adds to its debt, both in whole µs (as token-bucket.lua).
-- Returns {granted, allowed, now (µs), debt of limit 1, ..., debt of limit n, hold (ms)}: the debts after
-- taking every granted request's tokens, as found when none was granted; the hold the granted ones got.
local wanted = tonumber(ARGV[1])
local hold = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])

local n = #KEYS
local full = {}
local single = 1
for i = 1, n do
  local f = tonumber(redis.call('GET', KEYS[i]) or '0')
  if f < now then f = now end
  full[i] = f
  if f - now + tonumber(ARGV[2 * i + 2]) > tonumber(ARGV[2 * i + 1]) then single = 0 end
end

-- Requests whose tokens fit in every bucket, counted from `from` on.
local function fitting(from)
  local granted = wanted
  for i = 1, n do
    local window = tonumber(ARGV[2 * i + 1])
    local unit = tonumber(ARGV[2 * i + 2])
    local base = full[i]
    if base < from then base = from end
    local fit = math.floor((window - (base - now)) / unit)
    -- The division is in doubles: the check below is the exact integer one token-bucket.lua makes.
    while fit > 0 and base - now + fit * unit > window do fit = fit - 1 end
    if fit < granted then granted = fit end
  end
  if granted < 0 then granted = 0 end
  return granted
end

local s = now + hold * 1000
local granted = fitting(s)
if granted == 0 and single == 1 then
  granted = 1
  hold = 0
  s = now
end
if granted == 0 then hold = 0 end

local allowed = 0
if granted > 0 then allowed = 1 end
local reply = {granted, allowed, now}
for i = 1, n do
  if allowed == 1 then
    if full[i] < s then full[i] = s end
    full[i] = full[i] + granted * tonumber(ARGV[2 * i + 2])
    redis.call('SET', KEYS[i], string.format('%.0f', full[i]), 'PX', math.ceil((full[i] - now) / 1000) + 1)
  end
  reply[i + 3] = full[i] - now
end
reply[n + 4] = hold
return reply
