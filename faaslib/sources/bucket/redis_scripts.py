"""The Lua scripts of a bucket on Redis (`redis.RedisObjects`). A bucket is four keys: a sorted
set of its object keys (all of score 0, so Redis orders them by their bytes: UTF-8 binary
order, S3's listing order), a hash of each object's description, a hash of each object's body,
and a counter of the bytes of every body.

A script runs whole on the server: a reader sees all of a write (or a batch's writes) or none
of it, and a process killed while sending one leaves nothing of it.
"""

from __future__ import annotations

__all__ = ["STATE", "WRITE"]

# Apply a batch's writes, in order, if no other process holds the bucket's lock.
# KEYS: lock, keys (zset), infos (hash), bodies (hash), size (counter).
# ARGV: the lock token of the batch ('' for a write outside any batch), then 4 per write:
#   'p' (put) or 'd' (delete), the object key, its encoded description, its body ('' for a
#   delete).
# Returns: nil (writing nothing) when the lock is held by another token, or held at all for a
#   write without one, or not held by the batch's token; else, per write, 1 if the key had an
#   object before it, else 0.
WRITE = """
local holder = redis.call('GET', KEYS[1])
if holder ~= (ARGV[1] ~= '' and ARGV[1] or false) then return false end
local existed, delta = {}, 0
for at = 2, #ARGV, 4 do
  local key = ARGV[at + 1]
  local present = redis.call('HEXISTS', KEYS[3], key)
  if present == 1 then delta = delta - redis.call('HSTRLEN', KEYS[4], key) end
  if ARGV[at] == 'p' then
    redis.call('ZADD', KEYS[2], 0, key)
    redis.call('HSET', KEYS[3], key, ARGV[at + 2])
    redis.call('HSET', KEYS[4], key, ARGV[at + 3])
    delta = delta + string.len(ARGV[at + 3])
  elseif present == 1 then
    redis.call('ZREM', KEYS[2], key)
    redis.call('HDEL', KEYS[3], key)
    redis.call('HDEL', KEYS[4], key)
  end
  existed[#existed + 1] = present
end
if delta ~= 0 then redis.call('INCRBY', KEYS[5], delta) end
return existed
"""

# The bucket's totals and, for each key a batch has buffered writes of, whether the server has
# an object there and its body's bytes: what the batch's count and size start from.
# KEYS: keys (zset), bodies (hash), size (counter). ARGV: object keys.
# Returns: {number of objects, bytes of every body, then per key: 1 or 0, its body's bytes}.
STATE = """
local found = {redis.call('ZCARD', KEYS[1]), tonumber(redis.call('GET', KEYS[3]) or '0')}
for at = 1, #ARGV do
  found[#found + 1] = redis.call('HEXISTS', KEYS[2], ARGV[at])
  found[#found + 1] = redis.call('HSTRLEN', KEYS[2], ARGV[at])
end
return found
"""
