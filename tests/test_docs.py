"""The documentation as the suite keeps it honest: every Python example in the README and the
docs site runs as written (its own asserts check what it shows; its handler tests pass on
asyncio and trio), every `faaslib` command line shown is one the CLI accepts, the site builds
with `mkdocs build --strict` (a broken link fails), and every public name is in the API
reference with its docstring."""

from __future__ import annotations

import importlib
import inspect
import os
import re
import shlex
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import anyio
import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", flags=re.DOTALL | re.MULTILINE)
# A fragment (a handler shown alone) runs after this: the app it decorates.
FRAGMENT_PRELUDE = "from faaslib import App\napp = App()\n"
# The public packages, each with an API reference page.
PUBLIC = [
    "faaslib",
    "faaslib.events",
    "faaslib.sources",
    "faaslib.http",
    "faaslib.billing",
    "faaslib.testing",
    "faaslib.patterns",
    "faaslib.schedule",
    "faaslib.payloads",
    "faaslib.aws",
    "faaslib.templates",
    "faaslib.stores",
    "faaslib.tuning",
    "faaslib.charts",
    "faaslib.durable",
    "faaslib.console",
]


def blocks(language: str) -> list[tuple[str, str]]:
    """(where, code) of every block in `language`, where is `page:line`."""
    found = []
    for page in PAGES:
        text = page.read_text()
        for match in BLOCK.finditer(text):
            if match.group(1) == language:
                line = text.count("\n", 0, match.start()) + 1
                found.append((f"{page.relative_to(ROOT)}:{line}", match.group(2)))
    return found


PYTHON = blocks("python")


def run_example(where: str, code: str) -> dict[str, Any]:
    is_program = code.startswith(("import ", "from "))
    source = code if is_program else FRAGMENT_PRELUDE + code
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(source, where, "exec"), namespace)
    return namespace


def test_the_docs_have_examples_on_every_guide() -> None:
    pages_with_examples = {where.split(":")[0] for where, _ in PYTHON}
    assert len(PYTHON) >= 14
    assert "README.md" in pages_with_examples
    assert "docs/getting-started.md" in pages_with_examples


@pytest.mark.parametrize(("where", "code"), PYTHON, ids=[where for where, _ in PYTHON])
def test_every_python_example_runs(
    where: str, code: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    if "aws_durable_execution_sdk_python" in code:  # AWS's SDK needs Python 3.11+
        pytest.importorskip("aws_durable_execution_sdk_python", reason="needs Python 3.11+")
    if "REDIS_URL" in code:  # the suite's Redis server, with a prefix of the example's own
        url = request.getfixturevalue("redis_url")
        monkeypatch.setenv("REDIS_URL", f"{url}?prefix=docs{uuid.uuid4().hex[:8]}")
    run_example(where, code)  # its own asserts check what it shows


HANDLER_TESTS = [
    (f"{where}::{name}", function)
    for where, code in PYTHON
    if "def test_" in code
    for name, function in run_example(where, code).items()
    if name.startswith("test_")
]


def test_the_docs_show_handler_tests() -> None:
    assert len(HANDLER_TESTS) >= 2


@pytest.mark.parametrize(("name", "test"), HANDLER_TESTS, ids=[n for n, _ in HANDLER_TESTS])
@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_handler_tests_shown_in_the_docs_pass(name: str, test: Any, backend: str) -> None:
    if inspect.iscoroutinefunction(test):
        anyio.run(test, backend=backend)
    elif backend == "asyncio":  # a plain pytest test (TestClient): run once, as pytest would
        test()
    else:
        pytest.skip("a plain (synchronous) test has no backend to vary")


def test_the_readme_tour_prints_what_it_says(capsys: pytest.CaptureFixture[str]) -> None:
    where, code = next((w, c) for w, c in PYTHON if w.startswith("README") and "run(main)" in c)
    run_example(where, code)
    printed = capsys.readouterr().out.splitlines()
    assert re.fullmatch(r"200 \{'key': 'a.jpg', 'left_ms': (9\d{3}|10000)\} \d+ True", printed[0])
    assert re.fullmatch(r"\{'key': 'b.jpg', 'left_ms': (9\d{3}|10000)\}", printed[1])


COMMAND_LINES = [
    (where, command.strip())
    for where, code in blocks("bash")
    for line in code.splitlines()
    for command in line.split("#")[0].split("|")
    if command.strip().startswith("faaslib ")
]


@pytest.mark.parametrize(("where", "line"), COMMAND_LINES, ids=[w for w, _ in COMMAND_LINES])
def test_every_command_line_shown_is_one_the_cli_accepts(where: str, line: str) -> None:
    from faaslib.cli import build_parser

    arguments = build_parser().parse_args(shlex.split(line)[1:])
    assert callable(arguments.run), where


def test_the_install_commands_shown_name_extras_that_exist() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    shown = {
        extra
        for _, code in blocks("bash")
        for extra in re.findall(r"pip install -e '\.\[(\w+)\]'", code)
    }
    assert {"test", "docs"} <= shown
    for extra in shown:
        assert re.search(rf"^{extra} = \[", pyproject, flags=re.MULTILINE), extra


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs", reason="the docs extra builds the site: pip install -e '.[docs]'")
    out = tmp_path_factory.mktemp("site")
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert build.returncode == 0, build.stderr[-3000:]
    return out


def test_the_site_builds_strictly(site: Path) -> None:
    assert (site / "index.html").exists()
    assert (site / "getting-started" / "index.html").exists()


@pytest.mark.parametrize("package", PUBLIC)
def test_every_public_name_is_in_the_api_reference_with_its_docstring(
    site: Path, package: str
) -> None:
    griffe = pytest.importorskip("griffe")
    module = importlib.import_module(package)
    page = "faaslib" if package == "faaslib" else package.removeprefix("faaslib.")
    html = (site / "reference" / page / "index.html").read_text()
    anchors = set(re.findall(r'id="([\w.]+)"', html))
    loaded = griffe.load(package, search_paths=[str(ROOT)], resolve_aliases=True)
    missing, undocumented = [], []
    for name in module.__all__:
        if f"{package}.{name}" not in anchors:
            missing.append(name)
        member = loaded[name]
        docstring = member.docstring.value.strip() if member.docstring else ""
        if not docstring:
            undocumented.append(name)
    assert missing == [], f"{package}: not in the API reference"
    assert undocumented == [], f"{package}: no docstring"
