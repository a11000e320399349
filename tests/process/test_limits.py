"""The memory setting as a hard limit on real processes, with every mechanism this host offers:
a process allocating twice its limit is stopped and counted as out of memory, one allocating
half is not, and the peak reported is what the process really touched."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from faaslib import App
from faaslib.errors import ConfigurationError
from faaslib.runtime_api.limits import MemoryGuard, host_mechanism, memory_guard
from faaslib.runtime_api.runtimes import NODE_RIC_VERSION, launch_for, node_ric_folder
from tests.process.runtimes.launched import Launched
from tests.runtime_api import RuntimeAPI

MECHANISMS = sorted({host_mechanism(), "rlimit"})
OWN_PYTHON = f"python{sys.version_info.major}.{sys.version_info.minor}"

# Touches `mb` MiB (every page written), reports, then waits to be measured.
ALLOCATE = """
import sys, time
try:
    block = bytearray({mb} << 20)
    for offset in range(0, len(block), 4096):
        block[offset] = 1
except MemoryError:
    print("MemoryError", flush=True)
    sys.exit(1)
print("allocated", flush=True)
time.sleep(0.3)
"""


@pytest.fixture(autouse=True)
def no_cgroup_left_behind() -> Iterator[None]:
    """Every guard a test makes is closed, and closing leaves no cgroup of this process (other
    processes' instances may share faaslib's folder)."""
    yield
    guard = memory_guard(128, "witness")
    parent = guard._cgroup.parent if guard._cgroup is not None else None
    guard.close()
    if parent is not None and parent.exists():
        mine = [path.name for path in parent.glob(f"*-{os.getpid()}-*")]
        assert mine == []


def run_under(guard: MemoryGuard, mb: int) -> tuple[subprocess.Popen[bytes], int, str]:
    """Run the allocation under `guard`; the process, its peak while alive, and its output."""
    with subprocess.Popen(
        [sys.executable, "-c", ALLOCATE.format(mb=mb)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        preexec_fn=guard.preexec,
    ) as process:
        assert process.stdout is not None
        first_line = process.stdout.readline().decode().strip()
        peak = guard.peak_mb(process.pid) if first_line == "allocated" else 0
        output = first_line + process.stdout.read().decode()
        process.wait(timeout=30)
    return process, peak, output


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_twice_the_memory_setting_is_stopped_and_counted_as_out_of_memory(
    mechanism: str,
) -> None:
    guard = memory_guard(128, "greedy", mechanism=mechanism)
    try:
        process, _, output = run_under(guard, 256)
        assert "allocated" not in output
        # what a runtime client reports: awslambdaric posts MemoryError as the errorType
        error_type = "MemoryError" if "MemoryError" in output else None
        assert guard.was_exceeded(process.pid, process.returncode, error_type)
        if mechanism.startswith("cgroup"):
            assert process.returncode == -9  # killed by the kernel, as Lambda's sandbox is
        guard.close()  # an instance's end is judged after its cgroup is gone, too
        assert guard.was_exceeded(process.pid, process.returncode, error_type)
        assert guard.peak_mb(process.pid) >= (128 if mechanism.startswith("cgroup") else 0)
    finally:
        guard.close()


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_half_the_memory_setting_runs_and_is_not_out_of_memory(mechanism: str) -> None:
    guard = memory_guard(256, "modest", mechanism=mechanism)
    try:
        process, peak, output = run_under(guard, 128)
        assert output.startswith("allocated"), output
        assert process.returncode == 0
        assert not guard.was_exceeded(process.pid, process.returncode, None)
        assert 128 <= peak <= 256
    finally:
        guard.close()


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_peak_is_within_ten_percent_of_what_the_process_touched(mechanism: str) -> None:
    idle_guard = memory_guard(512, "idle", mechanism=mechanism)
    guard = memory_guard(512, "measured", mechanism=mechanism)
    try:
        _, idle_peak, _ = run_under(idle_guard, 0)
        _, peak, output = run_under(guard, 200)
        assert output.startswith("allocated")
        touched = 200 + idle_peak  # the allocation, over what the interpreter itself holds
        assert abs(peak - touched) <= touched * 0.10, (peak, idle_peak)
    finally:
        idle_guard.close()
        guard.close()


def test_the_host_mechanism_is_the_strongest_available() -> None:
    mechanism = host_mechanism()
    assert mechanism in ("cgroup-v2", "cgroup-v1", "rlimit")
    if Path("/sys/fs/cgroup/memory/memory.limit_in_bytes").exists() and shutil.which("id"):
        uid = subprocess.run(["id", "-u"], capture_output=True, check=True).stdout.strip()
        if uid == b"0" and mechanism == "rlimit":
            pytest.fail("root with a cgroup v1 memory hierarchy must get a cgroup mechanism")


def test_close_removes_the_cgroup_and_what_is_left_in_it() -> None:
    guard = memory_guard(128, "closing")
    if guard.mechanism == "rlimit":
        pytest.skip("no writable cgroup on this host: nothing to remove")
    cgroup = guard._cgroup
    assert cgroup is not None
    assert cgroup.is_dir()
    straggler = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)"], preexec_fn=guard.preexec
    )
    assert str(straggler.pid) in (cgroup / "cgroup.procs").read_text().split()
    guard.close()
    assert straggler.wait(timeout=10) == -9
    assert not cgroup.exists()
    guard.close()  # idempotent


def test_a_guard_names_a_bad_setting() -> None:
    with pytest.raises(ConfigurationError, match=r"^function 'fn': memory=0 must be positive"):
        MemoryGuard(0, "fn")
    with pytest.raises(ConfigurationError, match="memory guard 'swap' is not one of"):
        MemoryGuard(128, "fn", mechanism="swap")


def test_a_python_handler_over_its_memory_under_awslambdaric_is_out_of_memory(
    tmp_path: Path,
) -> None:
    (tmp_path / "app.py").write_text(
        "def handler(event, context):\n"
        "    block = bytearray(event['mb'] << 20)\n"
        "    for offset in range(0, len(block), 4096):\n"
        "        block[offset] = 1\n"
        "    return len(block) >> 20\n"
    )
    pytest.importorskip("awslambdaric", reason="awslambdaric runs the handler")
    launch = launch_for("fn", OWN_PYTHON, "app.handler", tmp_path)
    guard = memory_guard(128, "fn", runtime=OWN_PYTHON)
    try:
        with (
            RuntimeAPI("fn") as api,
            Launched(api, launch, "app.handler", preexec=guard.preexec) as instance,
        ):
            fits = instance.invoke(b'{"mb": 32}')
            assert (fits.outcome, fits.body) == ("response", b"32")
            assert not guard.was_exceeded(instance.process.pid, None, None)  # type: ignore[union-attr]
            over = instance.invoke(b'{"mb": 256}')
            error_type = json.loads(over.body)["errorType"] if over.outcome == "error" else None
            assert over.outcome in ("crashed", "error")
            process = instance.process
            assert process is not None
            assert guard.was_exceeded(process.pid, over.exit_code, error_type)
    finally:
        guard.close()


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_a_node_handler_runs_under_its_guard_and_is_stopped_past_it(
    mechanism: str, tmp_path: Path
) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not on PATH: install Node.js to run the nodejs* runtimes")
    if not (node_ric_folder() / "aws-lambda-ric" / "rapid-client.node").is_file():
        pytest.skip(
            f"npm install --prefix {node_ric_folder().parent} aws-lambda-ric@{NODE_RIC_VERSION}"
        )
    (tmp_path / "index.mjs").write_text(
        "export const handler = async (event) => {\n"
        "  const blocks = [];\n"
        "  for (let i = 0; i < event.mb; i++) blocks.push(Buffer.alloc(1 << 20, 1));\n"
        "  return blocks.length;\n"
        "};\n"
    )
    launch = launch_for("fn", "nodejs20.x", "index.handler", tmp_path, memory_mb=128)
    guard = memory_guard(128, "fn", runtime="nodejs20.x", mechanism=mechanism)
    try:
        with (
            RuntimeAPI("fn") as api,
            Launched(api, launch, "index.handler", preexec=guard.preexec) as instance,
        ):
            fits = instance.invoke(b'{"mb": 16}')
            assert (fits.outcome, fits.body) == ("response", b"16")
            process = instance.process
            assert process is not None
            assert guard.peak_mb(process.pid) >= 16
            over = instance.invoke(b'{"mb": 512}')
            assert over.outcome == "crashed"
            assert guard.was_exceeded(process.pid, over.exit_code, None)
    finally:
        guard.close()


HUNGRY_PYTHON = """
def handler(event, context):
    block = bytearray(event["mb"] << 20)
    for offset in range(0, len(block), 4096):
        block[offset] = 1
    return len(block) >> 20
"""


@pytest.mark.anyio
async def test_an_app_stops_a_python_handler_at_its_memory_and_reports_its_real_peak(
    tmp_path: Path,
) -> None:
    pytest.importorskip("awslambdaric", reason="awslambdaric runs the handler")
    (tmp_path / "app.py").write_text(HUNGRY_PYTHON)
    app = App("shop")
    app.add_function(
        "hungry",
        handler="app.handler",
        code=tmp_path,
        runtime=OWN_PYTHON,
        memory=256,
        isolation="process",
    )
    async with app:
        fits = await app.invoke("hungry", {"mb": 100}, log_type="Tail")
        over = await app.invoke("hungry", {"mb": 512})
        after = await app.invoke("hungry", {"mb": 1})
    assert fits.payload == 100
    assert fits.log_tail is not None
    reported = re.search(r"Max Memory Used: (\d+) MB", fits.log_tail)
    assert reported is not None, fits.log_tail
    # the allocation, plus what python and awslambdaric hold (~20 MB), not the host's memory
    assert 100 < int(reported.group(1)) < 100 + 60
    assert over.function_error == "Unhandled"
    assert over.payload["errorType"] == "Runtime.OutOfMemory"
    assert after.payload == 1
    assert after.init_duration_ms is not None  # the instance that ran out was replaced


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_a_memory_error_is_out_of_memory_only_where_the_limit_raises_it(
    mechanism: str, tmp_path: Path
) -> None:
    """Under a cgroup, an allocation malloc refuses outright (1 PiB) is the handler's own
    MemoryError, a function error as on Lambda; under `rlimit` it is how the limit shows."""
    pytest.importorskip("awslambdaric", reason="awslambdaric runs the handler")
    (tmp_path / "app.py").write_text("def handler(event, context):\n    bytearray(1 << 50)\n")
    launch = launch_for("fn", OWN_PYTHON, "app.handler", tmp_path)
    guard = memory_guard(128, "fn", runtime=OWN_PYTHON, mechanism=mechanism)
    try:
        with (
            RuntimeAPI("fn") as api,
            Launched(api, launch, "app.handler", preexec=guard.preexec) as instance,
        ):
            answer = instance.invoke(b"{}")
            assert answer.outcome == "error"
            error_type = json.loads(answer.body)["errorType"]
            assert error_type == "MemoryError"
            process = instance.process
            assert process is not None
            assert guard.was_exceeded(process.pid, None, error_type) is (mechanism == "rlimit")
    finally:
        guard.close()
