"""The events a route receives, compared with real AWS samples of their family: the same keys
at the same paths, of the same types.

An event parses as its family's Struct (whose field types were checked on every sample of the
corpus), and sets the keys of a chosen sample, but for what faaslib does not produce (mutual
TLS, stage variables, JWT and IAM authorizers), and for what depends on the request (a body,
cookies, a query, path parameters) when the request has none.
"""

from __future__ import annotations

from typing import Any

from faaslib import events
from tests.events import corpus
from tests.events.structure import shape

# Features of real events faaslib's HTTP APIs do not have, by path prefix.
NOT_PRODUCED = (
    "$.requestContext.authentication",  # mutual TLS
    "$.requestContext.identity.clientCert",
    "$.requestContext.authorizer.jwt",  # JWT authorizers
    "$.requestContext.authorizer.iam",  # IAM (SigV4) authorization
    "$.stageVariables",
)
SAMPLES = {
    "apigw-http-v2": ("powertools/apiGatewayProxyV2Event.json", events.APIGatewayProxyEventV2),
    "apigw-rest": ("powertools/apiGatewayProxyEvent.json", events.APIGatewayProxyEvent),
    "function-url": ("powertools/lambdaFunctionUrlEvent.json", events.LambdaFunctionUrlEvent),
    "apigw-authorizer": (
        "aws-lambda-go/apigw-v2-custom-authorizer-v2-request.json",
        events.APIGatewayAuthorizerEventV2,
    ),
}


def assert_like_sample(raw: Any, family: str, *, allowed: frozenset[str] = frozenset()) -> None:
    """That decoded event `raw` has its family's Struct types and the sample's key structure;
    `allowed` lists the paths of the sample that this request gives no reason to set (or the
    request's own paths that the sample happens to lack)."""
    path, struct = SAMPLES[family]
    event = events.parse(raw, type=struct)
    sample = events.parse(corpus.load(path), type=struct)
    mine, theirs = shape(event), shape(sample)
    missing = {p for p in theirs - mine if not p.startswith(NOT_PRODUCED) and p not in allowed}
    extra = {p for p in mine - theirs if p not in allowed}
    assert not missing, f"{family}: keys of {path} missing: {sorted(missing)}"
    assert not extra, f"{family}: keys that {path} lacks: {sorted(extra)}"
