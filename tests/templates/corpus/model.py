"""The shape of what a corpus template declares, written by hand from the template (never from
faaslib's output): its functions, their configuration and their triggers, and the resources
faaslib does not emulate. `expected_*.py` hold one `Project` per corpus project; the tests
compare `App.from_template` and `faaslib functions -t` with them.

Values that depend on the app's region and account are written with `{region}`, `{account}`
and `{stack}` placeholders, filled in from the loaded app; `ANY` stands for a value the
template leaves to the deployment (a generated name, an attribute of a resource faaslib does
not emulate).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CORPUS = Path(
    os.environ.get("FAASLIB_SAM_CORPUS")
    or Path(__file__).resolve().parents[4] / "shared" / "corpus" / "sam"
)
HAS_CORPUS = (CORPUS / "INDEX.tsv").is_file()
needs_corpus = pytest.mark.skipif(
    not HAS_CORPUS, reason=f"the SAM project corpus is not at {CORPUS} (set FAASLIB_SAM_CORPUS)"
)

ANY = "<any>"
"""An environment value the template leaves to the deployment: only the key is checked."""


@dataclass(frozen=True)
class Res:
    """A resource a trigger names: its logical ID, and its physical name when the template
    gives one (else CloudFormation generates it, and the test asks the app for it)."""

    logical_id: str
    name: str | None = None


@dataclass(frozen=True)
class Http:
    """An Api (REST, payload 1.0) or HttpApi (payload 2.0) event; `path` None is `$default`."""

    method: str
    path: str | None
    payload: str = "1.0"


@dataclass(frozen=True)
class Sqs:
    """An SQS event source mapping, with SAM's defaults."""

    queue: Res
    batch_size: int = 10
    window: int = 0
    partial: bool = False
    filters: int = 0
    maximum_concurrency: int | None = None


@dataclass(frozen=True)
class Stream:
    """A Kinesis stream's (`kind` "stream") or DynamoDB table's (`kind` "table") mapping."""

    source: Res
    shards: int = 1
    batch_size: int = 100
    window: int = 0
    kind: str = "stream"


@dataclass(frozen=True)
class S3:
    """An S3 notification of the function."""

    bucket: Res
    events: tuple[str, ...] = ("s3:ObjectCreated:*",)
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class Sns:
    """A subscription of the function to a topic."""

    topic: Res
    filtered: bool = False


@dataclass(frozen=True)
class Rule:
    """An EventBridge rule on `bus` targeting the function."""

    bus: str = "default"


@dataclass(frozen=True)
class Schedule:
    """A scheduled rule (or EventBridge Scheduler schedule) invoking the function."""

    expression: str
    timezone: str = "UTC"


Trigger = Http | Sqs | Stream | S3 | Sns | Rule | Schedule


@dataclass(frozen=True)
class Queue:
    """An AWS::SQS::Queue as the template sets it (SQS's defaults otherwise)."""

    queue: Res
    fifo: bool = False
    content_based_deduplication: bool = False
    visibility_timeout: float = 30
    retention: float = 345_600
    dead_letter: str | None = None  # the redrive policy's target, a logical id
    max_receive_count: int | None = None


@dataclass(frozen=True)
class Function:
    """One function as the template configures it (SAM's defaults: 128 MB, 3 s, x86_64)."""

    logical_id: str
    handler: str
    runtime: str
    name: str | None = None  # FunctionName, resolved; None: CloudFormation generates it
    memory: int = 128
    timeout: float = 3
    architecture: str = "x86_64"
    environment: dict[str, str] = field(default_factory=dict)
    description: str = ""
    reserved: int | None = None
    provisioned: int = 0
    dead_letter: Res | None = None
    triggers: tuple[Trigger, ...] = ()
    not_runnable: str | None = None  # why faaslib cannot run it (a part of its reason)


@dataclass(frozen=True)
class Project:
    """A corpus project: its template, the parameters the test passes (those without a
    Default must be given), its functions, and the resources faaslib must name in its one
    `UnsupportedResourceWarning` (`unsupported`); `maybe_unsupported` are resources it may
    name or not (log groups, layers: nothing runs differently either way). `stack_name` is
    passed where the folder's name would make names longer than AWS takes."""

    folder: str
    functions: tuple[Function, ...]
    template: str = "template.yaml"
    parameters: dict[str, str] = field(default_factory=dict)
    unsupported: tuple[str, ...] = ()
    maybe_unsupported: tuple[str, ...] = ()
    stack_name: str | None = None  # --stack-name, for a folder name CloudFormation would refuse
    queues: tuple[Queue, ...] = ()

    @property
    def id(self) -> str:
        plain = self.template in ("template.yaml", "template.yml")
        return self.folder if plain else f"{self.folder}:{self.template}"

    @property
    def path(self) -> Path:
        return CORPUS / self.folder / self.template

    @property
    def stack(self) -> str:
        """The stack name: the one the test passes, else the template's folder name."""
        return self.stack_name or self.folder
