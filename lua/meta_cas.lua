-- df2redis meta CAS hook, run on the target after each committed write (see migration model,
-- phase 2). Records the newest write time of a data key in its meta key, so that an importer can
-- skip a key whose meta time is newer than T0 (the proxy wrote a fresher value than the baseline).
--
-- KEYS[1]  the meta key of the data key, e.g. meta:{user:1}
-- ARGV[1]  the write's timestamp in milliseconds
-- returns  1 when the meta key was advanced, 0 when it already held the same or a newer time
local current = redis.call('GET', KEYS[1])
if current and tonumber(current) >= tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1])
return 1
