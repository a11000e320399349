"""The child process of the fleet tests: one app of a fleet sharing a Redis prefix, invoked hard
until FOLDER/stop exists.

    python fleet_app.py STORE FOLDER

The app has the account's concurrency `LIMIT` and two functions that sleep `NAP` seconds:
`work` (unreserved) and `capped` (reserved concurrency `RESERVED`). `CLIENTS` tasks invoke
`work` and `RESERVED_CLIENTS` invoke `capped`, each again as soon as it returns, or after a
short pause when throttled. Each handler adds itself to the fleet's in-flight count in Redis as
it starts and takes itself off as it ends (`fleet:inflight:<function>` and `fleet:inflight:all`,
hashes of process id -> count; `fleet:most:...` keep the largest sums seen), so the test sees the
fleet's true concurrency, whichever process ran what. At the stop the child writes
FOLDER/<pid>.json: its invocations, its throttles by reason and how many of those its grants
caused.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import anyio

from faaslib import App, Context, TooManyRequests
from faaslib.stores import RedisBackend

LIMIT = 10
RESERVED = 3
NAP = 0.05
CLIENTS = 8
RESERVED_CLIENTS = 3

# KEYS: pairs of (in-flight hash, most seen). ARGV[1]: process id; ARGV[2]: +1 or -1.
COUNT = """
for pair = 1, #KEYS, 2 do
  redis.call('HINCRBY', KEYS[pair], ARGV[1], tonumber(ARGV[2]))
  local total = 0
  for _, value in ipairs(redis.call('HVALS', KEYS[pair])) do total = total + tonumber(value) end
  local most = tonumber(redis.call('GET', KEYS[pair + 1]) or '0')
  if total > most then redis.call('SET', KEYS[pair + 1], total) end
end
return 1
"""


def build(store: str) -> App:
    app = App("fleet", store=store, concurrency=LIMIT, unreserved_minimum=0)
    pid = str(os.getpid())

    store = app.store
    assert isinstance(store, RedisBackend)

    async def count(function: str, change: int) -> None:
        script = store.client.register_script(COUNT)
        keys = []
        for name in (function, "all"):
            keys += [store.key("fleet", "inflight", name), store.key("fleet", "most", name)]
        await script(keys=keys, args=[pid, change])

    async def nap(event: Any, context: Context) -> None:
        await count(context.function_name, 1)
        try:
            await anyio.sleep(NAP)
        finally:
            with anyio.CancelScope(shield=True):
                await count(context.function_name, -1)

    app.function(name="work")(nap)
    app.function(name="capped", reserved_concurrency=RESERVED)(nap)
    return app


async def main(store: str, folder: Path) -> None:
    app = build(store)
    done: Counter[str] = Counter()
    throttles: Counter[str] = Counter()
    stop = folder / "stop"

    async def client(function: str) -> None:
        while not stop.exists():
            try:
                await app.invoke(function)
                done[function] += 1
            except TooManyRequests as throttle:
                throttles[str(throttle.reason)] += 1
                await anyio.sleep(0.01)

    async with app:
        (folder / f"{os.getpid()}.ready").write_text("")
        async with anyio.create_task_group() as tasks:
            for _ in range(CLIENTS):
                tasks.start_soon(client, "work")
            for _ in range(RESERVED_CLIENTS):
                tasks.start_soon(client, "capped")
        grants = app._grants
        assert grants is not None
        summary = {
            "done": dict(done),
            "throttles": dict(throttles),
            "by_grant": grants.cap.refusals,
            "renewals": grants.renewals,
            "failures": grants.failures,
            "process_id": grants.process_id,
        }
    (folder / f"{os.getpid()}.json").write_text(json.dumps(summary))
    app.store.close()  # its blocking client's thread, which would hold the exit up


if __name__ == "__main__":
    anyio.run(main, sys.argv[1], Path(sys.argv[2]))
