"""The Lua scripts of `RedisQueue`: each operation on a queue is one script, so it is atomic on
the server and every process and host sharing the queue sees one state.

Layout of queue `name` under `base` = `{prefix}:queue:name` (all in one hash slot):

- `base:meta` hash: `serial` (the highest serial given out), `key` and `mask` (receipt handles);
- `base:m:<member>` hash, one per message: `b` (its msgpack fields that never change), `st`
  (0 delayed, 2 in flight: the state once `va` is in the future), `va` (visible at), `ra`
  (received at), `rc` (receive count), `fr` (first receive, Unix ms), `rf` (retention counts
  from), `ea` (entered the queue at), `g` (group id), `src` (the dead-letter source queue ARN);
- `base:all` (members by serial), `base:at` (by `va`), `base:exp` (by retention expiry),
  `base:fl` (in flight, by `va`; pruned when `va` passes) sorted sets;
- FIFO: `base:g:<group>` (the group's members by serial) and `base:heads` (groups by the serial
  of their head); `base:dd` hash (deduplication id -> "serial message-id") and `base:ddx`
  (deduplication ids by the end of their window).

A member is the serial padded to 16 digits, so members of equal score sort by serial. Times are
the client's wall clock (ARGV[1]), never Redis TIME; a number leaves Lua only as a Redis
argument (exact) or an integer, never through `tostring` (14 digits). Every script brings the
queue up to `now` first (`tick`: retention expiry) and returns how many expired first.
"""

from __future__ import annotations

__all__ = [
    "CHANGE",
    "COUNTS",
    "DELETE",
    "DROP",
    "OLDEST",
    "PEEK",
    "PURGE",
    "SECRET",
    "SEND",
    "SNAPSHOT",
    "TAKE",
]

# Shared by every script. KEYS[1]: the queue's base key. ARGV[1]: now (wall time, seconds);
# ARGV[2]: '1' for a FIFO queue.
_COMMON = """
local SLACK = 1e-9
local base = KEYS[1]
local now = tonumber(ARGV[1])
local fifo = ARGV[2] == '1'

local function pad(serial) return string.format('%016d', serial) end

-- Message `member` leaves queue `qbase` (deleted, expired, redriven or purged).
local function remove(qbase, qfifo, member)
  local key = qbase .. ':m:' .. member
  local group = redis.call('HGET', key, 'g')
  redis.call('DEL', key)
  redis.call('ZREM', qbase .. ':all', member)
  redis.call('ZREM', qbase .. ':at', member)
  redis.call('ZREM', qbase .. ':exp', member)
  redis.call('ZREM', qbase .. ':fl', member)
  if qfifo and group then
    local gkey = qbase .. ':g:' .. group
    redis.call('ZREM', gkey, member)
    local head = redis.call('ZRANGE', gkey, 0, 0, 'WITHSCORES')
    if head[1] then
      redis.call('ZADD', qbase .. ':heads', head[2], group)
    else
      redis.call('ZREM', qbase .. ':heads', group)
    end
  end
end

-- Wake the waiters of queue `qbase` in every process (`RedisBackend.watch`): it may have a
-- message for them now.
local function announce(qbase)
  redis.call('PUBLISH', string.match(qbase, '^{[^}]*}') .. ':changes', qbase)
end

-- A message enters queue `qbase`, visible after `delay`; its serial.
local function admit(qbase, qfifo, blob, group, delay, retained_from, retention, rc, fr, src)
  local serial = redis.call('HINCRBY', qbase .. ':meta', 'serial', 1)
  local member = pad(serial)
  local visible_at = now + delay
  local fields = {'b', blob, 'st', 0, 'va', visible_at, 'ra', 0, 'rc', rc,
                  'rf', retained_from, 'ea', now}
  if fr then fields[#fields + 1] = 'fr'; fields[#fields + 1] = fr end
  if group then fields[#fields + 1] = 'g'; fields[#fields + 1] = group end
  if src then fields[#fields + 1] = 'src'; fields[#fields + 1] = src end
  redis.call('HSET', qbase .. ':m:' .. member, unpack(fields))
  redis.call('ZADD', qbase .. ':all', serial, member)
  redis.call('ZADD', qbase .. ':at', visible_at, member)
  redis.call('ZADD', qbase .. ':exp', tonumber(retained_from) + retention, member)
  if qfifo and group then
    redis.call('ZADD', qbase .. ':g:' .. group, serial, member)
    redis.call('ZADD', qbase .. ':heads', 'NX', serial, group)
  end
  announce(qbase)
  return serial
end

-- Retention expiry up to now; a visibility timeout that passed needs nothing (`va` says it),
-- but leaves the in-flight set. How many messages expired.
local function tick()
  local expired = redis.call('ZRANGEBYSCORE', base .. ':exp', '-inf', now + SLACK)
  for _, member in ipairs(expired) do remove(base, fifo, member) end
  redis.call('ZREMRANGEBYSCORE', base .. ':fl', '-inf', now + SLACK)
  return #expired
end

-- When the next delay or visibility timeout passes, as Redis spells the score; '' if none.
local function next_due()
  local visible = redis.call('ZCOUNT', base .. ':at', '-inf', now + SLACK)
  local due = redis.call('ZRANGE', base .. ':at', visible, visible, 'WITHSCORES')
  return due[2] or ''
end

-- FIFO: visit each group that may deliver (none of its messages in flight), oldest head
-- first, and its visible run from the head; `visit(member)` answers 'taken', 'moved' (it
-- left the group) or 'stop'. Stops once `most` are taken.
local function each_deliverable(most, visit)
  local waiting = {}
  for _, member in ipairs(redis.call('ZRANGE', base .. ':fl', 0, -1)) do
    local group = redis.call('HGET', base .. ':m:' .. member, 'g')
    if group then waiting[group] = true end
  end
  local taken = 0
  for _, group in ipairs(redis.call('ZRANGE', base .. ':heads', 0, -1)) do
    if taken >= most then return end
    if not waiting[group] then
      local gkey = base .. ':g:' .. group
      local index = 0
      while taken < most do
        local member = redis.call('ZRANGE', gkey, index, index)[1]
        if not member then break end
        if tonumber(redis.call('HGET', base .. ':m:' .. member, 'va')) > now + SLACK then break end
        local outcome = visit(member)
        if outcome == 'stop' then return end
        if outcome == 'taken' then
          index = index + 1
          taken = taken + 1
        end
      end
    end
  end
end
"""

# KEYS[1]: base. ARGV: now, fifo, retention period, deduplication window, then per message:
# message id, fields blob, group id ('' none), deduplication id ('' none), delay.
# Returns {expired, {deduplicated (0/1), message id, serial}...}.
SEND = (
    _COMMON
    + """
local retention = tonumber(ARGV[3])
local window = tonumber(ARGV[4])
local result = {tick()}
local ddx = base .. ':ddx'
for i = 5, #ARGV, 5 do
  local message_id, blob, group, dedup = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]
  local answer = nil
  if fifo and dedup ~= '' then
    local held = redis.call('HGET', base .. ':dd', dedup)
    if held and tonumber(redis.call('ZSCORE', ddx, dedup)) > now + SLACK then
      local serial, id = string.match(held, '^(%d+) (.*)$')
      answer = {1, id, tonumber(serial)}
    end
  end
  if not answer then
    if group == '' then group = false end
    local serial = admit(base, fifo, blob, group, tonumber(ARGV[i + 4]), now, retention, 0,
                         false, false)
    if fifo and dedup ~= '' then
      for _, old in ipairs(redis.call('ZRANGEBYSCORE', ddx, '-inf', now)) do
        redis.call('HDEL', base .. ':dd', old)
        redis.call('ZREM', ddx, old)
      end
      redis.call('HSET', base .. ':dd', dedup, serial .. ' ' .. message_id)
      redis.call('ZADD', ddx, now + window, dedup)
    end
    answer = {0, message_id, serial}
  end
  result[#result + 1] = answer
end
return result
"""
)

# KEYS[1]: base; KEYS[2]: the dead-letter queue's base (KEYS[1] again when none). ARGV: now,
# fifo, count, hidden for (s), first receive (Unix ms), max receive count (0: no redrive), this
# queue's ARN, '1' if the dead-letter queue is FIFO, its retention period.
# Returns {expired, redriven, next due ('' when any message was taken, or none is due), then
# per message taken {serial, fields blob, receive count, first receive, group, source ARN}}.
TAKE = (
    _COMMON
    + """
local count = tonumber(ARGV[3])
local hidden_for = tonumber(ARGV[4])
local first_received = ARGV[5]
local max_receives = tonumber(ARGV[6])
local arn = ARGV[7]
local dlq, dlq_fifo, dlq_retention = KEYS[2], ARGV[8] == '1', tonumber(ARGV[9])
local result = {tick(), 0, ''}
local taken = {}

local function redrive(member)
  if max_receives <= 0 then return false end
  local f = redis.call('HMGET', base .. ':m:' .. member, 'b', 'rc', 'fr', 'rf', 'g')
  if tonumber(f[2]) < max_receives then return false end
  local retained_from = f[4]
  if dlq_fifo then retained_from = now end
  admit(dlq, dlq_fifo, f[1], f[5], 0, retained_from, dlq_retention, f[2], f[3], arn)
  remove(base, fifo, member)
  result[2] = result[2] + 1
  return true
end

local function deliver(member)
  local key = base .. ':m:' .. member
  local rc = redis.call('HINCRBY', key, 'rc', 1)
  local f = redis.call('HMGET', key, 'b', 'fr', 'g', 'src')
  local fr = f[2]
  if not fr then
    fr = first_received
    redis.call('HSET', key, 'fr', fr)
  end
  redis.call('HSET', key, 'st', 2, 'va', now + hidden_for, 'ra', now)
  redis.call('ZADD', base .. ':fl', now + hidden_for, member)
  taken[#taken + 1] = member
  result[#result + 1] = {tonumber(member), f[1], rc, fr, f[3] or '', f[4] or ''}
end

if fifo then
  each_deliverable(count, function(member)
    if redrive(member) then return 'moved' end
    deliver(member)
    return 'taken'
  end)
else
  -- Those taken keep their place in `at` until the end, so the next page starts after them.
  while #taken < count do
    local page = redis.call('ZRANGEBYSCORE', base .. ':at', '-inf', now + SLACK,
                            'LIMIT', #taken, count - #taken)
    if #page == 0 then break end
    for _, member in ipairs(page) do
      if not redrive(member) then deliver(member) end
    end
  end
end
for _, member in ipairs(taken) do
  redis.call('ZADD', base .. ':at', now + hidden_for, member)
end
if #taken == 0 then result[3] = next_due() end
return result
"""
)

# KEYS[1]: base. ARGV: now, fifo. Returns {expired, deliverable now (0/1), next due ('' none)}.
PEEK = (
    _COMMON
    + """
local result = {tick(), 0, ''}
if fifo then
  each_deliverable(1, function(member)
    result[2] = 1
    return 'stop'
  end)
elseif redis.call('ZCOUNT', base .. ':at', '-inf', now + SLACK) > 0 then
  result[2] = 1
end
result[3] = next_due()
return result
"""
)

# Resolving a receipt handle's (serial, receive number): the message's key and fields, or a
# code: -1 the handle was never issued.
_RESOLVE = """
local function resolve(serial, number)
  local member = pad(serial)
  local key = base .. ':m:' .. member
  local f = redis.call('HMGET', key, 'rc', 'st', 'va', 'ra', 'b')
  if not f[1] then
    if serial > tonumber(redis.call('HGET', base .. ':meta', 'serial') or 0) then return -1 end
    return 0
  end
  local rc = tonumber(f[1])
  if number < 1 or number > rc then return -1 end
  local in_flight = tonumber(f[2]) == 2 and tonumber(f[3]) > now + SLACK
  return member, rc, in_flight, f[4], f[5]
end
"""

# KEYS[1]: base. ARGV: now, fifo, then per handle: serial, receive number. Returns {expired,
# code...}: 1 deleted, 0 accepted without deleting (stale handle, message gone), -1 never
# issued, -2 expired (FIFO: the message is no longer in flight under this handle).
DELETE = (
    _COMMON
    + _RESOLVE
    + """
local result = {tick()}
for i = 3, #ARGV, 2 do
  local number = tonumber(ARGV[i + 1])
  local member, rc, in_flight = resolve(tonumber(ARGV[i]), number)
  local code = 1
  if type(member) == 'number' then
    code = member
  elseif not in_flight or number ~= rc then
    if fifo then code = -2 elseif number ~= rc then code = 0 end
  end
  if code == 1 then remove(base, fifo, member) end
  result[#result + 1] = code
end
if fifo then announce(base) end  -- a group whose head left may deliver its next message
return result
"""
)

# KEYS[1]: base. ARGV: now, fifo, serial, receive number, visibility timeout, the most a
# message may stay in flight. Returns {expired, code, fields blob, received at}: code 0 done,
# 1 the message is gone, -1 never issued, -2 expired (FIFO), 2 not the latest handle, 3 not in
# flight, 4 over the most in flight.
CHANGE = (
    _COMMON
    + _RESOLVE
    + """
local number, seconds, most = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local member, rc, in_flight, received_at, blob = resolve(tonumber(ARGV[3]), number)
local result = {tick(), 0, '', ''}
if type(member) == 'number' then
  result[2] = member == 0 and 1 or -1
  return result
end
result[3], result[4] = blob, received_at
if fifo and (number ~= rc or not in_flight) then
  result[2] = -2
elseif number ~= rc then
  result[2] = 2
elseif not in_flight then
  result[2] = 3
elseif now - tonumber(received_at) + seconds > most then
  result[2] = 4
else
  local key = base .. ':m:' .. member
  redis.call('HSET', key, 'va', now + seconds)
  redis.call('ZADD', base .. ':at', now + seconds, member)
  if seconds == 0 then
    redis.call('ZREM', base .. ':fl', member)
    announce(base)
  else
    redis.call('ZADD', base .. ':fl', now + seconds, member)
  end
end
return result
"""
)

# Every message of the queue leaves. ARGV[3] '1' also forgets the queue itself (its serial,
# secret and deduplication window). Returns the number of messages removed.
_CLEAR = """
local function clear(forget)
  local members = redis.call('ZRANGE', base .. ':all', 0, -1)
  for _, member in ipairs(members) do redis.call('DEL', base .. ':m:' .. member) end
  for _, group in ipairs(redis.call('ZRANGE', base .. ':heads', 0, -1)) do
    redis.call('DEL', base .. ':g:' .. group)
  end
  redis.call('DEL', base .. ':all', base .. ':at', base .. ':exp', base .. ':fl', base .. ':heads')
  if forget then redis.call('DEL', base .. ':meta', base .. ':dd', base .. ':ddx') end
  return #members
end
"""

# KEYS[1]: base. ARGV: now, fifo. Returns {expired, purged}.
PURGE = _COMMON + _CLEAR + "\nlocal expired = tick()\nreturn {expired, clear(false)}\n"

# KEYS[1]: base. ARGV: now, fifo. Returns the number of messages the queue had.
DROP = _COMMON + _CLEAR + "\nreturn clear(true)\n"

# KEYS[1]: base. ARGV: now, fifo. Returns {expired, delayed, visible, in flight}.
COUNTS = (
    _COMMON
    + """
local expired = tick()
local total = redis.call('ZCARD', base .. ':all')
local visible = redis.call('ZCOUNT', base .. ':at', '-inf', now + SLACK)
local in_flight = redis.call('ZCARD', base .. ':fl')
return {expired, total - visible - in_flight, visible, in_flight}
"""
)

# KEYS[1]: base. ARGV: now, fifo. Returns {expired, when the oldest message entered ('' if
# none)}.
OLDEST = (
    _COMMON
    + """
local expired = tick()
local oldest = redis.call('ZRANGE', base .. ':all', 0, 0)[1]
if not oldest then return {expired, ''} end
return {expired, redis.call('HGET', base .. ':m:' .. oldest, 'ea')}
"""
)

# KEYS[1]: base. ARGV: now, fifo. Returns {expired, {serial, fields blob, state (0 delayed, 1
# visible, 2 in flight), receive count, group}...} in serial order.
SNAPSHOT = (
    _COMMON
    + """
local result = {tick()}
for _, member in ipairs(redis.call('ZRANGE', base .. ':all', 0, -1)) do
  local f = redis.call('HMGET', base .. ':m:' .. member, 'b', 'st', 'va', 'rc', 'g')
  local state = tonumber(f[2])
  if tonumber(f[3]) <= now + SLACK then state = 1 end
  result[#result + 1] = {tonumber(member), f[1], state, tonumber(f[4]), f[5] or ''}
end
return result
"""
)

# KEYS[1]: base. ARGV: a new key, a new mask (hex). The queue's key and mask, made once: every
# process that opens the queue reads the same.
SECRET = """
local meta = KEYS[1] .. ':meta'
if redis.call('HEXISTS', meta, 'key') == 0 then
  redis.call('HSET', meta, 'key', ARGV[1], 'mask', ARGV[2])
end
return redis.call('HMGET', meta, 'key', 'mask')
"""
