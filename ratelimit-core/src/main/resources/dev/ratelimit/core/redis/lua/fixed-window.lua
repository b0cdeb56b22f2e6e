-- Fixed window, all limits of one request checked and consumed together (all-or-nothing).
-- KEYS[i]: the counter of limit i (all in one cluster slot).
-- ARGV[1]: cost; ARGV[2i], ARGV[2i+1]: permits and window (ms) of limit i.
-- Returns {allowed, binding limit index, remaining, ms until reset, ms to wait (denied), now ms}.
local cost = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local n = #KEYS
if n == 1 then
  -- One limit (the common case): count first, take it back if over; two calls instead of four.
  local permits = tonumber(ARGV[2])
  local count = redis.call('INCRBY', KEYS[1], cost)
  local ttl = -1
  if count ~= cost then ttl = redis.call('PTTL', KEYS[1]) end
  -- A new counter, or one without TTL (never written by us): the window starts now.
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[3])
    ttl = tonumber(ARGV[3])
  end
  if count > permits then
    count = redis.call('DECRBY', KEYS[1], cost)
    local remaining = permits - count
    if remaining < 0 then remaining = 0 end
    return {0, 1, remaining, ttl, ttl, now}
  end
  return {1, 1, permits - count, ttl, 0, now}
end

local counts, ttls, fresh = {}, {}, {}
local allowed = 1
for i = 1, n do
  local permits = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  local ttl = redis.call('PTTL', KEYS[i])
  -- -1: a counter without TTL (never written by us): its window starts now, allowed or not (at its
  -- limit it would otherwise deny forever). -2: no counter yet, given its TTL when first counted below.
  if ttl == -1 then redis.call('PEXPIRE', KEYS[i], window) end
  fresh[i] = ttl == -2
  if ttl < 0 then ttl = window end
  counts[i], ttls[i] = count, ttl
  if count + cost > permits then allowed = 0 end
end

if allowed == 1 then
  for i = 1, n do
    counts[i] = redis.call('INCRBY', KEYS[i], cost)
    if fresh[i] then redis.call('PEXPIRE', KEYS[i], ttls[i]) end
  end
end

-- The binding limit: when allowed, the one with fewest permits left (ties: the later reset);
-- when denied, among the limits that lack permits the one that resets last.
local bind, bindRemaining, bindTtl = 0, 0, -1
for i = 1, n do
  local permits = tonumber(ARGV[2 * i])
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
return {allowed, bind, bindRemaining, bindTtl, wait, now}
