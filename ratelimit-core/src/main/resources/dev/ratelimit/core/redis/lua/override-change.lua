-- One operator change to the live overrides, atomically: the table entry, the version, the change log, the announcement.
-- KEYS[1]: hash of policy overrides; KEYS[2]: hash of identity limits; KEYS[3]: hash of blocks (deadline, ms);
-- KEYS[4]: version counter; KEYS[5]: change log (list, newest first). All in one cluster slot.
-- ARGV[1]: op (set, delete, block, none); ARGV[2]: the table, 1 to 3 (KEYS index); ARGV[3]: the value (set) or
-- the block's duration in ms (block); ARGV[4]: cap on identity limits and blocks together; ARGV[5]: the change
-- record (the version is put in front); ARGV[6]: change log length; ARGV[7]: channel; ARGV[8..]: the fields.
-- Returns the new version, or -1 when the cap refused a new entry (then nothing changed).
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- Expired blocks go first: they neither count against the cap nor linger.
local latest = 0
local blocks = redis.call('HGETALL', KEYS[3])
for i = 1, #blocks, 2 do
  local deadline = tonumber(blocks[i + 1])
  if deadline == nil or deadline <= now then
    redis.call('HDEL', KEYS[3], blocks[i])
  elseif deadline > latest then
    latest = deadline
  end
end

local op = ARGV[1]
local hash = KEYS[tonumber(ARGV[2])]
if op == 'set' or op == 'block' then
  local value = ARGV[3]
  if op == 'block' then
    local deadline = now + tonumber(ARGV[3])
    value = string.format('%d', deadline)
    if deadline > latest then latest = deadline end
  end
  local added = redis.call('HSET', hash, ARGV[8], value)
  if added == 1 and hash ~= KEYS[1]
      and redis.call('HLEN', KEYS[2]) + redis.call('HLEN', KEYS[3]) > tonumber(ARGV[4]) then
    redis.call('HDEL', hash, ARGV[8])
    return -1
  end
elseif op == 'delete' then
  for i = 8, #ARGV do
    redis.call('HDEL', hash, ARGV[i])
  end
end

-- The blocks hash lives no longer than its last block, so nothing stays behind once all have expired.
if latest > now then
  redis.call('PEXPIRE', KEYS[3], latest - now)
end

local version = redis.call('INCR', KEYS[4])
redis.call('LPUSH', KEYS[5], version .. '\t' .. ARGV[5])
redis.call('LTRIM', KEYS[5], 0, tonumber(ARGV[6]) - 1)
redis.call('PUBLISH', ARGV[7], version)
return version
