"""The Lua scripts of `FleetGrants`: each runs atomically on the Redis server, so the grants of
every process and host sharing a prefix are set one process at a time, each seeing all others.

A pool (the account's unreserved concurrency, or one function's reserved concurrency) is a hash
of process id -> "granted need in_use"; one sorted set holds each process's lease expiry (wall
seconds, the caller's clock: scripts never read the server's time). A process whose lease has
expired, or which has none, is dead: its entries are dropped and its slots are free again. A
process on the same host sees at once when another's pid is gone, and ends its lease then.
"""

from __future__ import annotations

__all__ = ["RETIRE", "TURN"]

# TURN: renew this process's lease, drop the dead, and set this process's grant in each pool.
# KEYS[1]: the leases (zset: process id -> expiry); KEYS[2..]: the pools (hashes, as above).
# ARGV[1]: this process's id; ARGV[2]: now; ARGV[3]: the lease's length in seconds; ARGV[4]: a
#   counter that turns each second (who gets a slot a division leaves over); ARGV[5]: how many
#   ids follow of processes seen dead (on this host: their pid is gone), whose leases end now;
#   then four values per pool, in KEYS order: its limit, this process's need, its keep (the
#   least it may be granted: it may be using that much, so it cannot be taken back), its in-use.
# Returns {pools, live}: per pool {granted, target, starved}, where target is this process's
#   fair share (it admits no more than that, and its grant comes down to it as its invocations
#   end) and starved is 1 when another process needs more than it holds; live, the ids of the
#   processes holding a lease.
# The shares: when the needs fit the limit, each gets its need plus an equal part of what is
# left over (a process alone gets the whole pool, as one process without a fleet would); when
# they do not, the limit is water-filled (the largest needs are cut to one level; the slots the
# division leaves over go round the cut processes, a second each).
# A grant is min(target, limit - the other live grants), but never below keep: so the grants
# add up to at most the limit, unless the limit was lowered or a process stalled past its lease
# with invocations in flight: then the overshoot is recorded as it is, and nobody is granted
# more until it drains.
TURN = """
local me = ARGV[1]
local now = tonumber(ARGV[2])
local turn = tonumber(ARGV[4])
local dead = tonumber(ARGV[5])
for at = 6, 5 + dead do redis.call('ZREM', KEYS[1], ARGV[at]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), me)
local out = {}
for index = 2, #KEYS do
  local base = 6 + dead + (index - 2) * 4
  local limit = tonumber(ARGV[base])
  local need = tonumber(ARGV[base + 1])
  local keep = tonumber(ARGV[base + 2])
  local entries = {{need = need, id = me}}
  local others, total, starved = 0, need, 0
  local held = redis.call('HGETALL', KEYS[index])
  for at = 1, #held, 2 do
    local who = held[at]
    if who ~= me then
      if redis.call('ZSCORE', KEYS[1], who) then
        local granted, wanted = string.match(held[at + 1], '^(%d+) (%d+)')
        granted, wanted = tonumber(granted), tonumber(wanted)
        others = others + granted
        total = total + wanted
        if wanted > granted then starved = 1 end
        entries[#entries + 1] = {need = wanted, id = who}
      else
        redis.call('HDEL', KEYS[index], who)
      end
    end
  end
  local target = need
  if total <= limit then
    target = need + math.ceil((limit - total) / #entries)
  else
    table.sort(entries, function(a, b)
      if a.need ~= b.need then return a.need < b.need end
      return a.id < b.id
    end)
    local left = limit
    for at = 1, #entries do
      local count = #entries - at + 1
      local level = math.floor(left / count)
      if entries[at].need > level then
        local cut = {}
        for rank = at, #entries do cut[#cut + 1] = entries[rank].id end
        table.sort(cut)
        local extra = left - level * count
        target = level
        for position = 1, #cut do
          if cut[position] == me and (position - 1 + turn) % count < extra then
            target = level + 1
          end
        end
        break
      end
      if entries[at].id == me then break end
      left = left - entries[at].need
    end
  end
  local granted = math.max(keep, math.min(target, limit - others))
  redis.call('HSET', KEYS[index], me, granted .. ' ' .. need .. ' ' .. ARGV[base + 3])
  out[#out + 1] = {granted, target, starved}
end
return {out, redis.call('ZRANGE', KEYS[1], 0, -1)}
"""

# RETIRE: give this process's grants back as it stops.
# KEYS[1]: the leases; KEYS[2..]: the pools. ARGV[1]: this process's id; then per pool its
#   in-use: slots still in use (an abandoned handler's thread) stay held until the lease runs
#   out, so nobody is granted them before they are free.
# Returns the number of pools still held.
RETIRE = """
local me = ARGV[1]
local still = 0
for index = 2, #KEYS do
  local in_use = tonumber(ARGV[index])
  if in_use > 0 then
    redis.call('HSET', KEYS[index], me, in_use .. ' 0 ' .. in_use)
    still = still + 1
  else
    redis.call('HDEL', KEYS[index], me)
  end
end
if still == 0 then redis.call('ZREM', KEYS[1], me) end
return still
"""
