"""The deployed stack as intrinsics see it: what `Ref` and `Fn::GetAtt` of each resource give.

CloudFormation documents, per resource type, what `Ref` returns (a queue's URL, a function's
name, a topic's ARN, ...) and which attributes `Fn::GetAtt` has. faaslib answers with the URLs,
ARNs and names its own services and `app.aws` answer to, so an environment variable holding
`!Ref OrderQueue` is the URL a handler's `sqs.send_message(QueueUrl=...)` reaches. A resource
faaslib does not emulate still answers with a plausible name or ARN: loading never fails
because a function's environment mentions a state machine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from faaslib.templates.errors import TemplateError
from faaslib.templates.names import NAME_PROPERTIES, generated_name
from faaslib.templates.properties import as_bool

if TYPE_CHECKING:
    from faaslib.templates.intrinsics import Scope

__all__ = ["TemplateStack"]

# What SAM's transform adds without the template naming it, and the type it would have.
IMPLICIT_TYPES = {
    "ServerlessRestApi": "AWS::Serverless::Api",
    "ServerlessHttpApi": "AWS::Serverless::HttpApi",
}
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
# ARNs of types faaslib does not emulate, where the service or the resource part is not simply
# the type's own name: what a function's environment would hold on AWS.
_FOREIGN_ARNS = {
    "AWS::Serverless::StateMachine": ("states", "stateMachine:{name}"),
    "AWS::StepFunctions::StateMachine": ("states", "stateMachine:{name}"),
    "AWS::Cognito::UserPool": ("cognito-idp", "userpool/{name}"),
    "AWS::SecretsManager::Secret": ("secretsmanager", "secret:{name}"),
    "AWS::SSM::Parameter": ("ssm", "parameter/{name}"),
    "AWS::Logs::LogGroup": ("logs", "log-group:{name}"),
    "AWS::KMS::Key": ("kms", "key/{name}"),
}


class TemplateStack:
    """`Ref` and `Fn::GetAtt` answers for one template's resources, as one stack.

    `declare(logical_id)` puts a resource into the app and returns what the app holds for it
    (a `Queue`, a `Table`, ...): an attribute that only exists once the resource does (a
    table's `StreamArn`, which holds the time its stream was enabled) declares it first.
    """

    def __init__(
        self,
        resources: Mapping[str, Any],
        *,
        stack_name: str,
        region: str,
        account_id: str,
        partition: str,
        declare: Callable[[str], Any],
    ) -> None:
        self.resources = resources
        self.stack_name = stack_name
        self.region = region
        self.account_id = account_id
        self.partition = partition
        self._declare = declare
        self._names: dict[str, str] = {}
        self._naming: set[str] = set()
        self.scope: Scope | None = None

    # -- what a resource is --------------------------------------------------------------------

    def type_of(self, logical_id: str) -> str | None:
        """The resource type of `logical_id` (SAM's implicit APIs included), or None."""
        resource = self.resources.get(logical_id)
        if isinstance(resource, Mapping):
            kind = resource.get("Type")
            return kind if isinstance(kind, str) else None
        if logical_id in IMPLICIT_TYPES:
            return IMPLICIT_TYPES[logical_id]
        owner = self._implicit_role_owner(logical_id)
        return "AWS::IAM::Role" if owner is not None else None

    def name(self, logical_id: str, path: str) -> str:
        """The physical name of `logical_id`: its name property, or CloudFormation's
        generated `{StackName}-{LogicalId}-{SUFFIX}`."""
        known = self._names.get(logical_id)
        if known is not None:
            return known
        kind = self.type_of(logical_id)
        if kind is None:
            raise TemplateError(path, f"no resource {logical_id!r} in the template")
        if logical_id in self._naming:
            raise TemplateError(path, f"the name of resource {logical_id!r} depends on itself")
        self._naming.add(logical_id)
        try:
            name = self._name(logical_id, kind)
        finally:
            self._naming.discard(logical_id)
        self._names[logical_id] = name
        return name

    def _name(self, logical_id: str, kind: str) -> str:
        resource = self.resources.get(logical_id)
        properties = resource.get("Properties") if isinstance(resource, Mapping) else None
        properties = properties if isinstance(properties, Mapping) else {}
        where = f"Resources.{logical_id}.Properties"
        key = NAME_PROPERTIES.get(kind, ("", 0))[0]
        if key and properties.get(key) is not None:
            value = self._evaluate(properties[key], f"{where}.{key}")
            if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
                raise TemplateError(f"{where}.{key}", f"{value!r} is not a name")
            return str(value)
        fifo_key = {"AWS::SQS::Queue": "FifoQueue", "AWS::SNS::Topic": "FifoTopic"}.get(kind)
        fifo = False
        if fifo_key and properties.get(fifo_key) is not None:
            fifo = as_bool(self._evaluate(properties[fifo_key], f"{where}.{fifo_key}"), where)
        return generated_name(self.stack_name, logical_id, kind, fifo=fifo)

    def _evaluate(self, value: Any, path: str) -> Any:
        if self.scope is None:  # the scope is made with the stack; set before any lookup
            raise RuntimeError("TemplateStack.scope is not set")
        return self.scope.evaluate(value, path)

    # -- Stack: Ref and Fn::GetAtt ---------------------------------------------------------------

    def ref(self, logical_id: str, path: str) -> Any:
        """What `Ref` of resource `logical_id` gives, as CloudFormation documents it per type."""
        base, dot, special = logical_id.partition(".")
        if dot and special in ("Alias", "Version") and self.type_of(base):
            return self._function_qualifier(base, special, path)
        if dot and special in ("Stage", "Deployment") and self.type_of(base):
            return self.get_att(base, special, path)
        kind = self.type_of(logical_id)
        if kind is None:
            raise TemplateError(
                path,
                f"Ref names {logical_id!r}, which is neither a parameter nor a resource "
                "of the template",
            )
        name = self.name(logical_id, path)
        if kind == "AWS::SQS::Queue":
            return self._queue_url(name)
        if kind == "AWS::SNS::Topic":
            return self._arn("sns", name)
        if kind in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi"):
            return self._api_id(logical_id)
        if kind in ("AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api"):
            return self._api_id(logical_id)
        if kind in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
            return self._qualified(logical_id, kind, path)
        if kind in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
            return f"arn:{self.partition}:lambda:{self.region}:{self.account_id}:layer:{name}:1"
        return name

    def get_att(self, logical_id: str, attribute: str, path: str) -> Any:
        """What `Fn::GetAtt` of `logical_id`'s `attribute` gives (Arn, QueueUrl, StreamArn,
        ...); an attribute the type lacks is a `TemplateError` naming the ones it has."""
        kind = self.type_of(logical_id)
        if kind is None:
            raise TemplateError(
                path, f"Fn::GetAtt names {logical_id!r}, which is not a resource of the template"
            )
        name = self.name(logical_id, path)
        known = self._attributes(kind, logical_id, name)
        if known is None:  # a type faaslib does not emulate: a plausible value
            if attribute.endswith("Arn"):
                service, resource = _FOREIGN_ARNS.get(kind, ("", "{name}"))
                if not service:
                    service = kind.split("::")[1].lower() if kind.count("::") == 2 else "unknown"
                return self._arn(service, resource.format(name=name))
            return f"{name}-{attribute}"
        value = known.get(attribute)
        if value is None:
            shown = ", ".join(sorted(known))
            raise TemplateError(
                path, f"{kind} {logical_id!r} has no attribute {attribute!r} (it has: {shown})"
            )
        return value()

    def _attributes(
        self, kind: str, logical_id: str, name: str
    ) -> dict[str, Callable[[], Any]] | None:
        arn = self._arn
        if kind in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            return {"Arn": lambda: arn("lambda", f"function:{name}")}
        if kind == "AWS::SQS::Queue":
            return {
                "Arn": lambda: arn("sqs", name),
                "QueueName": lambda: name,
                "QueueUrl": lambda: self._queue_url(name),
            }
        if kind == "AWS::SNS::Topic":
            return {"TopicArn": lambda: arn("sns", name), "TopicName": lambda: name}
        if kind == "AWS::S3::Bucket":
            region = self.region
            return {
                "Arn": lambda: f"arn:{self.partition}:s3:::{name}",
                "DomainName": lambda: f"{name}.s3.amazonaws.com",
                "RegionalDomainName": lambda: f"{name}.s3.{region}.amazonaws.com",
                "DualStackDomainName": lambda: f"{name}.s3.dualstack.{region}.amazonaws.com",
                "WebsiteURL": lambda: f"http://{name}.s3-website-{region}.amazonaws.com",
            }
        if kind in ("AWS::DynamoDB::Table", "AWS::Serverless::SimpleTable"):
            return {
                "Arn": lambda: arn("dynamodb", f"table/{name}"),
                "StreamArn": lambda: self._declare(logical_id).stream_arn,
            }
        if kind == "AWS::Kinesis::Stream":
            return {"Arn": lambda: arn("kinesis", f"stream/{name}")}
        if kind == "AWS::Events::EventBus":
            return {"Arn": lambda: arn("events", f"event-bus/{name}"), "Name": lambda: name}
        if kind == "AWS::Events::Rule":
            return {"Arn": lambda: arn("events", f"rule/{name}")}
        if kind == "AWS::IAM::Role":
            return {
                "Arn": lambda: f"arn:{self.partition}:iam::{self.account_id}:role/{name}",
                "RoleId": lambda: "AROA" + self._api_id(logical_id).upper()[:17],
            }
        if kind in ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi"):
            return {  # Stage and Deployment: SAM's `MyApi.Stage`, `MyApi.Deployment`
                "RootResourceId": lambda: self._api_id(f"{logical_id}/"),
                "Stage": lambda: self._stage(logical_id),
                "Deployment": lambda: self._api_id(f"{logical_id}/deployment"),
            }
        if kind in ("AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api"):
            return {
                "ApiEndpoint": lambda: (
                    f"https://{self._api_id(logical_id)}.execute-api.{self.region}.amazonaws.com"
                ),
                "ApiId": lambda: self._api_id(logical_id),
            }
        return None

    def _function_qualifier(self, logical_id: str, special: str, path: str) -> str:
        """SAM's `Ref: Function.Alias` and `Function.Version`: the qualified ARN (faaslib runs
        every function as $LATEST; the alias and version are names only)."""
        function = self._arn("lambda", f"function:{self.name(logical_id, path)}")
        if special == "Version":
            return f"{function}:1"
        resource = self.resources.get(logical_id)
        properties = resource.get("Properties", {}) if isinstance(resource, Mapping) else {}
        alias = properties.get("AutoPublishAlias") if isinstance(properties, Mapping) else None
        if alias is None:
            raise TemplateError(
                path, f"{logical_id}.Alias needs AutoPublishAlias on function {logical_id!r}"
            )
        where = f"Resources.{logical_id}.Properties.AutoPublishAlias"
        return f"{function}:{self._evaluate(alias, where)}"

    def _qualified(self, logical_id: str, kind: str, path: str) -> str:
        """An alias's or a version's ARN: its function's, qualified by its name or `1`."""
        resource = self.resources.get(logical_id)
        properties = resource.get("Properties") if isinstance(resource, Mapping) else None
        properties = properties if isinstance(properties, Mapping) else {}
        where = f"Resources.{logical_id}.Properties"
        function = str(self._evaluate(properties.get("FunctionName"), f"{where}.FunctionName"))
        if not function.startswith("arn:"):
            function = self._arn("lambda", f"function:{function}")
        if kind == "AWS::Lambda::Version":
            return f"{function}:1"
        return f"{function}:{self._evaluate(properties.get('Name'), f'{where}.Name')}"

    def _stage(self, logical_id: str) -> str:
        resource = self.resources.get(logical_id)
        properties = resource.get("Properties") if isinstance(resource, Mapping) else None
        stage = properties.get("StageName") if isinstance(properties, Mapping) else None
        if stage is None:
            return "Prod"  # SAM's implicit API's stage
        return str(self._evaluate(stage, f"Resources.{logical_id}.Properties.StageName"))

    def _implicit_role_owner(self, logical_id: str) -> str | None:
        """The SAM function whose generated role `logical_id` names (`{Function}Role`)."""
        if not logical_id.endswith("Role"):
            return None
        owner = self.resources.get(logical_id.removesuffix("Role"))
        if isinstance(owner, Mapping) and owner.get("Type") == "AWS::Serverless::Function":
            return logical_id.removesuffix("Role")
        return None

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account_id}:{resource}"

    def _queue_url(self, name: str) -> str:
        return f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{name}"

    def _api_id(self, seed: str) -> str:
        """An API Gateway id (10 lower-case letters and digits), the same on every run."""
        digest = hashlib.sha256(f"{self.stack_name}/{seed}".encode()).digest()
        return "".join(_ID_ALPHABET[byte % len(_ID_ALPHABET)] for byte in digest[:10])
