"""A JSON-protocol service's answer to malformed requests: a client error in AWS's shape, never a
500 (shared by the services' tests)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import httpx


def assert_malformed_requests_are_client_errors(
    url: str,
    target_prefix: str,
    content_type: str,
    operations: Iterable[str],
    bodies: Iterable[Any],
    client_errors: Iterable[str],
) -> None:
    """POST each of `bodies` to each operation (`X-Amz-Target: {target_prefix}.{operation}`)."""
    errors = set(client_errors)
    bodies = list(bodies)
    with httpx.Client(base_url=url) as http:
        for operation in operations:
            for body in bodies:
                answer = http.post(
                    "/",
                    json=body,
                    headers={
                        "X-Amz-Target": f"{target_prefix}.{operation}",
                        "Content-Type": content_type,
                    },
                )
                assert answer.status_code < 500, (operation, body, answer.text)
                if answer.status_code != 200:  # (some bodies are whole requests of some ops)
                    assert answer.json()["__type"] in errors, (operation, body)
