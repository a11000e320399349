"""AWS CodePipeline jobs: the job a pipeline's Lambda invoke action hands a function, which
reports back with `PutJobSuccessResult` or `PutJobFailureResult`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, EventValidationError, Unset

__all__ = [
    "CodePipelineActionConfiguration",
    "CodePipelineArtifact",
    "CodePipelineArtifactCredentials",
    "CodePipelineArtifactLocation",
    "CodePipelineConfiguration",
    "CodePipelineEncryptionKey",
    "CodePipelineJob",
    "CodePipelineJobData",
    "CodePipelineJobEvent",
    "CodePipelineS3Location",
    "build_codepipeline",
]


class CodePipelineS3Location(AWSEvent, rename="camel"):
    """Where an artifact is in the pipeline's artifact bucket."""

    bucket_name: str | Unset = UNSET
    object_key: str | Unset = UNSET


class CodePipelineArtifactLocation(AWSEvent, rename="camel"):
    """The store of an artifact: `type` "S3" and its S3 location."""

    type: str | Unset = UNSET
    s3_location: CodePipelineS3Location | Unset = UNSET


class CodePipelineArtifact(AWSEvent, rename="camel"):
    """An input or output artifact of the action: its name, revision (null for outputs) and
    where it is."""

    name: str | Unset = UNSET
    revision: str | Unset | None = UNSET
    location: CodePipelineArtifactLocation | Unset = UNSET


class CodePipelineArtifactCredentials(AWSEvent, rename="camel"):
    """Temporary credentials to read the input and write the output artifacts."""

    access_key_id: str | Unset = UNSET
    secret_access_key: str | Unset = UNSET
    session_token: str | Unset = UNSET
    expiration_time: int | Unset = UNSET


class CodePipelineConfiguration(AWSEvent, rename="pascal"):
    """The action's configuration: the function invoked and the user parameters set on it."""

    function_name: str | Unset = UNSET
    user_parameters: str | Unset = UNSET


class CodePipelineActionConfiguration(AWSEvent):
    """The action's settings, as the pipeline's definition gives them."""

    configuration: CodePipelineConfiguration | Unset = UNSET


class CodePipelineEncryptionKey(AWSEvent):
    """The KMS key that encrypts the artifact store."""

    id: str | Unset = UNSET
    type: str | Unset = UNSET


class CodePipelineJobData(AWSEvent, rename="camel"):
    """What the job is about: the action's configuration, its artifacts and the credentials
    to reach them; a `continuation_token` when the function asked to be called again."""

    action_configuration: CodePipelineActionConfiguration | Unset = UNSET
    input_artifacts: list[CodePipelineArtifact] | Unset = UNSET
    output_artifacts: list[CodePipelineArtifact] | Unset = UNSET
    artifact_credentials: CodePipelineArtifactCredentials | Unset = UNSET
    continuation_token: str | Unset = UNSET
    encryption_key: CodePipelineEncryptionKey | Unset = UNSET


class CodePipelineJob(AWSEvent, rename="camel"):
    """A job: its id (for `PutJobSuccessResult`), the pipeline's account and the job data."""

    id: str | Unset = UNSET
    account_id: str | Unset = UNSET
    data: CodePipelineJobData | Unset = UNSET


class CodePipelineJobEvent(AWSEvent):
    """A job from a pipeline's Lambda invoke action, under the key `CodePipeline.job`."""

    job: CodePipelineJob | Unset = msgspec.field(default=UNSET, name="CodePipeline.job")

    @property
    def user_parameters(self) -> str | None:
        """The action's `UserParameters` text, or None if the action sets none."""
        job = self.job
        if isinstance(job, Unset) or isinstance(job.data, Unset):
            return None
        action = job.data.action_configuration
        if isinstance(action, Unset) or isinstance(action.configuration, Unset):
            return None
        parameters = action.configuration.user_parameters
        return parameters if isinstance(parameters, str) else None

    def decoded_user_parameters(self) -> Any:
        """The user parameters decoded from JSON (None if there are none); an
        `EventValidationError` if they are not JSON."""
        parameters = self.user_parameters
        if parameters is None:
            return None
        try:
            return msgspec.json.decode(parameters)
        except msgspec.DecodeError as error:
            raise EventValidationError(
                type(self).__name__, f"UserParameters is not JSON: {error}"
            ) from None

    def input_artifact(self, name: str) -> CodePipelineArtifact | None:
        """The input artifact called `name`, or None if the job has none of that name."""
        job = self.job
        if isinstance(job, Unset) or isinstance(job.data, Unset):
            return None
        artifacts = job.data.input_artifacts
        if isinstance(artifacts, Unset):
            return None
        return next((artifact for artifact in artifacts if artifact.name == name), None)


# Builders


def build_codepipeline(
    user_parameters: str | Mapping[str, Any] | None = None,
    *,
    function_name: str = "my-function",
    pipeline_name: str = "my-pipeline",
    input_artifacts: Sequence[str] = ("SourceArtifact",),
    output_artifacts: Sequence[str] = (),
    continuation_token: str | None = None,
    encryption_key_id: str | None = None,
    now: float | None = None,
    region: str = _fake.REGION,
    account: str = _fake.ACCOUNT,
) -> CodePipelineJobEvent:
    """The job a pipeline's invoke action hands `function_name`. `user_parameters` is the
    action's text, or a mapping sent as its JSON; input artifacts come at a source revision,
    outputs with none yet, all in the pipeline's artifact bucket. The event carries no time;
    `now` is accepted as by every builder. `encryption_key_id` (a KMS key id or ARN) adds the
    key that encrypts the artifact store.

    ```pycon
    >>> build_codepipeline({"stage": "beta"}).decoded_user_parameters()
    {'stage': 'beta'}
    ```
    """
    if isinstance(user_parameters, Mapping):
        user_parameters = msgspec.json.encode(dict(user_parameters)).decode()
    # The artifact store CodePipeline creates by default: a bucket with a random 12-digit suffix
    bucket = f"codepipeline-{region}-{int(_fake.hex_id(12), 16) % 10**12:012d}"

    def artifact(name: str, revision: str | None) -> CodePipelineArtifact:
        key = f"{pipeline_name[:20]}/{name[:10]}/{_fake.hex_id(7)}"
        location = CodePipelineS3Location(bucket_name=bucket, object_key=key)
        return CodePipelineArtifact(
            name=name,
            revision=revision,
            location=CodePipelineArtifactLocation(type="S3", s3_location=location),
        )

    encryption_key: CodePipelineEncryptionKey | Unset = UNSET
    if encryption_key_id is not None:
        if not encryption_key_id.startswith("arn:"):
            resource = f"key/{encryption_key_id}"
            encryption_key_id = _fake.arn("kms", resource, region=region, account=account)
        encryption_key = CodePipelineEncryptionKey(id=encryption_key_id, type="KMS")
    credentials = CodePipelineArtifactCredentials(
        access_key_id=f"ASIA{_fake.hex_id(16).upper()}",
        secret_access_key=_fake.b64(bytes.fromhex(_fake.hex_id(60)))[:40],
        session_token=_fake.b64(bytes.fromhex(_fake.hex_id(600))),
    )
    configuration = CodePipelineConfiguration(
        function_name=function_name,
        user_parameters=UNSET if user_parameters is None else user_parameters,
    )
    data = CodePipelineJobData(
        action_configuration=CodePipelineActionConfiguration(configuration=configuration),
        input_artifacts=[artifact(name, _fake.hex_id(40)) for name in input_artifacts],
        output_artifacts=[artifact(name, None) for name in output_artifacts],
        artifact_credentials=credentials,
        continuation_token=UNSET if continuation_token is None else continuation_token,
        encryption_key=encryption_key,
    )
    return CodePipelineJobEvent(
        job=CodePipelineJob(id=_fake.request_id(), account_id=account, data=data)
    )


FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {"codepipeline": (CodePipelineJobEvent,)}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"codepipeline": build_codepipeline}


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`CodePipelineJobEvent` for a job (a `CodePipeline.job` object), else None."""
    if isinstance(data, Mapping) and isinstance(data.get("CodePipeline.job"), Mapping):
        return CodePipelineJobEvent
    return None
