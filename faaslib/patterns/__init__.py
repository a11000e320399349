"""EventBridge event patterns: compile a pattern once, then match decoded events against it fast.

The language is EventBridge's, as documented in
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns.html,
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html and
https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-arrays.html:

- a field's value is a list of alternatives: strings, numbers, true, false, null, `""`, and
  operator objects (`prefix`, `suffix`, `equals-ignore-case`, `wildcard`, `anything-but`,
  `numeric`, `exists`, `cidr`); the fields of an object must all match, `$or` needs one branch;
- an array in the event matches if any element does, and an object pattern meeting an array of
  objects needs one element to match it whole;
- `exists` looks at leaves only: an object or an empty array in the event counts as absent.

A pattern EventBridge would refuse raises `InvalidPattern` at compile time, naming where and
why. Where faaslib differs from EventBridge, on purpose:

- numbers compare exactly, as Python compares them (EventBridge keeps six decimal places);
- a field matched twice under the same `$or` branches is refused (EventBridge keeps the last);
- a dot in a key is just a character (EventBridge's engine also reads `"a.b"` as `a` then `b`);
- patterns nest at most 100 objects deep (EventBridge documents no limit);
- a field's wildcards are "too complex" above 10 by event-ruler's measure (EventBridge refuses
  such rules but publishes no threshold; see `faaslib.patterns._wildcard`).

Every string operator matches in time linear in the value (wildcards by their literal segments,
never a backtracking regular expression), so no event can stall the matcher.

```pycon
>>> pattern = compile_pattern({"source": ["aws.ec2"], "detail": {"state": [{"prefix": "run"}]}})
>>> pattern.matches({"source": "aws.ec2", "detail": {"state": "running"}})
True
```
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from faaslib.patterns._leaf import Matcher
from faaslib.patterns._syntax import EVENTBRIDGE, Context, InvalidPattern, decode
from faaslib.patterns._tree import compile_root

__all__ = [
    "MAX_PATTERN_LENGTH",
    "MAX_RAISED_PATTERN_LENGTH",
    "InvalidPattern",
    "Pattern",
    "compile_pattern",
    "matches",
]

# EventBridge's quota on an event pattern's size, in characters; a quota increase raises it to
# at most 4,096 (eb-quota.html, and PutRule's EventPattern length constraint).
MAX_PATTERN_LENGTH = 2048
"""The longest event pattern EventBridge takes, in characters (its default quota)."""
MAX_RAISED_PATTERN_LENGTH = 4096
"""The longest pattern a raised quota allows."""


class Pattern:
    """A compiled event pattern; `compile_pattern` makes one.

    Matching walks only the fields the pattern names, with every operator already turned into
    a set lookup, a tuple of prefixes or a compiled expression, so one pattern serves any
    number of events without reading the pattern again.
    """

    __slots__ = ("_match", "owner", "source", "text")

    def __init__(self, source: dict[str, Any], text: str, owner: str, match: Matcher) -> None:
        self.source = source  # the pattern as given, decoded
        self.text = text  # its JSON text, as given or as encoded
        self.owner = owner
        self._match = match

    def matches(self, event: Any) -> bool:
        """Whether the event (decoded JSON, normally a dict) matches the pattern."""
        return self._match(event)

    def __repr__(self) -> str:
        text = self.text if len(self.text) <= 60 else self.text[:57] + "..."
        return f"<Pattern {self.owner}: {text}>"


def compile_pattern(
    pattern: Mapping[str, Any] | str,
    *,
    owner: str = "pattern",
    max_length: int = MAX_PATTERN_LENGTH,
) -> Pattern:
    """Validate an event pattern as EventBridge does and compile it for matching.

    `pattern` is the decoded pattern or its JSON text; `owner` names it in error messages
    (`"rule 'orders'"`); `max_length` is the size quota in characters, 2,048 unless the account
    raised it (at most 4,096).

    ```pycon
    >>> compile_pattern('{"detail": {"price": [{"numeric": [">", 0, "<=", 100]}]}}')
    <Pattern pattern: {"detail": {"price": [{"numeric": [">", 0, "<=", 100]}]}}>
    ```
    """
    context = Context(owner, EVENTBRIDGE)
    if not 0 < max_length <= MAX_RAISED_PATTERN_LENGTH:
        raise ValueError(
            f"{owner}: max_length={max_length} is outside EventBridge's pattern size quota of"
            f" 1 to {MAX_RAISED_PATTERN_LENGTH:,} characters"
        )
    source, text = decode(context, pattern)
    if len(text) > max_length:
        context.fail(
            None,
            f"is {len(text):,} characters, over EventBridge's event pattern limit of"
            f" {max_length:,}",
        )
    return Pattern(source, text, owner, compile_root(context, source))


@functools.lru_cache(maxsize=256)
def _compile_text(text: str) -> Pattern:
    return compile_pattern(text)


def matches(pattern: Pattern | Mapping[str, Any] | str, event: Any) -> bool:
    """Whether `event` matches `pattern`: a one-off check, like EventBridge's TestEventPattern.

    A pattern given as text is compiled once and remembered; to match many events against a
    mapping, compile it with `compile_pattern` and keep the `Pattern`.
    """
    if isinstance(pattern, Pattern):
        return pattern.matches(event)
    if isinstance(pattern, str):
        return _compile_text(pattern).matches(event)
    return compile_pattern(pattern).matches(event)
