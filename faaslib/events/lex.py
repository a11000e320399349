"""Amazon Lex V1: a bot's dialog or fulfillment code hook, and what the hook answers.

Lex calls the function while it elicits an intent's slots (`DialogCodeHook`) and once they are
filled (`FulfillmentCodeHook`), with the intent it recognised, the slot values, and the
session's attributes; the function returns a `LexResponse` naming the dialog's next step.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Literal

from faaslib.events import _fake
from faaslib.events._base import UNSET, AWSEvent, Unset

__all__ = [
    "LexActiveContext",
    "LexActiveContextTimeToLive",
    "LexBot",
    "LexDialogAction",
    "LexEvent",
    "LexGenericAttachment",
    "LexIntent",
    "LexIntentSummary",
    "LexMessage",
    "LexResponse",
    "LexResponseCard",
    "LexResponseCardButton",
    "LexSentimentResponse",
    "LexSlotDetail",
    "build_lex",
    "detect",
]


class LexSlotDetail(AWSEvent, rename="camel"):
    """What the user said for a slot (`original_value`) and the values Lex resolved it to."""

    resolutions: list[dict[str, str]] | Unset = UNSET
    original_value: str | Unset | None = UNSET


class LexIntent(AWSEvent, rename="camel"):
    """An intent Lex recognised, with its slots (unfilled ones are null) and whether the user
    confirmed it (`None`, `Confirmed` or `Denied`)."""

    name: str | Unset | None = UNSET
    nlu_intent_confidence_score: int | float | Unset | None = UNSET
    slots: dict[str, str | None] | Unset | None = UNSET
    slot_details: dict[str, LexSlotDetail | None] | Unset | None = UNSET
    confirmation_status: str | Unset = UNSET


class LexBot(AWSEvent, rename="camel"):
    """The bot that handles the conversation."""

    name: str | Unset = UNSET
    alias: str | Unset = UNSET
    version: str | Unset = UNSET


class LexIntentSummary(AWSEvent, rename="camel"):
    """An earlier intent of the session, as `recentIntentSummaryView` lists them."""

    intent_name: str | Unset | None = UNSET
    checkpoint_label: str | Unset | None = UNSET
    slots: dict[str, str | None] | Unset | None = UNSET
    confirmation_status: str | Unset | None = UNSET
    dialog_action_type: str | Unset | None = UNSET
    fulfillment_state: str | Unset | None = UNSET
    slot_to_elicit: str | Unset | None = UNSET


class LexSentimentResponse(AWSEvent, rename="camel"):
    """The sentiment Amazon Comprehend found in the utterance, when the bot asks for it."""

    sentiment_label: str | Unset = UNSET
    sentiment_score: str | Unset = UNSET


class LexActiveContextTimeToLive(AWSEvent, rename="camel"):
    """How long a context stays active: in seconds and in conversation turns."""

    time_to_live_in_seconds: int | Unset = UNSET
    turns_to_live: int | Unset = UNSET


class LexActiveContext(AWSEvent, rename="camel"):
    """A context set by an earlier intent, with its parameters."""

    name: str | Unset = UNSET
    time_to_live: LexActiveContextTimeToLive | Unset = UNSET
    parameters: dict[str, str] | Unset = UNSET


class LexEvent(AWSEvent, rename="camel"):
    """A Lex V1 code hook invocation: the current intent, the bot, the user's text, and the
    session and request attributes (request attributes are null when the client sent none)."""

    message_version: str | Unset = UNSET
    invocation_source: str | Unset = UNSET
    user_id: str | Unset = UNSET
    input_transcript: str | Unset = UNSET
    session_attributes: dict[str, str] | Unset | None = UNSET
    request_attributes: dict[str, str] | Unset | None = UNSET
    bot: LexBot | Unset = UNSET
    output_dialog_mode: str | Unset = UNSET
    current_intent: LexIntent | Unset = UNSET
    alternative_intents: list[LexIntent] | Unset = UNSET
    recent_intent_summary_view: list[LexIntentSummary] | Unset | None = UNSET
    sentiment_response: LexSentimentResponse | Unset | None = UNSET
    kendra_response: dict[str, Any] | Unset | None = UNSET
    active_contexts: list[LexActiveContext] | Unset | None = UNSET


# Responses: what the code hook returns


class LexMessage(AWSEvent, rename="camel"):
    """What the bot says: "PlainText", "SSML" or "CustomPayload" content."""

    content_type: str | Unset = UNSET
    content: str | Unset = UNSET


class LexResponseCardButton(AWSEvent):
    """A button on a response card: its label and the value sent when it is chosen."""

    text: str | Unset = UNSET
    value: str | Unset = UNSET


class LexGenericAttachment(AWSEvent, rename="camel"):
    """One card of a response card: title, subtitle, image, link and buttons."""

    title: str | Unset = UNSET
    sub_title: str | Unset = UNSET
    image_url: str | Unset = UNSET
    attachment_link_url: str | Unset = UNSET
    buttons: list[LexResponseCardButton] | Unset = UNSET


class LexResponseCard(AWSEvent, rename="camel"):
    """Cards the client shows with the bot's message."""

    version: int | Unset = UNSET
    content_type: str | Unset = UNSET
    generic_attachments: list[LexGenericAttachment] | Unset = UNSET


class LexDialogAction(AWSEvent, rename="camel"):
    """What the bot does next: "ElicitIntent", "ElicitSlot", "ConfirmIntent", "Delegate" or
    "Close", with the slots and message that go with it."""

    type: str | Unset = UNSET
    fulfillment_state: str | Unset = UNSET
    message: LexMessage | Unset = UNSET
    intent_name: str | Unset = UNSET
    slots: dict[str, str | None] | Unset = UNSET
    slot_to_elicit: str | Unset = UNSET
    response_card: LexResponseCard | Unset = UNSET


class LexResponse(AWSEvent, rename="camel"):
    """What an Amazon Lex (V1) code hook returns: session attributes and the next dialog step."""

    session_attributes: dict[str, str] | Unset = UNSET
    dialog_action: LexDialogAction | Unset = UNSET

    @classmethod
    def close(
        cls,
        message: str,
        *,
        fulfillment_state: Literal["Fulfilled", "Failed"] = "Fulfilled",
        session_attributes: Mapping[str, str] | None = None,
    ) -> LexResponse:
        """End the conversation, telling the user `message` in plain text."""
        return cls(
            session_attributes=UNSET if session_attributes is None else dict(session_attributes),
            dialog_action=LexDialogAction(
                type="Close",
                fulfillment_state=fulfillment_state,
                message=LexMessage(content_type="PlainText", content=message),
            ),
        )

    @classmethod
    def delegate(
        cls,
        slots: Mapping[str, str | None],
        *,
        session_attributes: Mapping[str, str] | None = None,
    ) -> LexResponse:
        """Let Lex choose the next step, with the slot values the hook settled on."""
        return cls(
            session_attributes=UNSET if session_attributes is None else dict(session_attributes),
            dialog_action=LexDialogAction(type="Delegate", slots=dict(slots)),
        )


# Detection


def detect(data: Mapping[str, Any]) -> type[AWSEvent] | None:
    """`LexEvent` for an event with a `currentIntent` and a `bot` object and an
    `invocationSource` (Lex V2 sends `sessionState` instead), else None."""
    if not isinstance(data, Mapping):
        return None
    if (
        isinstance(data.get("currentIntent"), Mapping)
        and isinstance(data.get("bot"), Mapping)
        and "invocationSource" in data
    ):
        return LexEvent
    return None


# Builders

_EMPTY: Mapping[str, str] = MappingProxyType({})
# The OrderFlowers blueprint of the Lex documentation: the intent and one filled slot.
_ORDER_FLOWERS_SLOTS: Mapping[str, str | None] = MappingProxyType({"FlowerType": "roses"})


def build_lex(
    intent_name: str = "OrderFlowers",
    slots: Mapping[str, str | None] = _ORDER_FLOWERS_SLOTS,
    *,
    input_transcript: str = "I would like to order roses",
    invocation_source: str = "FulfillmentCodeHook",
    confirmation_status: str = "None",
    bot_name: str = "OrderFlowers",
    bot_alias: str = "$LATEST",
    bot_version: str = "$LATEST",
    user_id: str | None = None,
    output_dialog_mode: str = "Text",
    session_attributes: Mapping[str, str] = _EMPTY,
    request_attributes: Mapping[str, str] | None = _EMPTY,
    now: float | None = None,
) -> LexEvent:
    """A Lex V1 code hook event for `intent_name` with `slots` (None for a slot not yet
    filled); each filled slot's details give the user's words as the resolved value. Pass
    `request_attributes=None` for the null Lex sends when the client sent none. The event
    carries no timestamp: `now` is accepted so every builder takes it.

    ```pycon
    >>> build_lex("BookHotel", {"Nights": "3"}).current_intent.slots
    {'Nights': '3'}
    ```
    """
    del now
    details = {
        name: LexSlotDetail(resolutions=[{"value": value}], original_value=value)
        if value is not None
        else LexSlotDetail(resolutions=[], original_value=None)
        for name, value in slots.items()
    }
    return LexEvent(
        current_intent=LexIntent(
            name=intent_name,
            slots=dict(slots),
            slot_details=dict(details),
            confirmation_status=confirmation_status,
        ),
        bot=LexBot(name=bot_name, alias=bot_alias, version=bot_version),
        user_id=user_id or _fake.random_text(32, _USER_ID),
        input_transcript=input_transcript,
        invocation_source=invocation_source,
        output_dialog_mode=output_dialog_mode,
        message_version="1.0",
        session_attributes=dict(session_attributes),
        request_attributes=dict(request_attributes) if request_attributes is not None else None,
    )


_USER_ID = string.ascii_lowercase + string.digits  # as the Lex console names its test user

FAMILIES: dict[str, tuple[type[AWSEvent], ...]] = {"lex": (LexEvent,)}
BUILDERS: dict[str, Callable[..., AWSEvent]] = {"lex": build_lex}
