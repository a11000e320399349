"""What a template asks for that faaslib does not do, said once, at load, as warnings.

A real project's template holds more than functions and their triggers: IAM roles, log groups,
state machines, user pools, WAF rules. Loading never fails for them. Permissions (IAM roles and
policies, Lambda permissions, queue and bucket policies) are accepted silently: they describe
what AWS would allow, and faaslib does not check permissions. Everything else faaslib does not
emulate is listed in one `UnsupportedResourceWarning`, with the resources that reference it
(whose calls to it would reach AWS, or fail). A property faaslib ignores (a function's VPC, a
layer, a durable configuration) is an `UnsupportedPropertyWarning` naming its template path.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["Notes", "UnsupportedPropertyWarning", "UnsupportedResourceWarning", "references"]


class UnsupportedResourceWarning(UserWarning):
    """The template declares resources faaslib does not emulate (Step Functions, Cognito,
    Bedrock, ...): they are listed with the resources that reference them."""


class UnsupportedPropertyWarning(UserWarning):
    """The template sets a property faaslib does not emulate; it is ignored. The message names
    the resource and the property's path."""


# Resource types that only grant or describe permissions: faaslib does not check permissions,
# so these are fine as they are.
PERMISSION_TYPES = frozenset(
    {
        "AWS::Lambda::Permission",
        "AWS::SQS::QueuePolicy",
        "AWS::SNS::TopicPolicy",
        "AWS::S3::BucketPolicy",
        "AWS::Events::EventBusPolicy",
        "AWS::Lambda::LayerVersionPermission",
    }
)
# Resource types whose whole job is done by what faaslib does anyway (its log lines, its one
# API in front of the routes, SAM's CDK bookkeeping).
QUIETLY_DONE_TYPES = frozenset(
    {
        "AWS::Logs::LogGroup",
        "AWS::ApiGateway::Deployment",
        "AWS::ApiGateway::Stage",
        "AWS::ApiGateway::Account",
        "AWS::ApiGatewayV2::Deployment",
        "AWS::ApiGatewayV2::Stage",
        "AWS::CDK::Metadata",
        "AWS::Lambda::Version",
        "AWS::Lambda::Alias",
        "AWS::Serverless::LayerVersion",
        "AWS::Lambda::LayerVersion",
        "AWS::ApiGateway::Resource",
    }
)
_SUB_NAME = re.compile(r"\$\{([^!}][^}]*)\}")


def is_silent(resource_type: str) -> bool:
    """Whether a resource type faaslib does not emulate is fine to pass over without a word."""
    return (
        resource_type.startswith("AWS::IAM::")
        or resource_type in PERMISSION_TYPES
        or resource_type in QUIETLY_DONE_TYPES
    )


def references(value: Any) -> set[str]:
    """The logical ids `value` refers to: by Ref, Fn::GetAtt, or a `${Name}` in Fn::Sub."""
    found: set[str] = set()
    if isinstance(value, Mapping):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                if isinstance(inner, list) and inner and isinstance(inner[0], str):
                    found.add(inner[0])
                elif isinstance(inner, str):
                    found.add(inner.split(".")[0])
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) and inner else inner
                if isinstance(text, str):
                    found.update(name.split(".")[0] for name in _SUB_NAME.findall(text))
            found |= references(inner)
    elif isinstance(value, list):
        for inner in value:
            found |= references(inner)
    return found


class Notes:
    """What a load found faaslib does not do, gathered, then warned about once at the end."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.resources: dict[str, str] = {}  # logical id -> type
        self.properties: dict[str, list[str]] = {}  # what is ignored -> template paths

    def unemulated(self, logical_id: str, resource_type: str) -> None:
        """Resource `logical_id` of `resource_type` is not emulated."""
        self.resources[logical_id] = resource_type

    def ignored(self, path: str, what: str) -> None:
        """The property at `path` is ignored; `what` says what it is and what faaslib does."""
        self.properties.setdefault(what, []).append(path)

    def ignored_all(self, paths: Iterable[str], what: str) -> None:
        """Each of `paths` is ignored, for the same reason."""
        for path in paths:
            self.ignored(path, what)

    def warn(self, template_resources: Mapping[str, Any]) -> None:
        """Warn once about the unemulated resources and once per kind of ignored property."""
        if self.resources:
            lines = []
            for logical_id, kind in self.resources.items():
                users = sorted(
                    other
                    for other, body in template_resources.items()
                    if other != logical_id and logical_id in references(body)
                )
                used = f", referenced by {', '.join(users)}" if users else ""
                lines.append(f"{logical_id} ({kind}{used})")
            warnings.warn(
                f"{self.source}: faaslib does not emulate {len(lines)} resource(s) (loaded "
                f"without them; what uses them works only as far as it can without them): "
                f"{'; '.join(lines)}",
                UnsupportedResourceWarning,
                stacklevel=4,
            )
        for what, paths in self.properties.items():
            warnings.warn(
                f"{self.source}: {', '.join(paths)}: {what}",
                UnsupportedPropertyWarning,
                stacklevel=4,
            )
