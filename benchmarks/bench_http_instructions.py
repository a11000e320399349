"""The HTTP front door counted rather than timed: machine instructions and simulated cache
misses per request of each app of `bench_http.py` under uvicorn, beside the Starlette endpoint.

Timed rounds on a shared machine swing by a third from one to the next; these counts do not:
each uvicorn runs under Valgrind's cachegrind, which executes it on a simulated CPU with the
caches of this machine (L1 and L2 as read from /sys; the L2 stands as the last level, as a
request's working set either fits in it or spills to the shared L3). Each app serves two loads
of the same 32 keep-alive connections, `short` and `long` requests apiece; the difference
between the two runs is what the extra requests cost, start-up and shutdown taken out.

What the counts say, and what they leave out: a request's time under uvicorn is its
instructions, slowed by the cache misses and branch mispredictions they meet, plus the kernel's
time on the socket (the same for every app, and not counted here). Where the in-process rounds
of `bench_http.py` see faaslib at 1.5-2x Starlette, here its instructions are a smaller multiple
of a whole request's (uvicorn, h11 and asyncio run the same code for both), and its L2 misses a
larger one: its per-request working set no longer fits in the L2. The counts move by about 1%
from run to run (how requests batch between two turns of the event loop depends on timing),
and faaslib's rows count a little too much: an invoke gives the event loop a turn every 10 ms
of real time, which under Valgrind comes every few requests rather than every few hundred.

Run: `python benchmarks/bench_http_instructions.py` (needs `valgrind` on PATH; about 3 minutes
on 2 cores); `--short`/`--long` set the loads. A second table counts the apps called in
process, as `bench_http.py`'s own rounds call them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench_http import (
    BASELINE,
    KINDS,
    _connection,
    _free_port,
    _requests,
    starlette_app,
    uvicorn_process,
)

HERE = Path(__file__).resolve().parent
CONNECTIONS = 32
# The summary lines cachegrind prints, and the events each gives (totals first).
_EVENTS = {
    "I   refs": "instructions",
    "I1  misses": "L1 instruction misses",
    "D1  misses": "L1 data misses",
    "LL misses": "L2 misses",
}
_SUMMARY = re.compile(r"==\d+== (I   refs|I1  misses|D1  misses|LL misses):\s+([\d,]+)")


def _cache(index: int, default: str) -> str:
    """Cachegrind's `size,associativity,line` for this CPU's cache `index` (0: L1 data, 1: L1
    instructions, 2: L2), from /sys; `default` where it cannot be read."""
    folder = Path(f"/sys/devices/system/cpu/cpu0/cache/index{index}")
    try:
        size = (folder / "size").read_text().strip()
        ways = (folder / "ways_of_associativity").read_text().strip()
        line = (folder / "coherency_line_size").read_text().strip()
    except OSError:
        return default
    number = int(size.rstrip("KM")) * (1024 if size.endswith("K") else 1024 * 1024)
    return f"{number},{ways},{line}"


def _serve_counted(app: str, requests: int, folder: str) -> dict[str, int]:
    """The event totals of one uvicorn serving `app` for `requests` requests on each of the
    connections, under cachegrind."""
    port = _free_port()
    log = Path(folder) / f"{app}-{requests}.log"
    cachegrind = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=yes",
        f"--D1={_cache(0, '32768,8,64')}",
        f"--I1={_cache(1, '32768,8,64')}",
        f"--LL={_cache(2, '1048576,8,64')}",
        f"--cachegrind-out-file={Path(folder) / f'{app}-{requests}.out'}",
        f"--log-file={log}",
    ]
    server = uvicorn_process(app, port, cachegrind)
    try:
        asyncio.run(_load_when_up(port, requests))
    finally:
        server.send_signal(2)  # SIGINT: uvicorn stops, cachegrind writes its summary
        server.wait(300)
    totals: dict[str, int] = {}
    for match in _SUMMARY.finditer(log.read_text()):
        totals[_EVENTS[match.group(1)]] = int(match.group(2).replace(",", ""))
    if len(totals) != len(_EVENTS):
        raise RuntimeError(f"cachegrind gave no summary for {app}: see {log}")
    return totals


async def _load_when_up(port: int, requests: int) -> None:
    for _ in range(1200):  # Python starts about 50 times slower under Valgrind
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.1)
            continue
        writer.close()
        break
    await asyncio.gather(*(_connection(port, requests) for _ in range(CONNECTIONS)))


def _in_process(row: str, requests: int) -> None:
    """Serve `requests` requests of `row`'s app in process (what `_count_in_process` counts)."""
    import faaslib.executor.runner

    # An invoke gives the event loop a turn every 10 ms of real time: under Valgrind that would
    # be every few requests, and counted as theirs.
    faaslib.executor.runner.YIELD_EVERY = float("inf")

    async def serve() -> None:
        app = next((app for _, name, _, app in KINDS if name == row), None)
        if app is None:
            await _requests(starlette_app, requests)
            return
        async with app:
            await _requests(app.asgi, requests)

    asyncio.run(serve())


def _count_in_process(row: str, requests: int) -> int:
    """The instructions of serving `requests` requests of `row` in process, under cachegrind."""
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "log"
        command = [
            "valgrind",
            "--tool=cachegrind",
            "--cache-sim=no",
            f"--cachegrind-out-file={Path(folder) / 'out'}",
            f"--log-file={log}",
            sys.executable,
            str(Path(__file__).resolve()),
            "--serve-in-process",
            row,
            str(requests),
        ]
        subprocess.run(command, cwd=HERE, check=True)
        found = re.search(r"I   refs:\s+([\d,]+)", log.read_text())
    if found is None:
        raise RuntimeError(f"cachegrind gave no count for {row} in process")
    return int(found.group(1).replace(",", ""))


def in_process_counts(short: int, long: int) -> dict[str, float]:
    """Instructions per request of every app called directly (no server), by row name."""
    rows = [BASELINE[0], *(name for _, name, _, _ in KINDS)]
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        runs = {
            (row, requests): pool.submit(_count_in_process, row, requests)
            for row in rows
            for requests in (short, long)
        }
        return {
            row: (runs[row, long].result() - runs[row, short].result()) / (long - short)
            for row in rows
        }


def counts(short: int, long: int) -> dict[str, dict[str, float]]:
    """Per request events of every app, by row name (the Starlette endpoint first)."""
    rows = [BASELINE, *((name, app) for _, name, app, _ in KINDS)]
    with tempfile.TemporaryDirectory() as folder, ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        runs = {
            (name, requests): pool.submit(_serve_counted, app, requests, folder)
            for name, app in rows
            for requests in (short, long)
        }
        extra = CONNECTIONS * (long - short)
        return {
            name: {
                event: (runs[name, long].result()[event] - runs[name, short].result()[event])
                / extra
                for event in _EVENTS.values()
            }
            for name, _ in rows
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--short", type=int, default=10, help="requests per connection, first run")
    parser.add_argument("--long", type=int, default=60, help="requests per connection, second run")
    parser.add_argument("--serve-in-process", nargs=2, metavar=("ROW", "REQUESTS"), help="(inner)")
    arguments = parser.parse_args()
    if arguments.serve_in_process:
        row, requests = arguments.serve_in_process
        _in_process(row, int(requests))
        return
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not on PATH (Debian: apt-get install valgrind)")
    table = counts(arguments.short, arguments.long)
    base = table[BASELINE[0]]
    print(f"Per request under uvicorn (cachegrind; L2 {_cache(2, '1048576,8,64')} the last level)")
    print(f"  {'app':<30}" + "".join(f"{event:>26}" for event in _EVENTS.values()))
    for name, events in table.items():
        cells = []
        for event in _EVENTS.values():
            ratio = "" if name == BASELINE[0] else f" ({events[event] / base[event]:.2f}x)"
            cells.append(f"{f'{events[event]:,.0f}{ratio}':>26}")
        print(f"  {name:<30}" + "".join(cells))
    inside = in_process_counts(CONNECTIONS * arguments.short, CONNECTIONS * arguments.long)
    print("Per request in process (the ASGI app called directly, as bench_http.py's rounds)")
    for name, count in inside.items():
        ratio = "" if name == BASELINE[0] else f" ({count / inside[BASELINE[0]]:.2f}x)"
        print(f"  {name:<30}{f'{count:,.0f}{ratio}':>26}")


if __name__ == "__main__":
    main()
