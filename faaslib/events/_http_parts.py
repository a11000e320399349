"""How AWS's HTTP front doors (API Gateway, function URLs, load balancers) take in a client's
request before they shape it into an event: the body as text or base64, the header and query
pairs with what the proxy adds, the time it arrived, and the caller's mutual-TLS certificate.

The builders of `http_builders`, `authorizers`, `websocket` and `lattice` share these steps;
each then lays the parts out as its service does.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, NamedTuple, TypeAlias
from urllib.parse import quote, unquote_plus

import msgspec

from faaslib.events import _fake
from faaslib.events.http import APIGatewayClientCert, APIGatewayClientCertValidity

__all__ = [
    "USER_AGENT",
    "Body",
    "Headers",
    "Query",
    "Received",
    "client_certificate",
    "decoded",
    "grouped",
    "receive",
    "short_request_id",
]

Headers: TypeAlias = Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]]
Query: TypeAlias = str | Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]]
Body: TypeAlias = str | bytes | Mapping[str, Any] | list[Any] | None

USER_AGENT = "curl/8.5.0"  # the caller's agent when no `user-agent` header is given


class Received(NamedTuple):
    """A request as the service received it, before it lays it out in an event."""

    host: str
    source_ip: str
    user_agent: str
    headers: list[tuple[str, str]]  # as sent, plus what the proxy and the body add
    query: list[tuple[str, str]]  # names and values URL-encoded, as on the request line
    query_string: str
    body: str | None
    is_base64_encoded: bool
    epoch_ms: int


def receive(
    body: Body,
    headers: Headers | None,
    query: Query | None,
    host: str,
    source_ip: str,
    user_agent: str | None,
    now: float | None,
    *,
    keep_case: bool = False,
) -> Received:
    """The request a client sent to `host`: header names lower-cased, or with `keep_case` as
    the client spelt them (the proxy's own capitalised), as REST APIs keep them."""
    text, is_base64, extra = _body(body)
    user_agent, pairs = _headers(headers, extra, host, source_ip, user_agent, now, keep_case)
    raw = _raw_query(query)
    return Received(
        host=host,
        source_ip=source_ip,
        user_agent=user_agent,
        headers=pairs,
        query=raw,
        query_string=query.lstrip("?") if isinstance(query, str) else "&".join(map("=".join, raw)),
        body=text,
        is_base64_encoded=is_base64,
        epoch_ms=_fake.epoch_ms(now),
    )


def decoded(raw: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """URL-encoded query pairs decoded, as API Gateway hands them to the function."""
    return [(unquote_plus(name), unquote_plus(value)) for name, value in raw]


def grouped(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Every value of each name, in order: the `multiValue*` maps."""
    groups: dict[str, list[str]] = {}
    for name, value in pairs:
        groups.setdefault(name, []).append(value)
    return groups


def client_certificate(
    cert: APIGatewayClientCert | Literal[True], now: float | None
) -> APIGatewayClientCert:
    """`cert`, or for True a client certificate from a private CA, valid from a month before
    `now` for a year, its dates as OpenSSL prints them (`Aug  5 09:36:04 2021 GMT`)."""
    if isinstance(cert, APIGatewayClientCert):
        return cert
    issued = _fake.seconds(now) - 30 * 86400
    body = _fake.b64(secrets.token_bytes(96))
    return APIGatewayClientCert(
        client_cert_pem=f"-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n",
        subject_dn="C=US,O=Example Corp,CN=client.example.com",
        issuer_dn="C=US,O=Example Corp,CN=Example Corp Private CA",
        serial_number=":".join(f"{byte:02x}" for byte in secrets.token_bytes(16)),
        validity=APIGatewayClientCertValidity(
            not_before=_fake.openssl_time(issued),
            not_after=_fake.openssl_time(issued + 365 * 86400),
        ),
    )


def short_request_id() -> str:
    """`LV7fzho-PHcEJPw=`: the short id HTTP APIs give requests (and REST APIs as extended id)."""
    return _fake.b64(secrets.token_bytes(11)).replace("+", "-").replace("/", "_")


def _body(body: Body) -> tuple[str | None, bool, list[tuple[str, str]]]:
    """The body as the event carries it, whether that is base64, and the headers it implies."""
    if body is None or body == "" or body == b"":
        return None, False, []
    if isinstance(body, (bytes, bytearray, memoryview)):
        data = bytes(body)
        return _fake.b64(data), True, [("content-length", str(len(data)))]
    extra = []
    if not isinstance(body, str):
        body = msgspec.json.encode(body).decode()
        extra.append(("content-type", "application/json"))
    return body, False, [*extra, ("content-length", str(len(body.encode())))]


def _headers(
    given: Headers | None,
    extra: list[tuple[str, str]],
    host: str,
    source_ip: str,
    user_agent: str | None,
    now: float | None,
    keep_case: bool,
) -> tuple[str, list[tuple[str, str]]]:
    """The caller's user agent and the headers as sent, plus those the proxy or body adds."""
    spelling: dict[str, str] = {}  # header names are case-insensitive: keep the first spelling
    pairs = [
        (spelling.setdefault(name.lower(), name if keep_case else name.lower()), value)
        for name, value in _pairs(given)
    ]
    sent = {name.lower(): value for name, value in pairs}
    user_agent = user_agent or sent.get("user-agent") or USER_AGENT
    added = [
        *extra,
        ("host", host),
        ("user-agent", user_agent),
        ("x-amzn-trace-id", _fake.trace_id(now)),
        ("x-forwarded-for", source_ip),
        ("x-forwarded-port", "443"),
        ("x-forwarded-proto", "https"),
    ]
    added = [
        (name.title() if keep_case else name, value) for name, value in added if name not in sent
    ]
    return user_agent, pairs + added


def _pairs(items: Headers | None) -> list[tuple[str, str]]:
    if items is None:
        return []
    if not isinstance(items, Mapping):
        return [(name, value) for name, value in items]
    return [
        (name, item)
        for name, value in items.items()
        for item in ([value] if isinstance(value, str) else value)
    ]


def _raw_query(query: Query | None) -> list[tuple[str, str]]:
    """The query's names and values URL-encoded, as they travel on the request line."""
    if isinstance(query, str):
        parts = [part.partition("=") for part in query.lstrip("?").split("&") if part]
        return [(name, value) for name, _, value in parts]
    return [(quote(name, safe=""), quote(value, safe="")) for name, value in _pairs(query)]
