"""Amazon Bedrock Agents: an action group's call to a Lambda function.

The agent invokes the function to carry out an API operation of the action group's OpenAPI
schema (`api_path` and `http_method`) or one of its function details (`function`), with the
parameters and request body it elicited from the user.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Mapping
from typing import Any

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = [
    "BedrockAgent",
    "BedrockAgentEvent",
    "BedrockAgentMediaType",
    "BedrockAgentParameter",
    "BedrockAgentRequestBody",
    "build_bedrock_agent",
    "detect",
]


class BedrockAgent(AWSEvent, rename="camel"):
    """The agent that calls: its name, id, alias id and version."""

    name: str | Unset = UNSET
    id: str | Unset = UNSET
    alias: str | Unset = UNSET
    version: str | Unset = UNSET


class BedrockAgentParameter(AWSEvent, rename="camel"):
    """A named value with its schema type (`string`, `integer`, `number`, `boolean`, `array`);
    the value always travels as text."""

    name: str | Unset = UNSET
    type: str | Unset = UNSET
    value: str | Unset = UNSET


class BedrockAgentMediaType(AWSEvent, rename="camel"):
    """The request body in one media type, as its properties."""

    properties: list[BedrockAgentParameter] | Unset = UNSET


class BedrockAgentRequestBody(AWSEvent, rename="camel"):
    """The request body, by media type (`application/json`)."""

    content: dict[str, BedrockAgentMediaType] | Unset = UNSET


class BedrockAgentEvent(AWSEvent, rename="camel"):
    """A Bedrock agent's action group invocation: which operation (`api_path` and `http_method`,
    or `function`), its parameters and request body, the user's input and the session's
    attributes."""

    message_version: str | Unset = UNSET
    agent: BedrockAgent | Unset = UNSET
    input_text: str | Unset = UNSET
    session_id: str | Unset = UNSET
    action_group: str | Unset = UNSET
    function: str | Unset = UNSET
    api_path: str | Unset = UNSET
    http_method: str | Unset = UNSET
    parameters: list[BedrockAgentParameter] | Unset = UNSET
    request_body: BedrockAgentRequestBody | Unset = UNSET
    session_attributes: dict[str, str] | Unset = UNSET
    prompt_session_attributes: dict[str, str] | Unset = UNSET

    def parameter_values(self) -> dict[str, str]:
        """The parameters as a dict, name to value: `{"claim_id": "123"}`."""
        if not isinstance(self.parameters, list):
            return {}
        return _values(self.parameters)

    def body_values(self, content_type: str = "application/json") -> dict[str, str]:
        """The request body's properties in `content_type` as a dict, name to value; empty if
        there is no body in that media type."""
        if not isinstance(self.request_body, BedrockAgentRequestBody):
            return {}
        content = self.request_body.content
        media = content.get(content_type) if isinstance(content, dict) else None
        if media is None or not isinstance(media.properties, list):
            return {}
        return _values(media.properties)


def _values(parameters: list[BedrockAgentParameter]) -> dict[str, str]:
    return {
        parameter.name: parameter.value
        for parameter in parameters
        if isinstance(parameter.name, str) and isinstance(parameter.value, str)
    }


# Detection


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`BedrockAgentEvent` for an event with `messageVersion`, an `agent` object, an
    `actionGroup` and a `sessionId`, else None."""
    if not isinstance(data, Mapping):
        return None
    if (
        isinstance(data.get("agent"), Mapping)
        and isinstance(data.get("actionGroup"), str)
        and "messageVersion" in data
        and "sessionId" in data
    ):
        return BedrockAgentEvent
    return None


# Builders


def _parameter(name: str, value: str | int | float | bool) -> BedrockAgentParameter:
    if isinstance(value, bool):
        return BedrockAgentParameter(name=name, type="boolean", value=str(value).lower())
    if isinstance(value, int):
        return BedrockAgentParameter(name=name, type="integer", value=str(value))
    if isinstance(value, float):
        return BedrockAgentParameter(name=name, type="number", value=str(value))
    return BedrockAgentParameter(name=name, type="string", value=value)


def build_bedrock_agent(
    api_path: str = "/claims",
    http_method: str = "GET",
    parameters: Mapping[str, str | int | float | bool] | None = None,
    *,
    body: Mapping[str, str | int | float | bool] | None = None,
    input_text: str = "What are my open claims?",
    action_group: str = "ClaimManagementActionGroup",
    agent_name: str = "insurance-agent",
    agent_id: str | None = None,
    agent_alias: str = "TSTALIASID",
    agent_version: str = "DRAFT",
    session_id: str | None = None,
    session_attributes: Mapping[str, str] | None = None,
    prompt_session_attributes: Mapping[str, str] | None = None,
    now: float | None = None,
) -> BedrockAgentEvent:
    """An agent's call to the `http_method api_path` operation of an OpenAPI action group.
    `parameters` (path and query parameters) and `body` (a JSON request body's properties) are
    typed from their Python values and sent as text, as the agent sends them. Without
    parameters the event has no `parameters` key; with a body it has at least an empty list.
    The event carries no timestamp: `now` is accepted so every builder takes it.

    ```pycon
    >>> build_bedrock_agent("/claims/{id}", parameters={"id": 7}).parameter_values()
    {'id': '7'}
    ```
    """
    del now
    listed = [_parameter(name, value) for name, value in (parameters or {}).items()]
    request_body: BedrockAgentRequestBody | Unset = UNSET
    if body is not None:
        properties = [_parameter(name, value) for name, value in body.items()]
        request_body = BedrockAgentRequestBody(
            content={"application/json": BedrockAgentMediaType(properties=properties)}
        )
    return BedrockAgentEvent(
        action_group=action_group,
        message_version="1.0",
        session_id=session_id or str(secrets.randbelow(10**14)).zfill(14),
        session_attributes=dict(session_attributes or {}),
        prompt_session_attributes=dict(prompt_session_attributes or {}),
        input_text=input_text,
        agent=BedrockAgent(
            alias=agent_alias,
            name=agent_name,
            version=agent_version,
            id=agent_id or _fake.random_text(10, _AGENT_ID),
        ),
        http_method=http_method,
        api_path=api_path,
        request_body=request_body,
        parameters=listed if parameters is not None or body is not None else UNSET,
    )


_AGENT_ID = string.ascii_uppercase + string.digits  # agent ids: 10 of these, `8ZXY0W8P1H`

FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {"bedrock-agent": (BedrockAgentEvent,)}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"bedrock-agent": build_bedrock_agent}
