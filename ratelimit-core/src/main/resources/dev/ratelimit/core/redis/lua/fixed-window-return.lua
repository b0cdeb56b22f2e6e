-- Fixed window, prefetch: gives back reserved permits that were not spent, while their window lasts.
-- KEYS[i]: the counter of limit i.
-- ARGV[1]: permits to give back; ARGV[2i], ARGV[2i+1]: the end (Redis ms) of limit i's window when the
-- permits were reserved, and its window (ms).
-- A counter whose window ended is a later window's (it ends a whole window after the old end, or later):
-- the permits were counted in a window that is over, and nothing is given back to it.
-- Returns, per limit, the permits given back.
local amount = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local given = {}
for i = 1, #KEYS do
  given[i] = 0
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl > 0 and now + ttl < tonumber(ARGV[2 * i]) + tonumber(ARGV[2 * i + 1]) then
    local count = tonumber(redis.call('GET', KEYS[i]) or '0')
    local give = math.min(amount, count)
    if give > 0 then
      redis.call('DECRBY', KEYS[i], give)
      given[i] = give
    end
  end
end
return given
