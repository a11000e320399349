"""`faaslib cost MODULE:APP FUNCTION`: N invocations, then the bill."""

from __future__ import annotations

import json
from decimal import Decimal

from tests.cli import faaslib


def test_the_bill_counts_every_invocation_with_progress_on_stderr() -> None:
    run = faaslib(
        "cost", "shop:app", "echo", "--payload", '{"n": 1}', "--count", "40", "--concurrency", "4"
    )
    assert run.returncode == 0, run.stderr
    echo = next(line for line in run.stdout.splitlines() if line.startswith("echo "))
    assert echo.split()[:5] == ["echo", "x86_64", "512", "MB", "40"]
    assert run.stdout.splitlines()[-1].startswith("USD, us-east-1 prices, no free tier")
    progress = [line for line in run.stderr.splitlines() if line.startswith("invoked ")]
    assert progress == [f"invoked {n}/40 ({n * 100 // 40}%)" for n in range(4, 41, 4)]
    assert "40 invocations of 'echo': 40 succeeded, 0 failed, 0 throttled" in run.stderr
    assert "echo was called" not in run.stdout + run.stderr  # handler output hidden


def test_json_bill_errors_and_throttles() -> None:
    run = faaslib("cost", "shop:app", "fail", "--count", "3", "--json", "--show-output")
    assert run.returncode == 0
    bill = json.loads(run.stdout)
    assert bill["functions"]["fail"]["requests"] == "3"  # failed invocations are billed too
    assert Decimal(bill["total"]["total"]) > 0
    assert "3 invocations of 'fail': 0 succeeded, 3 failed, 0 throttled" in run.stderr
    assert "[ERROR] ValueError: cannot process {}" in run.stderr  # the handlers' log, shown
    throttled = faaslib("cost", "shop:app", "closed", "--count", "3")
    assert "0 succeeded, 0 failed, 3 throttled" in throttled.stderr


def test_a_refused_run_stops_at_once() -> None:
    run = faaslib("cost", "shop:app", "missing", "--count", "1000")
    assert run.returncode == 3
    assert "faaslib cost: ResourceNotFoundException (404)" in run.stderr
    assert run.stdout == ""


def test_a_handler_failing_with_a_lone_surrogate_is_billed_as_a_failure() -> None:
    run = faaslib("cost", "hostile:app", "surrogate", "--count", "2")
    assert run.returncode == 0, run.stderr
    assert run.stderr == "2 invocations of 'surrogate': 0 succeeded, 2 failed, 0 throttled\n"
    assert run.stdout.splitlines()[-1].startswith("USD, us-east-1 prices")


def test_an_error_faaslib_did_not_expect_in_a_worker_is_one_line_with_status_70() -> None:
    # hostile:faulty raises inside a task group, once the handler ran: an ExceptionGroup
    run = faaslib("cost", "hostile:faulty", "group", "--count", "3", "--concurrency", "2")
    assert (run.returncode, run.stdout) == (70, "")
    assert run.stderr == (
        "faaslib cost: error: function 'group': faaslib could not complete an invocation: "
        "UnicodeEncodeError: 'utf-8' codec can't encode character '\\udcff' in position 7: "
        "surrogates not allowed\n"
    )
