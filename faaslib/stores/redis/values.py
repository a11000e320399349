"""`Values` in Redis: each namespace a hash of JSON documents; `add` and `advance` are Lua
scripts, so every process and host sharing the server adds to one total and advances a
schedule's tick once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faaslib.stores.redis.connection import Client, RedisBackend

__all__ = ["RedisValues"]

_ADD = """
local held = redis.call('HGET', KEYS[1], ARGV[1])
local totals = {}
if held then
  local decoded = cjson.decode(held)
  if type(decoded) == 'table' then totals = decoded end
end
local amounts = cjson.decode(ARGV[2])
for name, amount in pairs(amounts) do
  totals[name] = (tonumber(totals[name]) or 0) + amount
end
local encoded = cjson.encode(totals)
redis.call('HSET', KEYS[1], ARGV[1], encoded)
return encoded
"""

# KEYS[1]: the namespace's hash; ARGV[1]: {key: amounts} as JSON. Returns {key: document}.
_ADD_MANY = """
local amounts = cjson.decode(ARGV[1])
local out = {}
for key, part in pairs(amounts) do
  local held = redis.call('HGET', KEYS[1], key)
  local totals = {}
  if held then
    local decoded = cjson.decode(held)
    if type(decoded) == 'table' then totals = decoded end
  end
  local changed = false
  for name, amount in pairs(part) do
    totals[name] = (tonumber(totals[name]) or 0) + amount
    changed = true
  end
  if changed then redis.call('HSET', KEYS[1], key, cjson.encode(totals)) end
  out[key] = totals
end
return cjson.encode(out)
"""

_ADVANCE = """
local held = tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
local value = tonumber(ARGV[2])
if held and held >= value then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
"""

# ARGV: 1 the key, 2 the expected document's JSON text ('' for none), 3 the new one's ('' to
# remove it). Documents are written as `json.dumps` writes them, so equal ones compare equal.
_SWAP = """
local held = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if held ~= ARGV[2] then return 0 end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
return 1
"""


class RedisValues:
    """Values through the backend's blocking client: each call one round trip."""

    def __init__(self, backend: RedisBackend) -> None:
        self._backend = backend

    def _key(self, namespace: str) -> str:
        return self._backend.key("values", namespace)

    def get(self, namespace: str, key: str) -> Any | None:
        async def work(client: Client) -> Any:
            return await client.hget(self._key(namespace), key)

        held = self._backend.blocking(work)
        return None if held is None else json.loads(held)

    def put(self, namespace: str, key: str, value: Any) -> None:
        async def work(client: Client) -> None:
            await client.hset(self._key(namespace), {key: json.dumps(value)})

        self._backend.blocking(work)

    def add(self, namespace: str, key: str, amounts: Mapping[str, int]) -> dict[str, int]:
        async def work(client: Client) -> Any:
            script = client.register_script(_ADD)
            return await script(keys=[self._key(namespace)], args=[key, json.dumps(amounts)])

        totals = json.loads(self._backend.blocking(work))
        # cjson encodes an empty table as {} and whole numbers may come back as floats.
        return {name: int(value) for name, value in totals.items()} if totals else {}

    def add_many(
        self, namespace: str, amounts: Mapping[str, Mapping[str, int]]
    ) -> dict[str, dict[str, int]]:
        if not amounts:
            return {}

        async def work(client: Client) -> Any:
            script = client.register_script(_ADD_MANY)
            return await script(keys=[self._key(namespace)], args=[json.dumps(amounts)])

        documents = json.loads(self._backend.blocking(work))
        # cjson encodes an empty table as {}, so a key with nothing kept comes back as {}
        return {
            key: {name: int(value) for name, value in document.items()} if document else {}
            for key, document in (documents or {}).items()
        }

    def advance(self, namespace: str, key: str, value: float) -> bool:
        async def work(client: Client) -> Any:
            script = client.register_script(_ADVANCE)
            return await script(keys=[self._key(namespace)], args=[key, repr(float(value))])

        return bool(self._backend.blocking(work))

    def swap(self, namespace: str, key: str, expected: Any | None, value: Any | None) -> bool:
        old = "" if expected is None else json.dumps(expected)
        new = "" if value is None else json.dumps(value)

        async def work(client: Client) -> Any:
            script = client.register_script(_SWAP)
            return await script(keys=[self._key(namespace)], args=[key, old, new])

        return bool(self._backend.blocking(work))
