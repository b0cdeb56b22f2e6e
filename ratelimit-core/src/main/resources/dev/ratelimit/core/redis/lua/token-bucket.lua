-- Token bucket, all limits of one request checked and consumed together (all-or-nothing).
-- KEYS[i]: the bucket of limit i, stored as one integer: the Redis time (microseconds) at which it is
-- full again (a missing key is a full bucket, so the key expires when the bucket is full). The debt,
-- full - now, is what the bucket lacks, in time: the bucket {tokens, at} in one integer, which Redis keeps
-- in its 16-byte object header (a hash of two fields costs about 50 bytes more per identity).
-- ARGV[2i-1], ARGV[2i]: the window of limit i and what this request adds to its debt, both in whole
-- microseconds (cost x window / capacity, rounded down, computed exactly in Java: TokenBucketArithmetic).
-- Every number here is an integer below 2^53, so exact in Lua's doubles; the check and the update use the
-- same integer, so a full bucket always admits a cost up to its capacity. Time is Redis' own.
-- Returns {allowed, now (µs), debt of limit 1, ..., debt of limit n}: the debts after this request when
-- allowed, as found when denied; Java turns them into remaining tokens and times.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])

local n = #KEYS
local full = {}
local allowed = 1
for i = 1, n do
  local f = tonumber(redis.call('GET', KEYS[i]) or '0')
  if f < now then f = now end
  full[i] = f
  if f - now + tonumber(ARGV[2 * i]) > tonumber(ARGV[2 * i - 1]) then allowed = 0 end
end

local reply = {allowed, now}
for i = 1, n do
  if allowed == 1 then
    full[i] = full[i] + tonumber(ARGV[2 * i])
    redis.call('SET', KEYS[i], string.format('%.0f', full[i]), 'PX', math.ceil((full[i] - now) / 1000) + 1)
  end
  reply[i + 2] = full[i] - now
end
return reply
