"""A template's functions: `AWS::Serverless::Function` and `AWS::Lambda::Function` as
`app.add_function` registrations.

The two types share most of their properties (SAM's are Lambda's, plus a few of its own), so
one reader serves both: `MemorySize`, `Timeout`, `Environment`, `Architectures`, ... become
`App.function`'s options, the code folder and handler become `add_function`'s (Python runs
in-process, Node.js and `provided` runtimes in process instances). A function faaslib cannot
run (code in an S3 bucket or an image, a runtime it cannot start) is still registered, with
its configuration and triggers, so the listing shows it; invoking it fails with the reason.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from faaslib.errors import ConfigurationError
from faaslib.executor.handlers import resolve_handler
from faaslib.templates.builder import Builder, TemplateFunction
from faaslib.templates.errors import TemplateError
from faaslib.templates.properties import Properties

__all__ = ["FunctionNotRunnable", "invoke_options", "register_function"]

# Properties about permissions, tracing, tags and deployment: what faaslib does not check or
# need (a function's permissions are not enforced locally; logs are faaslib's own).
QUIET = frozenset(
    {
        "FunctionName",
        "Role",
        "Policies",
        "PermissionsBoundary",
        "AssumeRolePolicyDocument",
        "RolePath",
        "Tracing",
        "TracingConfig",
        "Tags",
        "PropagateTags",
        "KmsKeyArn",
        "LoggingConfig",
        "CodeSigningConfigArn",
        "VersionDescription",
        "AutoPublishAlias",
        "AutoPublishAliasAllProperties",
        "AutoPublishCodeSha256",
        "DeploymentPreference",
        "RuntimeManagementConfig",
        "RecursiveLoop",
        "Events",
        "FunctionUrlConfig",
        "EventInvokeConfig",
    }
)
# Properties faaslib cannot honour, and what it does instead.
NOTED = {
    "VpcConfig": "functions run on the host's network (no VPC)",
    "FileSystemConfigs": "no EFS mount: the handler sees the host's file system",
    "SnapStart": "no SnapStart: cold starts run the init phase every time",
    "TenancyConfig": "tenant isolation is not emulated; one pool of instances serves all",
    "ImageConfig": "container images do not run in faaslib",
}
_PYTHON = "python"


class FunctionNotRunnable(Exception):
    """Raised by a template's function that faaslib registers but cannot run (its code is in
    S3 or an image, or its runtime is one faaslib cannot start): the message says why."""


def register_function(
    builder: Builder, logical_id: str, properties: Properties, invoke_config: dict[str, Any]
) -> TemplateFunction:
    """Register function `logical_id`, with `invoke_config` (from an EventInvokeConfig) among
    its options."""
    app = builder.app
    name = builder.stack.name(logical_id, properties.path_of("FunctionName"))
    runtime = properties.text("Runtime")
    handler = properties.text("Handler")
    options = function_options(builder, properties) | invoke_config
    code, reason = _code(builder, logical_id, properties, handler)
    layers = _layers(builder, properties)
    if reason is None and handler is None:
        reason = "the function has no Handler"
    for key in properties.unread():
        if key in NOTED:
            builder.notes.ignored(properties.path_of(key), NOTED[key])
        elif key not in QUIET:
            builder.notes.ignored(
                properties.path_of(key), "faaslib does not emulate this property; ignored"
            )
    if reason is None and code is not None and handler is not None:
        try:  # Python in-process; other runtimes in process instances, where faaslib has them
            app.add_function(
                name, handler=handler, code=code, runtime=runtime, layers=layers, **options
            )
        except ConfigurationError as error:
            if runtime is None or runtime.startswith(_PYTHON):
                raise
            reason = str(error).removeprefix(f"function {name!r}: ")
    if reason is not None:  # registered all the same (its configuration and triggers show)
        message = f"function {name!r} ({logical_id}) cannot run in faaslib: {reason}"

        def not_runnable(event: Any, context: Any) -> Any:
            raise FunctionNotRunnable(message)

        spec = resolve_handler(not_runnable, name)
        spec.name = handler  # what the listing and GetFunction show: the template's Handler
        app._register(not_runnable, {**options, "name": name, "runtime": runtime}, spec=spec)
    builder.alias("function", logical_id, name)
    return TemplateFunction(
        logical_id=logical_id,
        name=name,
        runtime=runtime,
        handler=handler,
        code=None if code is None else str(code),
        runnable=reason is None,
        reason=reason or "",
    )


def function_options(builder: Builder, properties: Properties) -> dict[str, Any]:
    """`App.function`'s options from the properties SAM and Lambda share."""
    options: dict[str, Any] = {}
    for key, option in (("MemorySize", "memory"), ("Timeout", "timeout")):
        value = properties.number(key)
        if value is not None:
            options[option] = value
    storage = properties.child("EphemeralStorage").integer("Size")
    if storage is not None:
        options["ephemeral_storage"] = storage
    variables = properties.child("Environment").mapping("Variables")
    if variables:
        options["environment"] = {
            key: _text(value, properties.path_of("Environment")) for key, value in variables.items()
        }
    architectures = properties.items("Architectures")
    if architectures:
        options["architecture"] = architectures[0]
    description = properties.text("Description")
    if description:
        options["description"] = description
    reserved = properties.integer("ReservedConcurrentExecutions")
    if reserved is not None:
        options["reserved_concurrency"] = reserved
    provisioned = properties.child("ProvisionedConcurrencyConfig")
    count = provisioned.integer("ProvisionedConcurrentExecutions")
    if count is not None:
        options["provisioned_concurrency"] = count
    durable = properties.child("DurableConfig")
    if properties.has("DurableConfig"):  # a durable function (faaslib.durable), its settings
        durable.ignore("KmsKeyArn", "KMSKeyArn")  # data is kept as the app's store keeps it
        options["durable"] = {
            key: value
            for key, value in (
                ("ExecutionTimeout", durable.integer("ExecutionTimeout")),
                ("RetentionPeriodInDays", durable.integer("RetentionPeriodInDays")),
            )
            if value is not None
        }
    for key in ("DeadLetterQueue", "DeadLetterConfig"):  # SAM's, Lambda's
        target = properties.child(key).text("TargetArn")
        if target is not None:
            options["dead_letter"] = destination(builder, target, properties.path_of(key))
    return {key: value for key, value in options.items() if value is not None}


def invoke_options(builder: Builder, properties: Properties) -> dict[str, Any]:
    """The options of an event-invoke configuration (SAM's `EventInvokeConfig` property or an
    `AWS::Lambda::EventInvokeConfig`): retries, maximum age and destinations."""
    options: dict[str, Any] = {}
    retries = properties.integer("MaximumRetryAttempts")
    if retries is not None:
        options["maximum_retry_attempts"] = retries
    age = properties.integer("MaximumEventAgeInSeconds")
    if age is not None:
        options["maximum_event_age"] = age
    destinations = properties.child("DestinationConfig")
    for key, option in (("OnSuccess", "on_success"), ("OnFailure", "on_failure")):
        target = destinations.child(key)
        arn = target.text("Destination")
        target.ignore("Type")
        if arn is not None:
            options[option] = destination(builder, arn, target.path_of("Destination"))
        elif target.has("Type"):
            builder.notes.ignored(
                target.path,
                "a destination SAM would create (Type without Destination) is "
                "not created; give the Destination's ARN",
            )
    options = {key: value for key, value in options.items() if value is not None}
    return options


def destination(builder: Builder, arn: str, path: str) -> str | None:
    """A destination ARN as the app takes it: the template's queue or topic is declared first;
    what the app cannot deliver to is noted and dropped (None)."""
    app = builder.app
    parts = arn.split(":")
    if len(parts) < 6 or parts[3] != app.config.region or parts[4] != app.config.account_id:
        builder.notes.ignored(path, f"{arn} is outside the app's region and account; dropped")
        return None
    service = parts[2]
    if service == "sqs":
        app.queue(builder.resource("queue", arn, path))
    elif service == "sns":
        app.topic(builder.resource("topic", arn, path))
    elif service == "events":
        app.bus(builder.name_of("bus", arn, path))
    elif service != "lambda":
        builder.notes.ignored(path, f"{service} destinations are not emulated; dropped")
        return None
    return arn


def _text(value: Any, path: str) -> str:
    """An environment variable's value, as CloudFormation stringifies it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise TemplateError(path, f"the variable's value {value!r:.60} is not a String")


def _code(
    builder: Builder, logical_id: str, properties: Properties, handler: str | None
) -> tuple[Path | None, str | None]:
    """The function's code folder, or None and why not."""
    if properties.text("PackageType") == "Image" or properties.has("ImageUri"):
        properties.ignore("ImageUri", "ImageConfig")
        return None, "its code is a container image"
    inline = properties.text("InlineCode")
    if properties.has("Code"):  # AWS::Lambda::Function
        code = properties.child("Code")
        inline = code.text("ZipFile")
        if inline is None:
            code.ignore("S3Bucket", "S3Key", "S3ObjectVersion", "ImageUri")
            asset = _cdk_asset(builder, logical_id)
            if asset is not None:
                return _folder(asset, builder)
            if code.has("ImageUri"):
                return None, "its code is a container image"
            return None, "its code is in an S3 bucket (Code.S3Bucket), not in the project"
    if inline is not None:
        return _inline(builder, inline, handler), None
    uri = properties.get("CodeUri")
    if uri is None:
        return _folder(builder.base_dir)
    if isinstance(uri, str) and not uri.startswith("s3://"):
        path = builder.base_dir / uri
        module = (handler or "").rsplit(".", 1)[0].replace(".", "/")
        if path.suffix == ".zip" and not path.exists() and (path.parent / f"{module}.py").is_file():
            # The archive is a build step's product; its source sits beside where it would be.
            builder.notes.ignored(
                properties.path_of("CodeUri"),
                f"the archive {uri} is not there (not built yet); running the folder "
                f"{path.parent.name}/ that holds {module}.py",
            )
            return path.parent, None
        return _folder(path, builder)
    return None, f"its code is in S3 ({uri!r:.80}), not in the project"


def _folder(path: Path, builder: Builder | None = None) -> tuple[Path | None, str | None]:
    """The code at `path`: a folder or a .zip archive as it is (`add_function` unpacks and
    checks archives), a single file (which SAM zips) copied into a folder kept as long as the
    app."""
    if path.is_dir() or (path.is_file() and path.suffix == ".zip"):
        return path, None
    if not path.is_file():
        return None, f"its code {path} does not exist"
    if builder is None:
        return None, f"its code {path} is a file, not a folder"
    folder = _scratch(builder)
    shutil.copy(path, folder / path.name)
    return folder, None


def _scratch(builder: Builder) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="faaslib-code-"))
    weakref.finalize(builder.app, shutil.rmtree, folder, True)
    return folder


def _cdk_asset(builder: Builder, logical_id: str) -> Path | None:
    """The folder CDK synthesized a function's code into (`cdk.out/asset.<hash>`)."""
    metadata = builder.resources[logical_id].get("Metadata")
    if isinstance(metadata, Mapping) and metadata.get("aws:asset:property") == "Code":
        asset = metadata.get("aws:asset:path")
        if isinstance(asset, str):
            return builder.base_dir / asset
    return None


def _inline(builder: Builder, source: str, handler: str | None) -> Path:
    """A folder holding inline code as Lambda stores it (`index.py`), kept as long as the app."""
    folder = _scratch(builder)
    module = (handler or "index.handler").rsplit(".", 1)[0]
    (folder / f"{module}.py").write_text(source)
    return folder


def _layers(builder: Builder, properties: Properties) -> list[Path]:
    """The folders of the layers the template itself holds; other layers are noted (their
    packages must be installed on the host)."""
    folders = []
    layers = properties.items("Layers")
    for index, arn in enumerate(layers):
        path = f"{properties.path_of('Layers')}[{index}]"
        folder = _layer_folder(builder, arn)
        if folder is None:
            builder.notes.ignored(
                path, "a layer from outside the project; its packages must be installed on the host"
            )
        else:
            folders.append(folder)
    return folders


def _layer_folder(builder: Builder, arn: Any) -> Path | None:
    for logical_id in builder.active(
        ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")
    ):
        if builder.stack.ref(logical_id, f"Resources.{logical_id}") != arn:
            continue
        body = builder.resources[logical_id]
        properties = body.get("Properties")
        uri = properties.get("ContentUri") if isinstance(properties, Mapping) else None
        if isinstance(uri, str) and not uri.startswith("s3://"):
            folder = builder.base_dir / uri
            return folder if folder.is_dir() else None
        metadata = body.get("Metadata")
        if isinstance(metadata, Mapping) and isinstance(metadata.get("aws:asset:path"), str):
            folder = builder.base_dir / metadata["aws:asset:path"]
            return folder if folder.is_dir() else None
    return None
