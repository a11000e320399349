"""Flag regressions: a fresh run of benchmarks/run.py beside the figures committed with the last
RESULTS.md (benchmarks/results/<backend>.json, as of git HEAD).

    python benchmarks/compare.py                    # asyncio: run, compare, exit 1 on a regression
    python benchmarks/compare.py --backend trio
    python benchmarks/compare.py --new run.json     # compare a run already made (run.py --json)

Run it before each commit that touches a hot path. A faaslib or peer figure more than 10% worse
than the committed one is flagged; so that a busy machine is not taken for slow code, the
baselines' own drift (direct await, cancel scopes, thread hand-off, floors) is shown beside it:
a row flagged while its baselines moved as much is the machine's, and worth running again.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
THRESHOLD = 0.10


def committed(backend: str) -> dict[str, float]:
    path = f"benchmarks/results/{backend}.json"
    try:
        text = subprocess.run(
            ["git", "show", f"HEAD:{path}"],
            cwd=HERE.parent,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except subprocess.CalledProcessError:
        sys.exit(f"no committed {path} to compare with: run benchmarks/run.py --json {path}")
    figures: dict[str, float] = json.loads(text)["figures"]
    return figures


def fresh(backend: str, quick: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "run.json"
        command = [sys.executable, str(HERE / "run.py"), "--backend", backend, "--json", str(out)]
        if quick:
            command.append("--quick")
        subprocess.run(command, cwd=HERE, check=True, stdout=subprocess.DEVNULL)
        figures: dict[str, float] = json.loads(out.read_text())["figures"]
        return figures


def worsening(name: str, old: float, new: float) -> float:
    """How much worse `new` is than `old`, as a fraction (negative: better). Figures in µs are
    better lower; rates (/s) better higher."""
    if name.endswith("(µs)"):
        return new / old - 1
    return old / new - 1


def is_baseline(name: str) -> bool:
    return "baseline:" in name or "floor:" in name


def compare(old: dict[str, float], new: dict[str, float]) -> tuple[list[str], list[str]]:
    """The report's lines, and the names of the regressions."""
    common = [name for name in new if name in old and old[name] > 0 and new[name] > 0]
    drift = [worsening(name, old[name], new[name]) for name in common if is_baseline(name)]
    machine = statistics.median(drift) if drift else 0.0
    width = max((len(name) for name in common), default=20)
    lines = [
        f"{'figure':<{width}}  {'committed':>12}  {'now':>12}  change",
        "-" * (width + 44),
    ]
    flagged = []
    for name in common:
        change = worsening(name, old[name], new[name])
        mark = ""
        if not is_baseline(name) and change > THRESHOLD:
            flagged.append(name)
            mark = "  REGRESSION" + ("?" if machine > THRESHOLD / 2 else "")
        word = "worse" if change > 0 else "better"
        lines.append(
            f"{name:<{width}}  {old[name]:>12,.2f}  {new[name]:>12,.2f}  "
            f"{abs(change):.0%} {word}{mark}"
        )
    lines.append(
        f"\nthe baselines moved {machine:+.0%} (median; + is slower): "
        + (
            "the machine is busier than at the committed run"
            if machine > THRESHOLD / 2
            else "steady enough to compare"
        )
    )
    missing = sorted(set(old) - set(new))
    if missing:
        lines.append(f"not measured now: {', '.join(missing)}")
    return lines, flagged


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    parser.add_argument("--quick", action="store_true", help="a quick run (noisier)")
    parser.add_argument("--new", type=Path, help="a run.py --json file instead of a fresh run")
    arguments = parser.parse_args()
    old = committed(arguments.backend)
    if arguments.new is not None:
        new: dict[str, float] = json.loads(arguments.new.read_text())["figures"]
    else:
        new = fresh(arguments.backend, arguments.quick)
    lines, flagged = compare(old, new)
    print("\n".join(lines))
    if flagged:
        print(f"\n{len(flagged)} figure(s) more than {THRESHOLD:.0%} worse: {', '.join(flagged)}")
        return 1
    print(f"\nno figure more than {THRESHOLD:.0%} worse")
    return 0


if __name__ == "__main__":
    sys.exit(main())
