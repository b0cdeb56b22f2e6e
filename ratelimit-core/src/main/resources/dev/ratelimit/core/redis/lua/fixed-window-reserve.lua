-- Fixed window, prefetch: takes the permits of up to `wanted` requests at once, each request's cost from
-- every limit, all-or-nothing per request; as many requests as every limit still holds (at most wanted).
-- KEYS[i]: the counter of limit i (all in one cluster slot), shared with fixed-window.lua.
-- ARGV[1]: cost; ARGV[2]: wanted (requests); ARGV[2i+1], ARGV[2i+2]: permits and window (ms) of limit i.
-- Returns {granted, allowed, binding limit index, remaining, ms until reset, ms to wait (denied), now ms,
-- then ms until reset of each limit}: as fixed-window.lua for a request taking every granted request's
-- permits (for one request's cost when none was granted); the granted permits must be spent before the
-- first of these windows ends.
local cost = tonumber(ARGV[1])
local wanted = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local n = #KEYS
local counts, ttls, fresh = {}, {}, {}
local granted = wanted
for i = 1, n do
  local permits = tonumber(ARGV[2 * i + 1])
  local window = tonumber(ARGV[2 * i + 2])
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  local ttl = redis.call('PTTL', KEYS[i])
  -- As fixed-window.lua: -1 (no TTL, never written by us) starts its window now; -2 is set when counted.
  if ttl == -1 then redis.call('PEXPIRE', KEYS[i], window) end
  fresh[i] = ttl == -2
  if ttl < 0 then ttl = window end
  counts[i], ttls[i] = count, ttl
  local fit = math.floor((permits - count) / cost)
  if fit < granted then granted = fit end
end
if granted < 0 then granted = 0 end

local allowed = 0
local taken = cost
if granted > 0 then
  allowed = 1
  taken = granted * cost
  for i = 1, n do
    counts[i] = redis.call('INCRBY', KEYS[i], taken)
    if fresh[i] then redis.call('PEXPIRE', KEYS[i], ttls[i]) end
  end
end

-- The binding limit, by the rules of fixed-window.lua.
local bind, bindRemaining, bindTtl = 0, 0, -1
for i = 1, n do
  local permits = tonumber(ARGV[2 * i + 1])
  local remaining = permits - counts[i]
  if allowed == 1 then
    if bind == 0 or remaining < bindRemaining or (remaining == bindRemaining and ttls[i] > bindTtl) then
      bind, bindRemaining, bindTtl = i, remaining, ttls[i]
    end
  elseif counts[i] + cost > permits and (bind == 0 or ttls[i] > bindTtl) then
    bind, bindRemaining, bindTtl = i, remaining, ttls[i]
  end
end
if bindRemaining < 0 then bindRemaining = 0 end
local wait = 0
if allowed == 0 then wait = bindTtl end
local reply = {granted, allowed, bind, bindRemaining, bindTtl, wait, now}
for i = 1, n do reply[7 + i] = ttls[i] end
return reply
