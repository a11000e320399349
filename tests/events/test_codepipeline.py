"""CodePipeline job events: the fields read AWS's keys, the user parameters and artifacts are at
hand, and the builder places its arguments where CodePipeline does."""

from __future__ import annotations

import pytest

from faaslib.events._base import UNSET, EventValidationError, decode
from faaslib.events.codepipeline import CodePipelineJobEvent, build_codepipeline
from tests.events.corpus import load, needs_corpus


def sample(name: str) -> CodePipelineJobEvent:
    return decode(load(f"powertools/{name}.json"), CodePipelineJobEvent)


@needs_corpus
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


@needs_corpus
def test_user_parameters_are_read_as_text_and_as_json() -> None:
    event = sample("codePipelineEventData")
    assert event.user_parameters == '{"KEY": "VALUE"}'
    assert event.decoded_user_parameters() == {"KEY": "VALUE"}


@needs_corpus
def test_an_action_without_user_parameters_has_none() -> None:
    event = sample("codePipelineEventEmptyUserParameters")
    assert event.user_parameters is None
    assert event.decoded_user_parameters() is None
    assert CodePipelineJobEvent().user_parameters is None


@needs_corpus
def test_user_parameters_that_are_not_json_raise_a_validation_error() -> None:
    event = sample("codePipelineEvent")
    assert event.user_parameters == "some-input-such-as-a-URL"
    with pytest.raises(EventValidationError, match="UserParameters is not JSON"):
        event.decoded_user_parameters()


@needs_corpus
def test_an_input_artifact_is_found_by_name() -> None:
    event = sample("codePipelineEventData")
    artifact = event.input_artifact("my-pipeline-SourceArtifact")
    assert artifact is not None
    assert artifact.revision == "e0c7xmpl2308ca3071aa7bab414de234ab52eea"
    assert event.input_artifact("invokeOutput") is None
    assert CodePipelineJobEvent().input_artifact("any") is None


def test_the_default_build_has_no_user_parameters() -> None:
    assert build_codepipeline().user_parameters is None


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
