-- Sliding window log, prefetch: takes the permits of up to `wanted` requests at once from every limit,
-- all-or-nothing per request; as many requests as every limit still holds (at most wanted).
-- KEYS[i]: the log of limit i, as sliding-window.lua keeps it (oldest first, one element per permit).
-- The reserved permits are logged at now + hold, the latest time they may be spent: a permit spent at t
-- then counts in every window that contains t (and from now on: stricter, never looser). The log stays
-- in order: an entry is never logged before the newest one (later is stricter too).
-- ARGV[1]: cost; ARGV[2]: wanted (requests); ARGV[3]: hold (ms); ARGV[2i+2], ARGV[2i+3]: permits and
-- window (ms) of limit i.
-- Returns {granted, allowed, now ms, then per limit i as sliding-window.lua: permits counted, ms until its
-- oldest frees, ms to wait; then per limit the time (ms) the granted permits were logged at (0: none)}.
local cost = tonumber(ARGV[1])
local wanted = tonumber(ARGV[2])
local hold = tonumber(ARGV[3])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local n = #KEYS
local counts = {}
local granted = wanted
for i = 1, n do
  local window = tonumber(ARGV[2 * i + 3])
  while true do
    local oldest = redis.call('LINDEX', KEYS[i], 0)
    if not oldest or tonumber(oldest) + window > now then break end
    redis.call('LPOP', KEYS[i])
  end
  counts[i] = redis.call('LLEN', KEYS[i])
  local fit = math.floor((tonumber(ARGV[2 * i + 2]) - counts[i]) / cost)
  if fit < granted then granted = fit end
end
if granted < 0 then granted = 0 end

local allowed = 0
local stamps = {}
for i = 1, n do stamps[i] = 0 end
if granted > 0 then
  allowed = 1
  local taken = granted * cost
  for i = 1, n do
    local stamp = now + hold
    local newest = redis.call('LINDEX', KEYS[i], -1)
    if newest and tonumber(newest) > stamp then stamp = tonumber(newest) end
    local left = taken
    while left > 0 do
      local chunk = {}
      for j = 1, math.min(left, 1000) do chunk[j] = stamp end
      redis.call('RPUSH', KEYS[i], unpack(chunk))
      left = left - #chunk
    end
    -- The key lives as long as its newest entry counts.
    local ttl = stamp - now + tonumber(ARGV[2 * i + 3])
    if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
    counts[i] = counts[i] + taken
    stamps[i] = stamp
  end
end

local reply = {granted, allowed, now}
for i = 1, n do
  local permits = tonumber(ARGV[2 * i + 2])
  local window = tonumber(ARGV[2 * i + 3])
  local reset, wait = 0, 0
  if counts[i] > 0 then reset = tonumber(redis.call('LINDEX', KEYS[i], 0)) + window - now end
  if counts[i] + cost > permits and allowed == 0 then
    wait = tonumber(redis.call('LINDEX', KEYS[i], counts[i] + cost - permits - 1)) + window - now
  end
  reply[3 * i + 1], reply[3 * i + 2], reply[3 * i + 3] = counts[i], reset, wait
end
for i = 1, n do reply[3 * n + 3 + i] = stamps[i] end
return reply
