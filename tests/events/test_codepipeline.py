"""CodePipeline job events: real samples round-trip, are recognised, the builder makes jobs of
their shape, and the user parameters and artifacts are at hand."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from faaslib.events._base import UNSET, EventValidationError, decode
from faaslib.events.codepipeline import (
    BUILDERS,
    FAMILIES,
    CodePipelineJobEvent,
    build_codepipeline,
    detect,
)
from tests.events.corpus import CORPUS, HAS_CORPUS, needs_corpus
from tests.events.structure import matching_sample

pytestmark = needs_corpus

EXPECTED = {
    "aws-lambda-go/codepipeline-job-event.json": CodePipelineJobEvent,
    "powertools/codePipelineEvent.json": CodePipelineJobEvent,
    "powertools/codePipelineEventData.json": CodePipelineJobEvent,
    "powertools/codePipelineEventEmptyUserParameters.json": CodePipelineJobEvent,
    "powertools/codePipelineEventWithEncryptionKey.json": CodePipelineJobEvent,
}
INDEX = (CORPUS / "INDEX.tsv").read_text() if HAS_CORPUS else "header\n"
ROWS = [line.split("\t") for line in INDEX.splitlines()[1:]]
FAMILY = sorted(row[0] for row in ROWS if row[4] == "codepipeline")
OTHERS = sorted(row[0] for row in ROWS if row[4] != "codepipeline")


def load(path: str) -> Any:
    return json.loads((CORPUS / path).read_text())


def sample(name: str) -> CodePipelineJobEvent:
    return decode(load(f"powertools/{name}.json"), CodePipelineJobEvent)


def test_every_codepipeline_sample_has_an_expected_struct() -> None:
    assert sorted(EXPECTED) == FAMILY


@pytest.mark.parametrize(("path", "struct"), sorted(EXPECTED.items()))
def test_a_sample_round_trips_exactly(path: str, struct: type[Any]) -> None:
    raw = load(path)
    assert msgspec.to_builtins(decode(raw, struct)) == raw


@pytest.mark.parametrize(("path", "struct"), sorted(EXPECTED.items()))
def test_detect_recognises_a_sample(path: str, struct: type[Any]) -> None:
    assert detect(load(path)) is struct


@pytest.mark.parametrize("path", OTHERS)
def test_detect_claims_no_other_family(path: str) -> None:
    assert detect(load(path)) is None


@pytest.mark.parametrize(
    "data", [[], "x", 5, None, {}, {"Records": 5}, {"CodePipeline.job": "job"}, {"job": {}}]
)
def test_detect_returns_none_for_odd_input(data: Any) -> None:
    assert detect(data) is None


def test_the_registries_name_the_family() -> None:
    assert list(FAMILIES) == list(BUILDERS) == ["codepipeline"]
    assert FAMILIES["codepipeline"] == (CodePipelineJobEvent,)
    assert BUILDERS["codepipeline"] is build_codepipeline


def test_the_fields_read_the_aws_keys() -> None:
    event = sample("codePipelineEventData")
    assert event.job.id == "c0d76431-b0e7-xmpl-97e3-e8ee786eb6f6"
    data = event.job.data
    assert data.artifact_credentials.expiration_time == 1575493418000
    assert data.output_artifacts[0].revision is None
    assert data.output_artifacts[0].location.s3_location.object_key == (
        "my-pipeline/invokeOutp/D0YHsJn"
    )
    assert data.action_configuration.configuration.function_name == "my-function"


def test_user_parameters_are_read_as_text_and_as_json() -> None:
    event = sample("codePipelineEventData")
    assert event.user_parameters == '{"KEY": "VALUE"}'
    assert event.decoded_user_parameters() == {"KEY": "VALUE"}


def test_an_action_without_user_parameters_has_none() -> None:
    event = sample("codePipelineEventEmptyUserParameters")
    assert event.user_parameters is None
    assert event.decoded_user_parameters() is None
    assert CodePipelineJobEvent().user_parameters is None


def test_user_parameters_that_are_not_json_raise_a_validation_error() -> None:
    event = sample("codePipelineEvent")
    assert event.user_parameters == "some-input-such-as-a-URL"
    with pytest.raises(EventValidationError, match="UserParameters is not JSON"):
        event.decoded_user_parameters()


def test_an_input_artifact_is_found_by_name() -> None:
    event = sample("codePipelineEventData")
    artifact = event.input_artifact("my-pipeline-SourceArtifact")
    assert artifact is not None
    assert artifact.revision == "e0c7xmpl2308ca3071aa7bab414de234ab52eea"
    assert event.input_artifact("invokeOutput") is None
    assert CodePipelineJobEvent().input_artifact("any") is None


def test_the_default_build_has_the_shape_of_a_real_sample() -> None:
    built = build_codepipeline()
    again = msgspec.json.decode(msgspec.json.encode(built), type=CodePipelineJobEvent)
    assert again == built
    real = [decode(load(path), struct) for path, struct in EXPECTED.items()]
    assert matching_sample(built, real)
    assert built.user_parameters is None


def test_the_build_places_its_arguments_and_region() -> None:
    built = build_codepipeline(
        {"stage": "beta"},
        function_name="deploy",
        pipeline_name="shop",
        input_artifacts=["Source", "Config"],
        output_artifacts=["Bundle"],
        continuation_token="step-2",
        encryption_key_id="1234abcd-12ab-34cd-56ef-1234567890ab",
        region="eu-west-1",
        account="111122223333",
    )
    assert built.decoded_user_parameters() == {"stage": "beta"}
    job = built.job
    assert job.account_id == "111122223333"
    data = job.data
    assert data.action_configuration.configuration.function_name == "deploy"
    assert [artifact.name for artifact in data.input_artifacts] == ["Source", "Config"]
    assert all(len(artifact.revision) == 40 for artifact in data.input_artifacts)
    (output,) = data.output_artifacts
    assert output.name == "Bundle"
    assert output.revision is None
    assert output.location.type == "S3"
    assert output.location.s3_location.bucket_name.startswith("codepipeline-eu-west-1-")
    assert output.location.s3_location.object_key.startswith("shop/Bundle/")
    assert data.continuation_token == "step-2"
    assert data.encryption_key.id == (
        "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    assert data.encryption_key.type == "KMS"
    assert data.artifact_credentials.access_key_id.startswith("ASIA")


def test_text_user_parameters_are_passed_as_given() -> None:
    built = build_codepipeline("https://example.com/hook")
    assert built.user_parameters == "https://example.com/hook"
    assert built.job.data.continuation_token is UNSET
    assert built.job.data.encryption_key is UNSET
