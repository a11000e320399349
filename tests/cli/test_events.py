"""`faaslib events list` and `faaslib events generate FAMILY [options]`."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from faaslib.cli import main
from faaslib.cli.events import _json_or_text
from faaslib.events import BUILDERS, FAMILIES, SQSEvent, detect, parse
from tests.cli import faaslib, faaslib_bytes


def test_list_names_every_family_with_a_line_on_it() -> None:
    run = faaslib("events", "list")
    assert run.returncode == 0
    lines = dict(line.split(None, 1) for line in run.stdout.splitlines())
    assert list(lines) == list(BUILDERS)  # the corpus's names, in order
    assert lines["apigw-http-v2"].startswith("A request to an API Gateway HTTP API")
    assert all(len(text) > 10 for text in lines.values())


def test_generate_maps_options_to_the_builders_parameters() -> None:
    run = faaslib("events", "generate", "s3", "--bucket", "uploads", "--key", "a b.jpg")
    assert run.returncode == 0, run.stderr
    record = json.loads(run.stdout)["Records"][0]
    assert record["s3"]["bucket"]["name"] == "uploads"
    assert record["s3"]["object"]["key"] == "a+b.jpg"  # URL-encoded, as S3 sends it


def test_generate_takes_values_positionally_or_repeated_and_json_or_text() -> None:
    run = faaslib(
        "events", "generate", "sqs", '{"id": 1}', "--body", "plain", "--queue", "orders.fifo"
    )
    event = parse(json.loads(run.stdout), type=SQSEvent)
    assert [record.body for record in event.records] == ['{"id":1}', "plain"]
    assert event.records[0].attributes is not None
    assert event.records[0].attributes["MessageGroupId"]  # a FIFO queue's attributes


def test_generate_help_lists_a_familys_options() -> None:
    run = faaslib("events", "generate", "apigw-http-v2", "--help")
    assert run.returncode == 0
    assert run.stdout.startswith("usage: faaslib events generate apigw-http-v2 [-h] [--method")
    assert "--body JSON" in run.stdout
    assert "--client-cert" in run.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "faaslib events generate: error: no event family 'nope'; the families are"),
        (["s3", "--size", "big"], "argument --size: invalid int value: 'big'"),
        (["s3", "--colour", "red"], "unrecognized arguments: --colour red"),
    ],
    ids=["unknown-family", "bad-value", "unknown-option"],
)
def test_generate_refuses_what_it_cannot_build(args: list[str], message: str) -> None:
    run = faaslib("events", "generate", *args)
    assert run.returncode == 2
    assert message in run.stderr


# In process, for the whole table of families: a subprocess each would take half a minute.


@pytest.mark.parametrize("family", sorted(BUILDERS))
def test_every_family_generates_with_its_defaults(
    family: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["events", "generate", family]) == 0
    assert detect(json.loads(capsys.readouterr().out)) in FAMILIES[family]


def test_a_value_the_builder_refuses_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["events", "generate", "apigw-http-v2", "--headers", "[1, 2]"]) == 2
    assert capsys.readouterr().err.startswith("faaslib events generate: error: apigw-http-v2: ")


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(), st.lists))
def test_option_values_that_are_json_are_taken_as_json(value: object) -> None:
    assert _json_or_text(json.dumps(value)) == value


@given(st.text().filter(lambda text: not _is_json(text)))
def test_option_values_that_are_not_json_are_taken_as_text(text: str) -> None:
    assert _json_or_text(text) == text


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sqs", "--now", "inf"], "argument --now: 'inf' is not a finite number"),
        (["sqs", "--now", "nan"], "argument --now: 'nan' is not a finite number"),
        (["sqs", "--now=-1e999"], "argument --now: '-1e999' is not a finite number"),
        (["sqs", "--now", "1e300"], None),  # in range for a float; the builder's to refuse
        (["sqs", "--body", "[" * 100_000], "argument --body: JSON nested too deep"),
        (["s3", "--size", "9" * 5000], "argument --size: invalid int value: "),
    ],
    ids=["inf", "nan", "minus-inf", "huge", "deep-json", "huge-int"],
)
def test_numbers_and_values_no_event_can_hold_are_usage_errors(
    args: list[str], message: str | None
) -> None:
    run = faaslib("events", "generate", *args)
    assert run.returncode in ((2,) if message else (0, 2))
    assert "Traceback" not in run.stderr
    if run.returncode == 2:  # after argparse's usage, one line
        assert run.stderr.splitlines()[-1].startswith("faaslib events generate")
    if message:
        assert message in run.stderr


def test_text_no_encoding_can_write_goes_out_escaped_through_a_pipe() -> None:
    run = faaslib_bytes("events", "generate", "sqs", "--queue", b"orders-\xff")
    assert run.returncode == 0, run.stderr
    assert b"arn:aws:sqs:us-east-1:123456789012:orders-\\udcff" in run.stdout
    assert json.loads(run.stdout)  # still JSON: the escape is JSON's own


def test_a_builder_failing_on_a_value_is_a_usage_error_naming_the_family() -> None:
    run = faaslib_bytes("events", "generate", "sqs", "--body", b"\xff")
    assert (run.returncode, run.stdout) == (2, b"")
    assert run.stderr.startswith(b"faaslib events generate: error: sqs: ")
    assert run.stderr.count(b"\n") == 1
