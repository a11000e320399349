"""`faaslib functions|invoke|cost -t template.yaml`: a SAM project's functions listed, invoked
by logical id, and billed, from the command line, as a user runs it (a subprocess in the
project's folder); `--parameter-overrides` spelt both ways SAM CLI takes them."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import httpx
import pytest

from faaslib import App

from .projects import write_project

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Out:
    Type: String
  Size:
    Type: Number
    Default: 256
Resources:
  Jobs:
    Type: AWS::SQS::Queue
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties: {Definition: {}}
  Recorder:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: src/
      Handler: app.record
      MemorySize: !Ref Size
      Timeout: 7
      Environment:
        Variables: {OUT: !Ref Out, MACHINE: !Ref Machine}
      Events:
        Jobs:
          Type: SQS
          Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 3}
  Java:
    Type: AWS::Serverless::Function
    Properties: {Runtime: java21, CodeUri: src/, Handler: shop.Jobs::handle}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    write_project(tmp_path / "jobs-project", TEMPLATE)
    return tmp_path / "jobs-project"


def faaslib(folder: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "faaslib", *args],
        cwd=folder,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_functions_lists_the_template_s_functions_with_logical_ids(project: Path) -> None:
    out = project / "out.jsonl"
    run = faaslib(project, "functions", "-t", "template.yaml", "--json",
                  "--parameter-overrides", f"Out={out}", "Size=512")  # fmt: skip
    assert run.returncode == 0, run.stderr
    rows = {row["logical_id"]: row for row in json.loads(run.stdout)}
    recorder = rows["Recorder"]
    assert re.fullmatch(r"jobs-project-Recorder-[A-Z0-9]{12}", recorder["function"])
    assert (recorder["memory"], recorder["timeout"], recorder["runtime"]) == (512, 7, "python3.12")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = App.from_template(project / "template.yaml", parameters={"Out": str(out)})
    assert recorder["triggers"] == [f"queue {app.queue('Jobs').name} (batch 3)"]
    assert rows["Java"]["runnable"] is False
    assert "java21" in rows["Java"]["not_runnable_because"]
    # What faaslib does not emulate is said once, on stderr.
    assert run.stderr.count("UnsupportedResourceWarning") == 0
    assert run.stderr.count("warning: ") == 1
    assert "Machine (AWS::Serverless::StateMachine, referenced by Recorder)" in run.stderr


def test_the_table_shows_logical_id_runtime_and_why_a_function_cannot_run(
    project: Path,
) -> None:
    run = faaslib(project, "functions", "-t", "template.yaml", "--stack-name", "prod",
                  "--parameter-overrides", "ParameterKey=Out,ParameterValue=x")  # fmt: skip
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "App 'prod': 2 functions, account concurrency 1,000, us-east-1"
    assert lines[2].split()[:3] == ["logical", "id", "runtime"]
    recorder = next(line for line in lines if line.startswith("Recorder"))
    assert recorder.split()[:3] == ["Recorder", "python3.12", recorder.split()[2]]
    assert recorder.split()[2].startswith("prod-Recorder-")
    java = lines.index(next(line for line in lines if line.startswith("Java")))
    assert lines[java + 1].strip().startswith("(not runnable: runtime 'java21'")
    assert len(lines[3]) == max(len(line) for line in lines if not line.startswith("  ("))


def test_invoke_runs_a_function_by_logical_id(project: Path) -> None:
    out = project / "out.jsonl"
    (project / "event.json").write_text('{"from": "file"}')
    overrides = ("--parameter-overrides", f"Out={out}")
    by_payload = faaslib(project, "invoke", "-t", "template.yaml", "Recorder", *overrides,
                         "--payload", '{"from": "payload"}')  # fmt: skip
    assert by_payload.returncode == 0, by_payload.stderr
    answer = json.loads(by_payload.stdout)
    assert answer["environment"]["AWS_LAMBDA_FUNCTION_NAME"] == answer["function"]
    assert answer["function"].startswith("jobs-project-Recorder-")
    assert "REPORT RequestId:" in by_payload.stderr
    by_file = faaslib(project, "invoke", "-t", "template.yaml", "Recorder", *overrides,
                      "-e", "event.json")  # fmt: skip
    by_stdin = faaslib(project, "invoke", "-t", "template.yaml", "Recorder", "-", *overrides,
                       stdin='{"from": "stdin"}')  # fmt: skip
    assert (by_file.returncode, by_stdin.returncode) == (0, 0), by_file.stderr + by_stdin.stderr
    events = [json.loads(line)["event"] for line in out.read_text().splitlines()]
    assert events == [{"from": "payload"}, {"from": "file"}, {"from": "stdin"}]


def test_cost_bills_a_template_s_function(project: Path) -> None:
    run = faaslib(project, "cost", "-t", "template.yaml", "Recorder", "--count", "3", "--json",
                  "--parameter-overrides", f"Out={project / 'out.jsonl'}")  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "jobs-project-Recorder-" in run.stdout
    assert len((project / "out.jsonl").read_text().splitlines()) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("functions", "shop:app", "-t", "template.yaml"), "give MODULE:APP or -t TEMPLATE"),
        (("functions", "-t", "missing.yaml"), "-t missing.yaml: no such file"),
        (("functions", "--stack-name", "x"), "go with -t TEMPLATE"),
        (("functions", "-t", "template.yaml"), "Parameters.Out"),
        (("invoke", "-t", "template.yaml", "--parameter-overrides", "Out=x"), "give the FUNCTION"),
        (("functions", "-t", "template.yaml", "--parameter-overrides", "Out"), "Out"),
        (
            (
                "functions",
                "-t",
                "template.yaml",
                "--stack-name",
                "2 words",
                "--parameter-overrides",
                "Out=x",
            ),
            "'2 words' is not a stack name",
        ),
    ],
)
def test_a_bad_command_line_or_template_is_a_usage_error(
    project: Path, args: tuple[str, ...], message: str
) -> None:
    run = faaslib(project, *args)
    assert run.returncode == 2
    assert message in run.stderr
    assert "Traceback" not in run.stderr


def test_serve_runs_the_template_s_routes_and_triggers_until_ctrl_c(project: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    web = project / "web.yaml"
    web.write_text(
        TEMPLATE
        + """\
  Web:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: src/
      Handler: app.echo
      Events:
        Get: {Type: HttpApi, Properties: {Path: /hello, Method: get}}
"""
    )
    out = project / "out.jsonl"
    command = [sys.executable, "-m", "faaslib", "serve", "-t", "web.yaml", "--port", str(port)]
    command += ["--parameter-overrides", f"Out={out}"]
    with subprocess.Popen(command, cwd=project, stderr=subprocess.PIPE, text=True) as server:
        try:
            assert server.stderr is not None
            log = []
            for line in server.stderr:  # uvicorn says when it listens
                log.append(line)
                if "Uvicorn running on" in line:
                    break
            assert f"http://127.0.0.1:{port}" in log[-1], "".join(log)
            answer = httpx.get(f"http://127.0.0.1:{port}/hello")
            assert (answer.status_code, answer.json()) == (200, {"path": "/hello"})
            server.send_signal(signal.SIGINT)
            rest = server.stderr.read()
            assert server.wait(timeout=20) == 0
        finally:
            if server.poll() is None:
                server.kill()
    assert "Traceback" not in rest
