"""A template's HTTP APIs as the app's routes: SAM's Api and HttpApi events, OpenAPI bodies
with Lambda proxy integrations, and CloudFormation's API Gateway resources (REST methods on
their resource tree, HTTP API routes with their integrations).

faaslib serves one API per app, at the paths the template declares: a REST API's stage is not
part of the path (`/hello`, not `/Prod/hello`). A REST API's function gets API Gateway's proxy
event, which is the HTTP API's payload format 1.0; an HTTP API's function gets its
integration's format (2.0 by default).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from faaslib.errors import ConfigurationError
from faaslib.templates.authorizers import authorizer_for, from_openapi, from_sam, http_source
from faaslib.templates.builder import Builder
from faaslib.templates.errors import TemplateError
from faaslib.templates.names import name_in_arn
from faaslib.templates.properties import Properties

__all__ = ["API_TYPES", "bind_api_event", "bind_apis", "bind_http_api_event"]

API_TYPES = (
    "AWS::Serverless::Api",
    "AWS::Serverless::HttpApi",
    "AWS::ApiGateway::RestApi",
    "AWS::ApiGateway::Method",
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Route",
    "AWS::ApiGatewayV2::Integration",
    "AWS::ApiGateway::Authorizer",  # read with the methods and routes that name them
    "AWS::ApiGatewayV2::Authorizer",
)
_FUNCTION_IN_URI = re.compile(r"functions/(arn:[^/]+)/invocations")
_ANY = "x-amazon-apigateway-any-method"


def bind_api_event(builder: Builder, function: str, properties: Properties) -> None:
    """SAM's `Api` event: a REST API route (payload format 1.0)."""
    method, path = properties.text("Method"), properties.text("Path")
    authorizer = _event_authorizer(builder, properties, "RestApiId", "ServerlessRestApi", True)
    properties.ignore("RequestModel", "RequestParameters", "TimeoutInMillis")
    _route(builder, function, method or "ANY", path or "/", "1.0", properties.path, authorizer)


def bind_http_api_event(builder: Builder, function: str, properties: Properties) -> None:
    """SAM's `HttpApi` event: an HTTP API route, `$default` without Path and Method."""
    method, path = properties.text("Method"), properties.text("Path")
    payload = properties.text("PayloadFormatVersion", "2.0") or "2.0"
    authorizer = _event_authorizer(builder, properties, "ApiId", "ServerlessHttpApi", False)
    properties.ignore("TimeoutInMillis", "RouteSettings")
    if method is None and path is None:
        method, path = "$default", None
    else:
        method, path = method or "ANY", path or "/"
    _route(builder, function, method, path, payload, properties.path, authorizer)


def _event_authorizer(
    builder: Builder, properties: Properties, key: str, implicit: str, rest: bool
) -> str | None:
    """The app's authorizer of an event's route: its own `Auth.Authorizer`, or its API's
    `DefaultAuthorizer`."""
    reference = properties.raw.get(key)
    properties.ignore(key)
    api = reference.get("Ref") if isinstance(reference, Mapping) else None
    api = api if isinstance(api, str) and api in builder.resources else implicit
    body = builder.resources.get(api) or {}
    api_auth = Properties(body.get("Properties"), f"Resources.{api}.Properties", builder.scope)
    auth = api_auth.child("Auth")
    event_auth = properties.child("Auth")
    name = event_auth.text("Authorizer") or auth.text("DefaultAuthorizer")
    event_auth.ignore(*event_auth.raw)
    if name is None or name in ("NONE", "AWS_IAM"):
        return None
    spec = from_sam(auth.mapping("Authorizers").get(name), rest)
    return authorizer_for(builder, api, name, spec, rest, event_auth.path)


def _route(
    builder: Builder,
    function: str,
    method: str,
    path: str | None,
    payload: str,
    where: str,
    authorizer: str | None = None,
) -> None:
    method = method if method == "$default" else method.upper()
    if path is not None and path.endswith("/") and path != "/":
        path = path.rstrip("/")  # API Gateway's resource `/items/` is `/items`
    if path == "$default":
        method, path = "$default", None
    key = method if path is None else f"{method} {path}"
    routes = builder.routes
    if (key, function) in routes:  # the same route from an event and an OpenAPI body
        return
    try:
        builder.app.route(method, path, payload_format=payload, authorizer=authorizer)(  # type: ignore[arg-type]
            function
        )
    except ConfigurationError as error:
        builder.notes.ignored(where, f"route {key}: {error}; not served")
        return
    routes.add((key, function))


def bind_apis(builder: Builder) -> set[str]:
    """Routes from the APIs the template declares (OpenAPI bodies and API Gateway resources),
    and CORS from the first API that configures it; the logical ids handled."""
    handled = set()
    for logical_id in builder.active(API_TYPES):
        kind = builder.resources[logical_id]["Type"]
        properties = builder.properties(logical_id)
        handled.add(logical_id)
        if kind in ("AWS::Serverless::Api", "AWS::Serverless::HttpApi"):
            body = properties.get("DefinitionBody")
            rest = kind == "AWS::Serverless::Api"
            key = "Cors" if rest else "CorsConfiguration"
            _cors(builder, properties.get(key), properties.path_of(key), rest)
        elif kind in ("AWS::ApiGateway::RestApi", "AWS::ApiGatewayV2::Api"):
            body = properties.get("Body")
            rest = kind == "AWS::ApiGateway::RestApi"
            if properties.text("ProtocolType") == "WEBSOCKET":
                builder.notes.unemulated(logical_id, f"{kind} (WebSocket)")
                continue
            target = properties.text("Target")
            if target is not None and builder.has_function(target):  # HTTP API quick create
                _route(
                    builder, builder.function(target, ""), "$default", None, "2.0", properties.path
                )
        elif kind == "AWS::ApiGateway::Method":
            _method(builder, logical_id, properties)
            continue
        elif kind == "AWS::ApiGatewayV2::Route":
            _v2_route(builder, properties)
            continue
        else:
            continue
        if isinstance(body, Mapping):
            key = "DefinitionBody" if kind.startswith("AWS::Serverless::") else "Body"
            _openapi(builder, logical_id, body, rest, properties.path_of(key))
    return handled


def _openapi(builder: Builder, api: str, body: Mapping[str, Any], rest: bool, where: str) -> None:
    paths = body.get("paths")
    if not isinstance(paths, Mapping):
        return
    components = body.get("components")
    schemes = body.get("securityDefinitions") or (
        components.get("securitySchemes") if isinstance(components, Mapping) else None
    )
    schemes = schemes if isinstance(schemes, Mapping) else {}
    for path, methods in paths.items():
        if not isinstance(methods, Mapping):
            continue
        for method, operation in methods.items():
            if not isinstance(operation, Mapping):
                continue
            integration = operation.get("x-amazon-apigateway-integration")
            if not isinstance(integration, Mapping):
                continue
            kind = str(integration.get("type", "")).lower()
            if kind != "aws_proxy":
                builder.notes.ignored(
                    f"{where}.paths.{path}.{method}",
                    f"an API Gateway {kind or 'unknown'} integration (not a Lambda proxy) is not "
                    "emulated; not served",
                )
                continue
            function = _function_of(builder, integration.get("uri"))
            if function is None:
                continue
            payload = "1.0" if rest else str(integration.get("payloadFormatVersion", "2.0"))
            verb = "ANY" if method == _ANY else str(method).upper()
            at = f"{where}.paths.{path}.{method}"
            security = operation.get("security")
            first = security[0] if isinstance(security, list) and security else None
            name = next(iter(first), None) if isinstance(first, Mapping) else None
            spec = from_openapi(schemes.get(name)) if name is not None else None
            authorizer = authorizer_for(builder, api, name, spec, rest, at)
            if path == "$default":
                _route(builder, function, "$default", None, payload, at, authorizer)
            else:
                _route(builder, function, verb, str(path), payload, at, authorizer)


def _function_of(builder: Builder, uri: Any) -> str | None:
    """The template's function an integration URI invokes (an API Gateway invocation URI or
    the function's ARN), if any."""
    if not isinstance(uri, str):
        return None
    found = _FUNCTION_IN_URI.search(uri)
    arn = found.group(1) if found else uri
    named = name_in_arn(arn)
    if named is None or named[0] != "lambda" or not builder.has_function(named[1]):
        return None
    return builder.function(named[1], "")


def _method(builder: Builder, logical_id: str, properties: Properties) -> None:
    """An `AWS::ApiGateway::Method` with a Lambda proxy integration, at its resource's path."""
    integration = properties.mapping("Integration")
    kind = str(integration.get("Type", "")).upper()
    if kind != "AWS_PROXY":
        if kind != "MOCK":  # a mock answers by itself; an AWS or HTTP integration is a service
            builder.notes.unemulated(
                logical_id, f"AWS::ApiGateway::Method with an {kind or 'unknown'} integration"
            )
        return
    function = _function_of(builder, integration.get("Uri"))
    if function is None:
        return
    path = _resource_path(builder, properties.raw.get("ResourceId"))
    method = properties.text("HttpMethod", "ANY") or "ANY"
    authorizer = _authorizer_resource(builder, properties, "RestApiId", rest=True)
    _route(builder, function, method, path, "1.0", properties.path, authorizer)


def _resource_path(builder: Builder, resource: Any, depth: int = 0) -> str:
    """The path of an API Gateway resource, from its PathPart and its parents'."""
    logical_id = resource.get("Ref") if isinstance(resource, Mapping) else None
    body = builder.resources.get(logical_id) if isinstance(logical_id, str) else None
    if body is None or body.get("Type") != "AWS::ApiGateway::Resource" or depth > 50:
        return "/"  # the root resource (Fn::GetAtt Api.RootResourceId)
    properties = Properties(
        body.get("Properties"), f"Resources.{logical_id}.Properties", builder.scope
    )
    parent = _resource_path(builder, properties.raw.get("ParentId"), depth + 1)
    return f"{parent.rstrip('/')}/{properties.text('PathPart')}"


def _v2_route(builder: Builder, properties: Properties) -> None:
    """An `AWS::ApiGatewayV2::Route` whose target is a Lambda proxy integration."""
    key = properties.text("RouteKey") or ""
    target = properties.raw.get("Target")
    integration_id = _ref_inside(target)
    body = builder.resources.get(integration_id) if integration_id else None
    if body is None or body.get("Type") != "AWS::ApiGatewayV2::Integration":
        return
    integration = Properties(
        body.get("Properties"), f"Resources.{integration_id}.Properties", builder.scope
    )
    if str(integration.text("IntegrationType", "")).upper() != "AWS_PROXY":
        return
    function = _function_of(builder, integration.text("IntegrationUri"))
    if function is None:
        return
    payload = integration.text("PayloadFormatVersion", "2.0") or "2.0"
    authorizer = _authorizer_resource(builder, properties, "ApiId", rest=False)
    if key == "$default":
        _route(builder, function, "$default", None, payload, properties.path, authorizer)
    elif " " in key:
        method, path = key.split(" ", 1)
        _route(builder, function, method, path, payload, properties.path, authorizer)


def _authorizer_resource(
    builder: Builder, properties: Properties, api_key: str, *, rest: bool
) -> str | None:
    """The app's authorizer for a method's or route's `AuthorizerId`: an
    `AWS::ApiGateway::Authorizer` or `AWS::ApiGatewayV2::Authorizer` of a Lambda function."""
    kind = (properties.text("AuthorizationType", "NONE") or "NONE").upper()
    if kind in ("NONE", "AWS_IAM"):
        return None
    logical_id = _ref_inside(properties.raw.get("AuthorizerId"))
    body = builder.resources.get(logical_id) if logical_id else None
    if kind != "CUSTOM" or logical_id is None or body is None:
        builder.notes.ignored(
            properties.path_of("AuthorizationType"), f"{kind} authorization is not run; open"
        )
        return None
    authorizer = Properties(
        body.get("Properties"), f"Resources.{logical_id}.Properties", builder.scope
    )
    type_key = "Type" if rest else "AuthorizerType"
    sources = authorizer.get("IdentitySource") or []
    if isinstance(sources, str):
        sources = [part.strip() for part in sources.split(",") if part.strip()]
    spec: dict[str, Any] = {
        "type": str(authorizer.text(type_key, "REQUEST")).lower(),
        "function": _function_in_uri(authorizer.text("AuthorizerUri")),
        "identitySource": [http_source(str(source)) for source in sources],
        "authorizerPayloadFormatVersion": authorizer.text("AuthorizerPayloadFormatVersion", "2.0"),
        "enableSimpleResponses": authorizer.boolean("EnableSimpleResponses", False),
    }
    ttl = authorizer.integer("AuthorizerResultTtlInSeconds")
    if ttl is not None:
        spec["authorizerResultTtlInSeconds"] = ttl
    api = _ref_inside(properties.raw.get(api_key)) or "api"
    return authorizer_for(builder, api, logical_id, spec, rest, properties.path_of("AuthorizerId"))


def _function_in_uri(uri: str | None) -> str | None:
    found = _FUNCTION_IN_URI.search(uri) if uri is not None else None
    return found.group(1) if found else uri


def _ref_inside(value: Any) -> str | None:
    if isinstance(value, Mapping):
        if isinstance(value.get("Ref"), str):
            return str(value["Ref"])
        for inner in value.values():
            found = _ref_inside(inner)
            if found:
                return found
    if isinstance(value, list):
        for inner in value:
            found = _ref_inside(inner)
            if found:
                return found
    return None


def _cors(builder: Builder, raw: Any, where: str, rest: bool) -> None:
    """SAM's `Cors` (REST: quoted header values) or `CorsConfiguration` (HTTP) as `app.cors`."""
    if raw is None or raw is False:
        return
    if raw is True or isinstance(raw, str):
        origins = [raw.strip("'")] if isinstance(raw, str) else ["*"]
        options: dict[str, Any] = {"allow_origins": origins}
    elif isinstance(raw, Mapping):

        def values(key: str) -> list[str]:
            value = raw.get(key)
            if value is None:
                return []
            if isinstance(value, str):
                return [part.strip() for part in value.strip("'").split(",") if part.strip()]
            if isinstance(value, list) and all(isinstance(part, str) for part in value):
                return list(value)
            raise TemplateError(f"{where}.{key}", f"{value!r:.60} is not a list of names")

        age = raw.get("MaxAge")
        try:
            max_age = int(str(age).strip("'")) if age is not None else None
        except ValueError:
            raise TemplateError(f"{where}.MaxAge", f"{age!r:.60} is not seconds") from None
        options = {
            "allow_origins": values("AllowOrigin" if rest else "AllowOrigins"),
            "allow_methods": values("AllowMethods"),
            "allow_headers": values("AllowHeaders"),
            "expose_headers": values("ExposeHeaders"),
            "max_age": max_age,
            "allow_credentials": str(raw.get("AllowCredentials", "false")).strip("'").lower()
            == "true",
        }
    else:
        return
    try:
        builder.app.cors(**options, preflight_only=rest)
    except ConfigurationError as error:
        builder.notes.ignored(where, f"{error}; CORS not configured from here")
