-- Gives a concurrency permit back (see permit-acquire.lua). Removing a holder that is not there (given
-- back already, or dropped past its lease) changes nothing, so a second release is harmless.
-- KEYS[1]: the holders of one identity. ARGV[1]: holder.
-- Returns 1 when a permit was given back, else 0.
return redis.call('ZREM', KEYS[1], ARGV[1])
