"""`faaslib invoke`: the payload alone on stdout, the rest on stderr, the outcome in the exit
status."""

from __future__ import annotations

import json
import re

import pytest

from tests.cli import faaslib, faaslib_bytes


def test_the_payload_goes_to_stdout_and_the_report_to_stderr() -> None:
    run = faaslib("invoke", "shop:app", "echo", "--payload", '{"order": 1}')
    assert run.returncode == 0, run.stderr
    assert run.stdout == '{"order":1}\n'  # nothing else: it pipes into jq
    assert "echo was called\n" in run.stderr  # the handler's print, kept off stdout
    report = re.search(r"^REPORT RequestId: [0-9a-f-]{36}\tDuration: .*$", run.stderr, re.M)
    assert report is not None
    assert "\tMemory Size: 512 MB\t" in report.group()
    assert "START RequestId" not in run.stderr


def test_a_function_error_prints_lambdas_error_object_and_exits_1() -> None:
    run = faaslib("invoke", "shop:app", "fail", "--payload", '"x"')
    assert run.returncode == 1
    error = json.loads(run.stdout)
    assert error["errorType"] == "ValueError"
    assert error["errorMessage"] == "cannot process 'x'"
    assert "[ERROR] ValueError: cannot process 'x'\nTraceback" in run.stderr
    assert "function 'fail' failed (Unhandled): ValueError: cannot process 'x'" in run.stderr


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["closed"], 4, "TooManyRequestsException (429): Rate Exceeded."),
        (["missing"], 3, "ResourceNotFoundException (404): Function not found: "),
        (["echo", "--payload", "{oops"], 3, "InvalidRequestContentException (400): "),
    ],
    ids=["throttled", "no-such-function", "not-json"],
)
def test_what_lambda_refuses_exits_with_its_own_status(
    args: list[str], status: int, message: str
) -> None:
    run = faaslib("invoke", "shop:app", *args)
    assert run.returncode == status
    assert run.stdout == ""
    assert f"faaslib invoke: {message}" in run.stderr


def test_an_event_invocation_runs_before_the_command_exits() -> None:
    run = faaslib("invoke", "shop:app", "loud", "--type", "Event")
    assert run.returncode == 0
    assert run.stdout == ""
    accepted = re.search(r"accepted \(StatusCode 202\), RequestId: ([0-9a-f-]{36})", run.stderr)
    assert accepted is not None
    assert f"REPORT RequestId: {accepted.group(1)}\t" in run.stderr  # it ran, after
    assert run.stderr.index("accepted") < run.stderr.index("to stdout")


def test_a_dry_run_only_checks() -> None:
    run = faaslib("invoke", "shop:app", "loud", "--type", "DryRun")
    assert (run.returncode, run.stdout) == (0, "")
    assert "StatusCode 204" in run.stderr
    assert "to stdout" not in run.stderr  # the handler did not run


def test_log_type_tail_prints_the_log_lambda_returns() -> None:
    run = faaslib("invoke", "shop:app", "loud", "--log-type", "Tail")
    assert (run.returncode, run.stdout) == (0, '"done"\n')
    lines = run.stderr.splitlines()
    assert lines[0].startswith("START RequestId: ")
    assert lines[1:3] == ["to stdout", "to stderr"]  # once each: not shown live as well
    assert lines[3].startswith("END RequestId: ")
    assert lines[4].startswith("REPORT RequestId: ")


# Hostile input and output (issue 16): each ends as a status and a line saying what happened.


def test_a_payload_that_is_not_utf8_is_refused_as_lambda_refuses_it() -> None:
    run = faaslib_bytes("invoke", "shop:app", "echo", "--payload", b'{"a": "\xff"}')
    assert (run.returncode, run.stdout) == (3, b"")
    assert run.stderr.startswith(b"faaslib invoke: InvalidRequestContentException (400): ")
    assert run.stderr.count(b"\n") == 1


def test_json_nested_too_deep_on_stdin_is_refused() -> None:
    run = faaslib("invoke", "shop:app", "echo", "-", stdin="[" * 100_000 + "]" * 100_000)
    assert (run.returncode, run.stdout) == (3, "")
    assert run.stderr.startswith("faaslib invoke: InvalidRequestContentException (400): ")
    assert "deep" in run.stderr
    assert run.stderr.count("\n") == 1


def test_an_error_message_with_a_lone_surrogate_is_printed_escaped() -> None:
    run = faaslib_bytes("invoke", "hostile:app", "surrogate")
    assert run.returncode == 1
    assert json.loads(run.stdout)["errorType"] == "ValueError"
    last = run.stderr.splitlines()[-1]
    assert last == b"function 'surrogate' failed (Unhandled): ValueError: report-\\udcff.csv"


def test_what_a_handler_prints_is_shown_escaped_if_no_encoding_can_write_it() -> None:
    run = faaslib_bytes("invoke", "hostile:app", "printer")
    assert (run.returncode, run.stdout) == (0, b'"done"\n')
    assert b"reading report-\\udcff.csv\ncannot read report-\\udcff.csv\n" in run.stderr
