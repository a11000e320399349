"""The Lua script of the Event queue on Redis (`redis.RedisEvents`). One call writes a process's
changes, renews (or drops) its lease, frees the claims of processes whose lease lapsed, claims
events for it and reads the counts it caches, atomically: every process and host on the prefix
sees one state.

Keys, under `{prefix}:events`: `:seq` (the last event id), `:pool` (a sorted set: the events no
process holds, by due time), `:body` (id -> the event as accepted, msgpack), `:state`
(id -> attempts, throttles, last result), `:func` (id -> function name), `:owner` (id -> the
process holding it), `:workers` (the processes holding events), and per process `:held:ID` (a
sorted set: the events it holds, running, ready or waiting to retry, by due time) and
`:alive:ID` (present while its lease stands: a key that expires on the server's own clock, so
hosts' clocks need not agree). Ids are zero-padded, so equal due times keep acceptance order.
"""

from __future__ import annotations

__all__ = ["EXCHANGE", "LISTING"]

# KEYS: 1 seq, 2 pool, 3 body, 4 state, 5 func, 6 owner, 7 workers, 8 held:me, 9 alive:me.
# ARGV: 1 the events' key base (`{prefix}:events`), 2 this process's id, 3 now (the clock's
#   wall time, as text), 4 lease in ms (> 0: renew; 0: leave it; < 0: retire: give back
#   everything held and drop the lease), 5 how many ready events to claim, 6 how many waiting
#   ones, 7 msgpack list of function names not to claim, then the changes, five arguments each
#   (binary-safe: Redis's cmsgpack knows no bin type): 'a', func, body, state, due: accepted,
#   held here; 'A', ...: accepted, into the pool; 'h', id, state, due, '': still held here,
#   new state ('' keeps it); 'p', id, state, due, '': back to the pool; 'f', id, '', '', '':
#   ended.
# Returns: {ids given to the accepted (in order), ids no longer held here (taken over),
#   claimed as flat {id, due, func, body, state}..., events in the pool, events held by other
#   processes, ready events of known functions left in the pool}.
EXCHANGE = """
local base, me, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
local nowtext = ARGV[3]
local pool, body, state, func, owner, workers = KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local held, alive = KEYS[8], KEYS[9]
local given, lost = {}, {}

for at = 8, #ARGV, 5 do
  local kind = ARGV[at]
  local change = {kind, ARGV[at + 1], ARGV[at + 2], ARGV[at + 3], ARGV[at + 4]}
  if kind == 'a' or kind == 'A' then
    local id = string.format('%015d', redis.call('INCR', KEYS[1]))
    redis.call('HSET', body, id, change[3])
    redis.call('HSET', func, id, change[2])
    if change[4] ~= '' then redis.call('HSET', state, id, change[4]) end
    if kind == 'a' then
      redis.call('ZADD', held, change[5], id)
      redis.call('HSET', owner, id, me)
    else
      redis.call('ZADD', pool, change[5], id)
    end
    given[#given + 1] = id
  elseif kind == 'f' then
    local id = change[2]
    redis.call('HDEL', body, id)
    redis.call('HDEL', state, id)
    redis.call('HDEL', func, id)
    local holder = redis.call('HGET', owner, id)
    if holder then
      redis.call('ZREM', base .. ':held:' .. holder, id)
      redis.call('HDEL', owner, id)
    end
    redis.call('ZREM', pool, id)
  else
    local id = change[2]
    if redis.call('HGET', owner, id) == me then
      if change[3] ~= '' then redis.call('HSET', state, id, change[3]) end
      if kind == 'h' then
        redis.call('ZADD', held, change[4], id)
      else
        redis.call('ZREM', held, id)
        redis.call('HDEL', owner, id)
        redis.call('ZADD', pool, change[4], id)
      end
    else
      lost[#lost + 1] = id
    end
  end
end

local function give_back(worker_held)
  local entries = redis.call('ZRANGE', worker_held, 0, -1, 'WITHSCORES')
  for i = 1, #entries, 2 do
    redis.call('HDEL', owner, entries[i])
    redis.call('ZADD', pool, entries[i + 1], entries[i])
  end
  redis.call('DEL', worker_held)
end

local lease = tonumber(ARGV[4])
if lease > 0 then
  redis.call('SET', alive, '1', 'PX', lease)
  redis.call('SADD', workers, me)
elseif lease < 0 then
  give_back(held)
  redis.call('DEL', alive)
  redis.call('SREM', workers, me)
end

local ready_room, waiting_room = tonumber(ARGV[5]), tonumber(ARGV[6])
local claimed, left = {}, 0
if ready_room > 0 or waiting_room > 0 then
  for _, worker in ipairs(redis.call('SMEMBERS', workers)) do
    if worker ~= me and redis.call('EXISTS', base .. ':alive:' .. worker) == 0 then
      give_back(base .. ':held:' .. worker)
      redis.call('SREM', workers, worker)
    end
  end
  local skip = {}
  for _, name in ipairs(cmsgpack.unpack(ARGV[7])) do skip[name] = true end
  local function take(low, high, room)
    if room <= 0 then return 0 end
    local entries = redis.call('ZRANGEBYSCORE', pool, low, high, 'WITHSCORES',
      'LIMIT', 0, room + 64)
    local taken, passed = 0, 0
    for i = 1, #entries, 2 do
      local id = entries[i]
      local name = redis.call('HGET', func, id)
      if name and not skip[name] then
        if taken >= room then
          passed = passed + 1
        else
          redis.call('ZREM', pool, id)
          redis.call('ZADD', held, entries[i + 1], id)
          redis.call('HSET', owner, id, me)
          claimed[#claimed + 1] = id
          claimed[#claimed + 1] = entries[i + 1]
          claimed[#claimed + 1] = name
          claimed[#claimed + 1] = redis.call('HGET', body, id) or ''
          claimed[#claimed + 1] = redis.call('HGET', state, id) or ''
          taken = taken + 1
        end
      end
    end
    return passed
  end
  left = take('-inf', nowtext, ready_room)
  take('(' .. nowtext, '+inf', waiting_room)
end

local others = redis.call('HLEN', owner) - redis.call('ZCARD', held)
return {given, lost, claimed, redis.call('ZCARD', pool), others, left}
"""

# KEYS: 1 pool, 2 owner, 3 body, 4 state, 5 func. ARGV: 1 the events' key base.
# Returns every event as {id, due, holder ('' in the pool), func, body, state ('' before its
# first attempt)}: a consistent picture for `app.pending_events()`.
LISTING = """
local out = {}
local function add(id, due, holder)
  out[#out + 1] = {id, due, holder, redis.call('HGET', KEYS[5], id) or '',
    redis.call('HGET', KEYS[3], id) or '', redis.call('HGET', KEYS[4], id) or ''}
end
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #entries, 2 do add(entries[i], entries[i + 1], '') end
local owners = redis.call('HGETALL', KEYS[2])
for i = 1, #owners, 2 do
  local due = redis.call('ZSCORE', ARGV[1] .. ':held:' .. owners[i + 1], owners[i])
  add(owners[i], due or '0', owners[i + 1])
end
return out
"""
