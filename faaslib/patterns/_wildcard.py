"""EventBridge's `wildcard` operator: reading one, matching it in time linear in the value, and
refusing a field whose wildcards EventBridge would call too complex.

A wildcard is matched without regular expressions. Split on its unescaped `*`, it is a list of
literal segments: the value must start with the first, end with the last and hold the middle
ones in order, each found left to right with `str.find`. Taking the leftmost place of each middle
segment never loses a match, so there is no backtracking: a match costs O(value x pattern) at
worst, where a backtracking regular expression for `*a*a*a*a*a*a*b` costs O(value ** 6).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from faaslib.patterns._syntax import Context

__all__ = [
    "MAX_WILDCARD_COMPLEXITY",
    "Wildcard",
    "check_complexity",
    "parse_wildcard",
    "wildcard_test",
]

Wildcard = tuple[str, ...]  # literal segments; one segment means no `*` at all
StringTest = Callable[[str], bool]

# EventBridge refuses a rule whose wildcards are too complex, with "Rule is too complex - try
# using fewer wildcard characters or fewer repeating character sequences after a wildcard
# character" (eb-create-pattern-operators.html#eb-filtering-wildcard-matching-complexity: "If a
# rule is too complex, EventBridge returns an InvalidEventPatternException when attempting to
# create the rule"). Its engine, aws/event-ruler, measures complexity with
# MachineComplexityEvaluator: the most places in the field's wildcard patterns that one value
# can be at once, read character by character. AWS publishes no threshold; faaslib refuses
# above 10, which passes everyday patterns (`*/logs/*/error*.txt`, a few `arn:...:*` values)
# and refuses the shapes the message names, such as `*a*a*a*a*a*a*b`.
MAX_WILDCARD_COMPLEXITY = 10
# The evaluation explores sets of places; beyond this many, the field is refused as too complex
# rather than evaluated further, which keeps compiling a hostile pattern cheap.
_MAX_EXPLORED = 2_000


def parse_wildcard(context: Context, path: str, text: str) -> Wildcard:
    """The literal segments of an EventBridge wildcard: `*` is any run of characters, `\\*` a
    literal asterisk, `\\\\` a literal backslash; any other escape and `**` are refused, as
    eb-create-pattern-operators.html (wildcard matching) documents."""
    segments: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "*":
            if text.startswith("*", index + 1):
                context.fail(
                    path,
                    f"wildcard {_quote(text)} has consecutive wildcard characters at position"
                    f" {index}; EventBridge allows one '*' at a time",
                )
            segments.append("".join(current))
            current = []
        elif char == "\\":
            escaped = text[index + 1 : index + 2]
            if escaped not in ("*", "\\"):
                context.fail(
                    path,
                    f"wildcard {_quote(text)} has an invalid escape at position {index}: a"
                    " backslash may only escape '*' or a backslash",
                )
            current.append(escaped)
            index += 1
        else:
            current.append(char)
        index += 1
    segments.append("".join(current))
    return tuple(segments)


def wildcard_test(wildcards: Sequence[Wildcard]) -> StringTest:
    """One test of a value against any of `wildcards`, each matched by segments."""
    exact = frozenset(segments[0] for segments in wildcards if len(segments) == 1)
    starred = tuple(segments for segments in wildcards if len(segments) > 1)
    if not starred:
        return exact.__contains__
    if len(starred) == 1 and not exact:
        return _segments_test(starred[0])
    tests = tuple(_segments_test(segments) for segments in starred)

    def test(value: str) -> bool:
        return value in exact or any(test(value) for test in tests)

    return test


def _segments_test(segments: Wildcard) -> StringTest:
    first, *middles, last = segments
    shortest = sum(map(len, segments))
    if not middles:  # `prefix*suffix`, the everyday shape: two comparisons

        def affixes(value: str) -> bool:
            return len(value) >= shortest and value.startswith(first) and value.endswith(last)

        return affixes

    def test(value: str) -> bool:
        if len(value) < shortest or not value.startswith(first) or not value.endswith(last):
            return False
        position, end = len(first), len(value) - len(last)
        for middle in middles:
            found = value.find(middle, position, end)
            if found < 0:
                return False
            position = found + len(middle)
        return True

    return test


def check_complexity(context: Context, path: str, wildcards: Iterable[Wildcard]) -> None:
    """Refuse a field whose wildcards one value could be inside too many places of at once."""
    patterns = [segments for segments in wildcards if len(segments) > 1]
    if not patterns:
        return
    complexity = _complexity(patterns)
    if complexity > MAX_WILDCARD_COMPLEXITY:
        shown = ", ".join(_quote(_spell(segments)) for segments in patterns[:3])
        more = f" and {len(patterns) - 3} more" if len(patterns) > 3 else ""
        context.fail(
            path,
            "Rule is too complex - try using fewer wildcard characters or fewer repeating"
            f" character sequences after a wildcard character: wildcards {shown}{more} reach a"
            f" complexity of at least {complexity}, over the limit of {MAX_WILDCARD_COMPLEXITY}",
        )


# One place in one pattern: (pattern number, position in its tokens). A token is a character,
# or None for `*`, which may stay put on any character.
_Place = tuple[int, int]


def _complexity(patterns: list[Wildcard]) -> int:
    """The most places a value can be at once in `patterns`, as event-ruler's evaluator counts.

    The walk runs over sets of places, one step per character; characters that no place in the
    set expects all lead to the same next set, so each step tries those expected, plus one
    stand-in for every other character. It stops once the limit is passed.
    """
    programs = [_tokens(segments) for segments in patterns]
    start = _closure(programs, {(number, 0) for number in range(len(programs))})
    worst = 0
    seen = {start}
    pending = [start]
    while pending:
        places = pending.pop()
        expected = {
            programs[number][position]
            for number, position in places
            if position < len(programs[number])
        }
        expected.discard(None)
        for char in (*expected, None):
            step = _step(programs, places, char)
            if not step:
                continue
            worst = max(worst, _weight(programs, step))
            if worst > MAX_WILDCARD_COMPLEXITY:
                return worst
            if step not in seen:
                if len(seen) >= _MAX_EXPLORED:
                    return MAX_WILDCARD_COMPLEXITY + 1
                seen.add(step)
                pending.append(step)
    return worst


def _weight(programs: list[tuple[str | None, ...]], places: frozenset[_Place]) -> int:
    """How many of event-ruler's states `places` stand for: a `*` and what follows it are one
    state there (a loop on any character), so the place before a `*` is not counted again."""
    return sum(
        1
        for number, position in places
        if position == len(programs[number]) or programs[number][position] is not None
    )


def _tokens(segments: Wildcard) -> tuple[str | None, ...]:
    tokens: list[str | None] = list(segments[0])
    for segment in segments[1:]:
        tokens.append(None)
        tokens.extend(segment)
    return tuple(tokens)


def _closure(programs: list[tuple[str | None, ...]], places: set[_Place]) -> frozenset[_Place]:
    """`places` and every place after a `*` that may match nothing."""
    found = set(places)
    pending = list(places)
    while pending:
        number, position = pending.pop()
        program = programs[number]
        if position < len(program) and program[position] is None:
            after = (number, position + 1)
            if after not in found:
                found.add(after)
                pending.append(after)
    return frozenset(found)


def _step(
    programs: list[tuple[str | None, ...]], places: frozenset[_Place], char: str | None
) -> frozenset[_Place]:
    """Where each place goes on `char` (None: a character no place expects)."""
    following: set[_Place] = set()
    for number, position in places:
        program = programs[number]
        if position == len(program):
            continue  # the end of a pattern: any further character leaves it
        token = program[position]
        if token is None:
            following.add((number, position))
        elif token == char:
            following.add((number, position + 1))
    return _closure(programs, following)


def _spell(segments: Wildcard) -> str:
    return "*".join(segment.replace("\\", "\\\\").replace("*", "\\*") for segment in segments)


def _quote(text: str) -> str:
    shown = repr(text)
    return shown if len(shown) <= 60 else shown[:57] + "..."
