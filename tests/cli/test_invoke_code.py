"""`faaslib invoke --code FOLDER --handler H [--runtime R]`: a function given as Lambda takes
code, invoked without an app module (issue 20), as `sam local invoke` does for one function."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from faaslib.runtime_api.runtimes import node_ric_folder
from tests.cli import faaslib


def test_a_python_function_in_a_folder_runs_in_process_by_default() -> None:
    run = faaslib(
        "invoke",
        "--code",
        "code/python",
        "--handler",
        "app.handler",
        "--payload",
        '{"n": 1}',
        "--memory",
        "256",
    )
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["n"] == 2
    assert answer["memory"] == "256"
    assert "hello from function\n" in run.stderr  # named 'function' when FUNCTION is not given
    assert "\tInit Duration: " in run.stderr  # the import was the init phase


def test_isolation_process_runs_it_under_awslambdaric_and_reads_stdin() -> None:
    run = faaslib(
        "invoke",
        "--code",
        "code/python",
        "--handler",
        "app.handler",
        "--isolation",
        "process",
        "adder",
        "-",
        stdin='{"n": 41}',
    )
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["n"] == 42
    assert answer["pid"] != os.getpid()
    assert "hello from adder\n" in run.stderr


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_a_nodejs_runtime_runs_in_a_process_instance() -> None:
    if not (node_ric_folder() / "aws-lambda-ric").is_dir():
        pytest.skip("aws-lambda-ric is not installed (.ci/run installs it)")
    run = faaslib(
        "invoke",
        "--code",
        "code/node",
        "--handler",
        "index.handler",
        "--runtime",
        "nodejs20.x",
        "--payload",
        '{"n": 21}',
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["doubled"] == 42


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--code", "code/python"], "--code needs --handler"),
        (["--code", "nowhere", "--handler", "app.handler"], "code: nowhere does not exist"),
        (["--code", "code/python", "--handler", "app.handler", "--runtime", "cobol1"], "runtime"),
        (["shop:app", "echo", "--handler", "app.handler"], "--handler and --runtime go with"),
        (["-t", "t.yaml", "--code", "code/python", "--handler", "a.b"], "not both"),
    ],
)
def test_what_is_wrong_with_the_code_arguments_is_said(args: list[str], message: str) -> None:
    run = faaslib("invoke", *args)
    assert run.returncode == 2
    assert message in run.stderr
