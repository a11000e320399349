"""A template's Lambda authorizers as `app.authorizer`s: SAM's `Auth.Authorizers` of an Api or
HttpApi, and the `x-amazon-apigateway-authorizer` security schemes of an OpenAPI body (what
SAM's transform writes them as), read into one shape so both ways agree.

An HTTP API's Lambda authorizer is faaslib's own. A REST API's REQUEST authorizer gets REST's
input (payload format 1.0, with the `methodArn`) and answers with an IAM policy, and caches
for 300 seconds unless told otherwise, as API Gateway does. A TOKEN authorizer, a Cognito user
pool or a JWT authorizer is not run: the routes it guards are open, and the load says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from faaslib.errors import ConfigurationError
from faaslib.templates.builder import Builder
from faaslib.templates.errors import TemplateError
from faaslib.templates.names import name_in_arn

__all__ = ["authorizer_for", "from_openapi", "from_sam", "http_source"]

_FUNCTION_IN_URI = re.compile(r"functions/(arn:[^/]+)/invocations")
_REST_SOURCE = re.compile(r"^method\.request\.(header|querystring)\.(.+)$")
REST_DEFAULT_TTL = 300
_OPEN = ("NONE", "AWS_IAM")


def from_sam(value: Any, rest: bool) -> dict[str, Any] | None:
    """SAM's description of a Lambda authorizer as the OpenAPI extension's, or None for one
    that is not a Lambda authorizer (Cognito, JWT)."""
    if not isinstance(value, Mapping) or "FunctionArn" not in value:
        return None
    found = value.get("Identity")
    identity: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    sources = [f"$request.header.{name}" for name in identity.get("Headers") or []]
    sources += [f"$request.querystring.{name}" for name in identity.get("QueryStrings") or []]
    spec: dict[str, Any] = {"function": value["FunctionArn"], "identitySource": sources}
    if "ReauthorizeEvery" in identity:
        spec["authorizerResultTtlInSeconds"] = identity["ReauthorizeEvery"]
    if rest:
        kind = str(value.get("FunctionPayloadType", "TOKEN")).lower()
        spec["type"] = kind
        if kind == "token":
            spec["identitySource"] = [f"$request.header.{identity.get('Header', 'Authorization')}"]
        return spec
    spec["type"] = "request"
    spec["authorizerPayloadFormatVersion"] = str(value.get("AuthorizerPayloadFormatVersion", "2.0"))
    spec["enableSimpleResponses"] = value.get("EnableSimpleResponses", False)
    return spec


def from_openapi(scheme: Any) -> dict[str, Any] | None:
    """An OpenAPI security scheme's `x-amazon-apigateway-authorizer`, in the same shape."""
    extension = (
        scheme.get("x-amazon-apigateway-authorizer") if isinstance(scheme, Mapping) else None
    )
    if not isinstance(extension, Mapping):
        return None
    uri = extension.get("authorizerUri")
    found = _FUNCTION_IN_URI.search(uri) if isinstance(uri, str) else None
    if found is None:
        return None
    sources = extension.get("identitySource") or []
    if isinstance(sources, str):
        sources = [part.strip() for part in sources.split(",") if part.strip()]
    spec = dict(extension)
    spec["function"] = found.group(1)
    spec["identitySource"] = [http_source(source) for source in sources]
    if str(extension.get("type", "")).lower() == "token":
        name = scheme.get("name", "Authorization") if isinstance(scheme, Mapping) else ""
        spec["identitySource"] = [f"$request.header.{name}"]
    return spec


def http_source(source: str) -> str:
    """REST's `method.request.header.X` as HTTP API's `$request.header.X`."""
    found = _REST_SOURCE.match(source.strip())
    return f"$request.{found.group(1)}.{found.group(2)}" if found else source.strip()


def authorizer_for(
    builder: Builder, api: str, name: str | None, spec: dict[str, Any] | None, rest: bool, path: str
) -> str | None:
    """The app's authorizer for authorizer `name` of API `api` (declared on first use), or
    None for an open route; what cannot be run is noted at `path`."""
    if name is None or name in _OPEN:
        return None
    made = builder.authorizers
    key = (api, name)
    if key in made:
        return made[key]
    made[key] = None
    if spec is None:
        builder.notes.ignored(
            path, f"authorizer {name!r} is not a Lambda authorizer; the route is open"
        )
        return None
    if str(spec.get("type", "")).lower() == "token":
        builder.notes.ignored(
            path, f"authorizer {name!r} is a TOKEN authorizer, which is not run; the route is open"
        )
        return None
    function = spec.get("function")
    found = name_in_arn(function) if isinstance(function, str) else None
    if found is None or not builder.has_function(found[1]):
        builder.notes.ignored(path, f"authorizer {name!r} is not a function of the template")
        return None
    ttl = spec.get("authorizerResultTtlInSeconds")
    if ttl is None:  # not given (or given as null): API Gateway's default
        ttl = REST_DEFAULT_TTL if rest and spec.get("identitySource") else 0
    try:
        result_ttl = int(ttl)
    except (TypeError, ValueError):
        raise TemplateError(
            path, f"authorizer {name!r}: the result TTL {ttl!r:.40} is not whole seconds"
        ) from None
    sources = spec.get("identitySource") or ()
    if not isinstance(sources, list | tuple) or not all(isinstance(s, str) for s in sources):
        raise TemplateError(
            path,
            f"authorizer {name!r}: its identity sources {sources!r:.60} are not a list of text",
        )
    registered = f"{api}.{name}"
    try:
        builder.app.authorizer(
            registered,
            payload_format="1.0"
            if rest
            else str(spec.get("authorizerPayloadFormatVersion", "2.0")),  # type: ignore[arg-type]
            simple_responses=False if rest else bool(spec.get("enableSimpleResponses", False)),
            identity_sources=tuple(sources),
            result_ttl=result_ttl,
        )(builder.function(found[1], path))
    except ConfigurationError as error:
        builder.notes.ignored(path, f"authorizer {name!r}: {error}; the route is open")
        return None
    made[key] = registered
    return registered
