-- Fixed window, prefetch: gives back reserved permits that were not spent, to the counter they were counted in.
-- KEYS[i]: the counter of limit i.
-- ARGV[1]: permits to give back; ARGV[1+i]: the end (Redis ms) of limit i's counter when the permits were
-- reserved.
-- A counter's end is fixed when it starts (PEXPIRE once), so a counter that ends at another time is not the
-- one they were counted in: a later window's, or one started again after a reset (an admin's resetIdentity).
-- Nothing is given back to it: it never counted these permits. 2 ms of slack covers TIME and PTTL rounding (a
-- counter reset and started again within 2 ms of the reservation would still be taken for the same one).
-- Returns, per limit, the permits given back.
local amount = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local given = {}
for i = 1, #KEYS do
  given[i] = 0
  local ttl = redis.call('PTTL', KEYS[i])
  if ttl > 0 and math.abs(now + ttl - tonumber(ARGV[1 + i])) <= 2 then
    local count = tonumber(redis.call('GET', KEYS[i]) or '0')
    local give = math.min(amount, count)
    if give > 0 then
      redis.call('DECRBY', KEYS[i], give)
      given[i] = give
    end
  end
end
return given
