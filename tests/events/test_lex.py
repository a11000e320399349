"""Lex V1 code hook events: the builder puts the intent, slots and attributes where Lex does."""

from __future__ import annotations

import msgspec

from faaslib.events.lex import LexIntent, LexSlotDetail, build_lex


def test_a_build_puts_the_intent_slots_and_attributes_where_lex_does() -> None:
    event = build_lex(
        "BookHotel",
        {"Location": "Chicago", "Nights": None},
        invocation_source="DialogCodeHook",
        bot_name="BookTrip",
        user_id="user-1",
        session_attributes={"currency": "USD"},
        request_attributes=None,
    )
    intent = event.current_intent
    assert isinstance(intent, LexIntent)
    assert intent.name == "BookHotel"
    assert intent.slots == {"Location": "Chicago", "Nights": None}
    assert intent.slot_details == {
        "Location": LexSlotDetail(resolutions=[{"value": "Chicago"}], original_value="Chicago"),
        "Nights": LexSlotDetail(resolutions=[], original_value=None),
    }
    assert event.invocation_source == "DialogCodeHook"
    assert event.bot is not msgspec.UNSET
    assert event.bot.name == "BookTrip"
    assert event.user_id == "user-1"
    assert event.session_attributes == {"currency": "USD"}
    assert msgspec.to_builtins(event)["requestAttributes"] is None


def test_a_default_user_id_is_random_per_build() -> None:
    assert build_lex().user_id != build_lex().user_id
