-- Starts again the leases of many holders (see permit-acquire.lua), of one or many identities: one call
-- renews every running request of an instance in one cluster slot (all of them on a single Redis).
-- KEYS[i]: the holders of identity i (all keys in one cluster slot).
-- ARGV[1]: lease (ms); ARGV[i + 1]: how many holders of KEYS[i] follow; then the holders, KEYS[1]'s first.
-- Only holders that still hold a permit are renewed: a released or expired one must not come back, as
-- its place may have been given to another request. Expired holders are left for permit-acquire.lua to
-- drop and count; the key lives one lease past the renewed deadlines, as in permit-acquire.lua.
-- Returns how many holders were renewed.
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local lease = tonumber(ARGV[1])
local n = #KEYS

local renewed = 0
local at = n + 2
for i = 1, n do
  local count = tonumber(ARGV[i + 1])
  for j = at, at + count - 1 do
    local deadline = redis.call('ZSCORE', KEYS[i], ARGV[j])
    if deadline and tonumber(deadline) > now then
      redis.call('ZADD', KEYS[i], now + lease, ARGV[j])
      renewed = renewed + 1
    end
  end
  at = at + count
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl ~= -2 and ttl < 2 * lease then
    redis.call('PEXPIRE', KEYS[i], 2 * lease)
  end
end
return renewed
