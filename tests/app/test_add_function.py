"""`app.add_function`: functions defined by code, as Lambda takes them (a folder and a Handler)."""

from __future__ import annotations

import os
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from faaslib import App, ConfigurationError

pytestmark = pytest.mark.anyio


def write(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return folder


@pytest.fixture(autouse=True)
def forget_imported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Each test's code folders are new; the modules imported from them go when the test ends.
    Only those: a library first imported during the test (coredis, by an app on Redis) stays,
    or objects made with it would meet a second copy of its classes later."""
    monkeypatch.setattr(sys, "path", list(sys.path))
    before = set(sys.modules)
    yield
    folder = tmp_path.resolve()
    for name in set(sys.modules) - before:
        location = getattr(sys.modules[name], "__file__", None)
        if location is None or Path(location).resolve().is_relative_to(folder):
            del sys.modules[name]


async def test_handler_is_imported_from_the_code_folder_at_the_first_cold_start(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "app.py": """
                import os
                from helpers import double
                TABLE = os.environ["TABLE"]  # read at import, as Lambda code does
                IMPORTS = [1]

                def lambda_handler(event, context):
                    return {"table": TABLE, "value": double(event["n"]), "imports": len(IMPORTS)}
            """,
            "helpers.py": "def double(n):\n    return 2 * n\n",
        },
    )
    app = App()
    app.add_function(
        "orders",
        handler="app.lambda_handler",
        code=tmp_path,
        runtime="python3.12",
        environment={"TABLE": "orders-table"},
    )
    assert "app" not in sys.modules or "orders" not in str(sys.modules["app"])  # not yet
    assert app.function_handler("orders") == "app.lambda_handler"
    assert app.function_configuration("orders").runtime == "python3.12"
    async with app:
        first = await app.invoke("orders", {"n": 21})
        second = await app.invoke("orders", {"n": 1})
    assert first.payload == {"table": "orders-table", "value": 42, "imports": 1}
    assert first.init_duration_ms is not None  # the import is the init phase
    assert second.payload == {"table": "orders-table", "value": 2, "imports": 1}
    assert second.init_duration_ms is None


async def test_two_folders_with_the_same_module_names_each_run_their_own_code(
    tmp_path: Path,
) -> None:
    for project in ("one", "two"):
        write(
            tmp_path / project,
            {
                "app.py": "from utils import NAME\n\ndef handler(event, context):\n"
                "    return NAME\n",
                "utils.py": f"NAME = {project!r}\n",
            },
        )
    app = App()
    app.add_function("one", handler="app.handler", code=tmp_path / "one")
    app.add_function("two", handler="app.handler", code=tmp_path / "two")
    async with app:
        assert await app.call("one", {}) == "one"
        assert await app.call("two", {}) == "two"
        assert await app.call("one", {}) == "one"


async def test_functions_may_set_the_same_variable_to_different_values(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "env.py": "import os\n\ndef handler(event, context):\n"
            "    return os.environ['TABLE'], os.getenv('SHARED')\n"
        },
    )
    app = App()
    app.add_function(
        "a", handler="env.handler", code=tmp_path, environment={"TABLE": "a-table", "SHARED": "yes"}
    )
    app.add_function(
        "b", handler="env.handler", code=tmp_path, environment={"TABLE": "b-table", "SHARED": "yes"}
    )
    before = os.environ.get("TABLE")
    async with app:
        assert await app.call("a", {}) == ["a-table", "yes"]
        assert await app.call("b", {}) == ["b-table", "yes"]
        # Outside invocations the process sees only what every function agrees on.
        assert os.environ.get("SHARED") == "yes"
        assert os.environ.get("TABLE") == before
    assert os.environ.get("SHARED") is None


@pytest.mark.parametrize(
    ("files", "handler", "error_type", "message"),
    [
        (
            {"app.py": "import not_installed_anywhere\n"},
            "app.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'app': No module named 'not_installed_anywhere'",
        ),
        (
            {"app.py": "def handler(event, context)\n"},
            "app.handler",
            "Runtime.UserCodeSyntaxError",
            "Syntax error in module 'app'",
        ),
        (
            {"app.py": "x = 1\n"},
            "app.handler",
            "Runtime.HandlerNotFound",
            "Handler 'handler' missing on module 'app'",
        ),
        (
            {"app.py": "import os\nos.environ['MISSING_FOR_SURE']\n"},
            "app.handler",
            "KeyError",
            "'MISSING_FOR_SURE'",
        ),
        (
            {},
            "missing.handler",
            "Runtime.ImportModuleError",
            "Unable to import module 'missing': No module named 'missing'",
        ),
    ],
)
async def test_init_failures_are_the_runtimes_errors_at_invoke_time(
    tmp_path: Path, files: dict[str, str], handler: str, error_type: str, message: str
) -> None:
    write(tmp_path, files)
    app = App()
    app.add_function("broken", handler=handler, code=tmp_path)  # created: Lambda imports later
    async with app:
        result = await app.invoke("broken", {})
    assert result.function_error == "Unhandled"
    assert result.payload["errorType"] == error_type
    assert message in result.payload["errorMessage"]


async def test_layers_python_folder_is_on_the_import_path(tmp_path: Path) -> None:
    write(tmp_path / "layer" / "python", {"shared_lib.py": "VALUE = 'from the layer'\n"})
    write(
        tmp_path / "src",
        {
            "app.py": "from shared_lib import VALUE\n\n"
            "def handler(event, context):\n    return VALUE\n"
        },
    )
    app = App()
    app.add_function("f", handler="app.handler", code=tmp_path / "src", layers=[tmp_path / "layer"])
    async with app:
        assert await app.call("f", {}) == "from the layer"


async def test_code_and_layers_may_be_zips_as_lambda_takes_them(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "function.zip", "w") as archive:
        archive.writestr(
            "app.py", "from lib import NAME\n\ndef handler(event, context):\n    return NAME\n"
        )
    with zipfile.ZipFile(tmp_path / "layer.zip", "w") as archive:
        archive.writestr("python/lib.py", "NAME = 'zipped layer'\n")
    app = App()
    app.add_function(
        "f", handler="app.handler", code=tmp_path / "function.zip", layers=[tmp_path / "layer.zip"]
    )
    async with app:
        assert await app.call("f", {}) == "zipped layer"


async def test_package_handler_with_slashes_as_lambda_accepts(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/mod.py": "async def handler(event, context):\n    return event['n'] + 1\n",
        },
    )
    app = App()
    app.add_function("f", handler="pkg/mod.handler", code=tmp_path)
    async with app:
        assert await app.call("f", {"n": 1}) == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"handler": "nodot", "code": "."}, "must name a module and its function"),
        ({"handler": "app.h", "code": "/no/such/folder"}, "code: /no/such/folder does not exist"),
        ({"handler": "app.h", "code": ".", "runtime": "cobol1"}, "runtime"),
        (
            {"handler": "app.h", "code": ".", "runtime": "nodejs20.x", "isolation": "in-process"},
            "cannot run in-process",
        ),
        (
            {"handler": "app.h", "code": ".", "layers": ["/no/layer"]},
            r"layers\[0\]: /no/layer does",
        ),
        ({"handler": "app.h", "code": ".", "memory": 64}, "memory"),
    ],
)
def test_bad_definitions_are_refused_naming_the_field(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        App().add_function("f", **options)  # type: ignore[arg-type]
