"""Power tuning: which memory size should a function have? Run it at each and see.

pip install -e . && python examples/tune.py [chart.svg]

Two functions with opposite answers: `checksum` hashes a buffer (CPU-bound: more memory buys
more CPU, so it gets faster up to 1,769 MB, one full vCPU, for about the same cost), and
`lookup` waits 20 ms on a "database" (sleep-bound: more memory buys nothing, so cost rises
with it). The same from the command line:

    faaslib tune tune:app checksum --memory 128,256,512,1024,1769,3008 -n 5 --chart tune.svg
"""

from __future__ import annotations

import hashlib
import sys
import time
from pathlib import Path
from typing import Any

import anyio

from faaslib import App

app = App(name="tuning")
MEMORY = [128, 256, 512, 1024, 1769, 3008]


@app.function(memory=1024, timeout=30)
def checksum(event: dict[str, Any], context: Any) -> str:
    """CPU-bound: SHA-256 chained over a buffer, `rounds` times (~50 ms at one full vCPU)."""
    data = b"\0" * int(event.get("size", 1024))
    for _ in range(int(event.get("rounds", 40_000))):
        data = hashlib.sha256(data).digest() + data[32:]
    return data[:32].hex()


@app.function(memory=1024)
def lookup(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Sleep-bound: waits 20 ms for an answer, using next to no CPU."""
    time.sleep(0.02)
    return {"key": event.get("key"), "found": True}


async def main(chart: Path) -> None:
    for name, payloads in (("checksum", [{"rounds": 40_000}]), ("lookup", [{"key": "a"}])):
        result = await app.tune(name, payloads, memory=MEMORY, invocations=5)
        print(f"{name}: {result.method}")
        print(result.table())
        print(f"-> {result.recommended} MB: {result.why}\n")
        if name == "checksum":
            result.chart(chart)
            print(f"chart written to {chart}")
    print(f"CPU: {result.cpu_model}")


if __name__ == "__main__":
    default = Path(__file__).resolve().parent.parent / "docs" / "images" / "tune.svg"
    anyio.run(main, Path(sys.argv[1]) if len(sys.argv) > 1 else default)
