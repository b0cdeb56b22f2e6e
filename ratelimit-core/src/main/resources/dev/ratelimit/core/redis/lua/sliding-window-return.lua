-- Sliding window log, prefetch: gives back reserved permits that were not spent by removing their
-- entries (the newest ones logged at the reservation's time; entries with the same time are alike).
-- KEYS[i]: the log of limit i.
-- ARGV[1]: permits to give back; ARGV[1+i]: the time (ms) they were logged at in limit i.
-- Returns, per limit, the entries removed.
local amount = tonumber(ARGV[1])
local removed = {}
for i = 1, #KEYS do
  removed[i] = redis.call('LREM', KEYS[i], -amount, ARGV[1 + i])
end
return removed
