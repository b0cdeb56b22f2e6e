-- Sliding window log, all limits of one request checked and consumed together (all-or-nothing).
-- KEYS[i]: the log of limit i, a list of the Redis times (ms) of the permits taken within its window,
-- oldest first, one element per permit (a request of cost c adds c). A permit taken at t counts until
-- t + window; the key expires when its newest permit does. The list never holds more than the permits.
-- ARGV[1]: cost; ARGV[2i], ARGV[2i+1]: permits and window (ms) of limit i.
-- Returns {allowed, now ms, then per limit i: permits counted (after this request when allowed),
-- ms until its oldest counted permit frees (0 when none), ms to wait for this request (0 when it fits)}.
local cost = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

local n = #KEYS
local counts = {}
local allowed = 1
for i = 1, n do
  local window = tonumber(ARGV[2 * i + 1])
  -- Forget the permits that have left the window (each is popped once: amortised O(1) per permit).
  while true do
    local oldest = redis.call('LINDEX', KEYS[i], 0)
    if not oldest or tonumber(oldest) + window > now then break end
    redis.call('LPOP', KEYS[i])
  end
  counts[i] = redis.call('LLEN', KEYS[i])
  if counts[i] + cost > tonumber(ARGV[2 * i]) then allowed = 0 end
end

if allowed == 1 then
  for i = 1, n do
    -- In chunks: Lua's unpack has a limit on how many values it returns.
    local left = cost
    while left > 0 do
      local chunk = {}
      for j = 1, math.min(left, 1000) do chunk[j] = now end
      redis.call('RPUSH', KEYS[i], unpack(chunk))
      left = left - #chunk
    end
    redis.call('PEXPIRE', KEYS[i], ARGV[2 * i + 1])
    counts[i] = counts[i] + cost
  end
end

local reply = {allowed, now}
for i = 1, n do
  local permits = tonumber(ARGV[2 * i])
  local window = tonumber(ARGV[2 * i + 1])
  local reset, wait = 0, 0
  if counts[i] > 0 then reset = tonumber(redis.call('LINDEX', KEYS[i], 0)) + window - now end
  if counts[i] + cost > permits and allowed == 0 then
    -- This request fits once the permit (counts + cost - permits) from the oldest has freed.
    wait = tonumber(redis.call('LINDEX', KEYS[i], counts[i] + cost - permits - 1)) + window - now
  end
  reply[3 * i], reply[3 * i + 1], reply[3 * i + 2] = counts[i], reset, wait
end
return reply
