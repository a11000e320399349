"""How the command ends when something goes wrong: a documented status and one line on stderr,
whatever the error, even one faaslib did not expect (tests/cli/apps/hostile.py's FaultyApp
raises those on purpose)."""

from __future__ import annotations

import pytest

from faaslib.cli import ExitStatus, main

FAULTY = "tests.cli.apps.hostile:faulty"


@pytest.mark.parametrize(
    ("function", "status", "message"),
    [
        (
            "check",
            ExitStatus.REFUSED,
            "faaslib invoke: error: function 'check': the invocation is refused: RecursionError: "
            "maximum recursion depth exceeded while decoding",
        ),
        (
            "run",
            ExitStatus.INTERNAL_ERROR,
            "faaslib invoke: error: function 'run': faaslib could not complete the invocation: "
            "UnicodeEncodeError: 'utf-8' codec can't encode character '\\udcff' in position 7: "
            "surrogates not allowed",
        ),
        (
            "group",
            ExitStatus.INTERNAL_ERROR,
            "faaslib invoke: error: function 'group': faaslib could not complete the invocation: "
            "UnicodeEncodeError: 'utf-8' codec can't encode character '\\udcff' in position 7: "
            "surrogates not allowed",
        ),
    ],
    ids=["while-checking", "after-running", "in-a-task-group"],
)
def test_an_error_faaslib_did_not_expect_is_reported_by_the_step_it_broke(
    function: str, status: ExitStatus, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["invoke", FAULTY, function]) == status
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[-1] == message
    assert "Traceback" not in err


def test_the_statuses_scripts_rely_on_stay_what_they_are() -> None:
    assert [int(status) for status in ExitStatus] == [0, 1, 2, 3, 4, 70, 130, 141]


def test_a_lone_surrogate_is_printed_escaped_to_a_strict_stream(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # pytest's capture is a strict UTF-8 stream, as a pipe's stdout is
    assert main(["invoke", "tests.cli.apps.hostile:app", "surrogate"]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == "[ERROR] ValueError: report-\\udcff.csv"
    assert err.splitlines()[-1] == (
        "function 'surrogate' failed (Unhandled): ValueError: report-\\udcff.csv"
    )
