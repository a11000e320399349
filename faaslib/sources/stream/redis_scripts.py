"""The Lua scripts of a stream on Redis (`faaslib.sources.stream.redis`): each runs whole on the
server, so the processes sharing it never see a stream half made or half trimmed."""

from __future__ import annotations

__all__ = ["APPEND", "OPEN", "TRIM"]

# KEYS[1]: the stream's hash. ARGV: field, value, ... to set if the stream is new (its shard
# count, creation time, latest arrival times and each shard's first sequence number and tip).
# Returns the hash as it is kept (HGETALL), the new or the existing stream's.
OPEN = """
if redis.call('EXISTS', KEYS[1]) == 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return redis.call('HGETALL', KEYS[1])
"""

# KEYS[1]: the stream's arrivals (member "shard:number", both zero-padded; score: arrived);
# KEYS[2 .. n+1]: each shard's records (score: number); KEYS[n+2 .. 2n+1]: each shard's
# arrival stamps (member: the zero-padded number). ARGV[1]: the cutoff (records that arrived
# at or before it go). Arrivals never go back, so what goes is a run from the front of each
# shard. Returns how many records went.
TRIM = """
local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if #gone == 0 then return 0 end
local shards = (#KEYS - 1) / 2
local last = {}
for _, member in ipairs(gone) do
  local colon = string.find(member, ':', 1, true)
  local shard = tonumber(string.sub(member, 1, colon - 1))
  local number = string.sub(member, colon + 1)
  redis.call('ZREM', KEYS[shard + 2 + shards], number)
  local value = tonumber(number)
  if last[shard] == nil or last[shard] < value then last[shard] = value end
end
for shard, number in pairs(last) do
  redis.call('ZREMRANGEBYSCORE', KEYS[shard + 2], '-inf', number)
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
return #gone
"""

# A put outside any batch, in one call. KEYS[1]: the stream's lock; KEYS[2]: its hash;
# KEYS[3]: the shard's records; KEYS[4]: the shard's arrival stamps; KEYS[5]: the stream's
# arrivals. ARGV[1]: the shard's index; ARGV[2]: its arrival stamp (now, to the millisecond);
# ARGV[3]: when it arrived (now); ARGV[4]: its partition key and data (msgpack). The times are
# kept as the client wrote them (Lua would print a float with 14 digits) and never go back.
# Returns false, writing nothing, while a batch holds the lock (the caller tries again); else
# {number, arrival stamp, arrival time} of the record put.
APPEND = """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local tip = 'tip:' .. ARGV[1]
local kept = redis.call('HMGET', KEYS[2], tip, 'latest_arrival', 'latest_arrived')
local number = tonumber(kept[1])
local arrival, arrived = ARGV[2], ARGV[3]
if tonumber(kept[2]) > tonumber(arrival) then arrival = kept[2] end
if tonumber(kept[3]) > tonumber(arrived) then arrived = kept[3] end
local padded = string.format('%020d', number)
local member = padded .. '|' .. arrival .. '|' .. arrived .. '|' .. ARGV[4]
redis.call('ZADD', KEYS[3], number, member)
redis.call('ZADD', KEYS[4], arrival, padded)
redis.call('ZADD', KEYS[5], arrived, string.format('%020d', tonumber(ARGV[1])) .. ':' .. padded)
redis.call('HSET', KEYS[2], tip, number + 1, 'latest_arrival', arrival, 'latest_arrived', arrived)
return {number, arrival, arrived}
"""
