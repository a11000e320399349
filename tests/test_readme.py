"""The README's Python examples run as written: its test snippets pass, its example runs."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import anyio
import pytest

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
SNIPPETS = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def namespace_of(snippet: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "readme"}
    exec(compile(snippet, "README.md", "exec"), namespace)
    return namespace


TESTS = [
    (name, function)
    for snippet in SNIPPETS
    if "def test_" in snippet
    for name, function in namespace_of(snippet).items()
    if name.startswith("test_")
]


def test_the_readme_has_handler_tests() -> None:
    assert len(TESTS) >= 2


@pytest.mark.parametrize(("name", "test"), TESTS, ids=[name for name, _ in TESTS])
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_readme_handler_tests_pass(name: str, test: Any, backend: str) -> None:
    if inspect.iscoroutinefunction(test):
        anyio.run(test, backend=backend)
    elif backend == "asyncio":  # a plain pytest test (TestClient): run once, as pytest would
        test()
    else:
        pytest.skip("a plain (synchronous) test has no backend to vary")


def test_the_first_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    snippet = next(s for s in SNIPPETS if "anyio.run(main)" in s)
    namespace_of(snippet)
    printed = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"200 \{'key': 'a.jpg', 'left_ms': (9\d{3}|10000)\} \d+ True", printed[0])
    assert re.fullmatch(r"\{'key': 'b.jpg', 'left_ms': (9\d{3}|10000)\}", printed[1])


# Complete programs: they import what they use. Fragments (a handler shown alone) are not.
PROGRAMS = [snippet for snippet in SNIPPETS if snippet.startswith(("import ", "from "))]


@pytest.mark.parametrize("snippet", PROGRAMS, ids=[f"snippet{i}" for i in range(len(PROGRAMS))])
def test_every_complete_example_runs(snippet: str) -> None:
    namespace_of(snippet)  # its own asserts check what it shows
