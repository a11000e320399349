"""Each runtime family started as `launch_for` says, with AWS's real clients behind a Runtime API:
awslambdaric for Python, aws-lambda-ric for Node.js, AWS's tutorial bootstrap for provided."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from faaslib import App
from faaslib.errors import ConfigurationError
from faaslib.runtime_api.runtimes import (
    NODE_RIC_VERSION,
    SUPPORTED_RUNTIMES,
    launch_for,
    node_ric_folder,
)
from tests.process.runtimes.launched import Launched
from tests.runtime_api import RuntimeAPI

FIXTURES = Path(__file__).parent / "runtimes"
OWN_PYTHON = f"python{sys.version_info.major}.{sys.version_info.minor}"

pytest.importorskip("awslambdaric", reason="awslambdaric (AWS's Python runtime client) runs these")


def needs_node() -> None:
    """Skip, with what to install, where Node.js or its runtime client is absent (CI has both:
    .ci/run installs the client)."""
    if shutil.which("node") is None:
        pytest.skip("node is not on PATH: install Node.js to run the nodejs* runtimes")
    if not (node_ric_folder() / "aws-lambda-ric" / "rapid-client.node").is_file():
        pytest.skip(
            f"aws-lambda-ric (with its native part) is not in {node_ric_folder()}: npm install "
            f"--prefix {node_ric_folder().parent} aws-lambda-ric@{NODE_RIC_VERSION}"
        )


@pytest.fixture
def api() -> Iterator[RuntimeAPI]:
    with RuntimeAPI("shop-fn") as api:
        yield api


def write(folder: Path, name: str, text: str, mode: int = 0o644) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return path


def executable(folder: Path, name: str, script: str) -> Path:
    return write(folder, name, "#!/bin/sh\n" + script, 0o755)


# -- python --------------------------------------------------------------------------------


PYTHON_HANDLER = """
import os, sys
def handler(event, context):
    return {"echo": event, "python": "%d.%d" % sys.version_info[:2],
            "env": os.environ["AWS_EXECUTION_ENV"], "function": context.function_name}
"""


def test_python_runs_on_its_own_version_under_awslambdaric(api: RuntimeAPI, tmp_path: Path) -> None:
    write(tmp_path, "pkg/sub/app.py", PYTHON_HANDLER)
    launch = launch_for("shop-fn", OWN_PYTHON, "pkg/sub/app.handler", tmp_path)
    assert launch.warning is None
    assert launch.argv[1:] == ["-m", "awslambdaric", "pkg/sub/app.handler"]
    assert launch.interpreter.startswith(f"{OWN_PYTHON} (")
    assert launch.environment["PYTHONPATH"].split(os.pathsep)[0] == str(tmp_path)
    assert launch.environment["PATH"].split(os.pathsep) == [
        str(Path(launch.argv[0]).parent),  # Lambda's /var/lang/bin
        "/usr/local/bin",
        "/usr/bin",
        "/bin",
    ]
    with Launched(api, launch, "pkg/sub/app.handler") as instance:
        answer = instance.invoke(b'{"n": 1}')
    assert answer.outcome == "response", answer
    assert json.loads(answer.body) == {
        "echo": {"n": 1},
        "python": OWN_PYTHON.removeprefix("python"),
        "env": f"AWS_Lambda_{OWN_PYTHON}",
        "function": "shop-fn",
    }


def test_python_from_path_is_chosen_when_it_has_awslambdaric(
    api: RuntimeAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    (bin_folder / OWN_PYTHON).symlink_to(sys.executable)
    monkeypatch.setenv("PATH", f"{bin_folder}{os.pathsep}{os.environ['PATH']}")
    write(tmp_path, "code/app.py", PYTHON_HANDLER)
    launch = launch_for("shop-fn", OWN_PYTHON, "app.handler", tmp_path / "code")
    assert launch.argv[0] == str(bin_folder / OWN_PYTHON)
    assert launch.warning is None
    with Launched(api, launch, "app.handler") as instance:
        assert instance.invoke(b"{}").outcome == "response"


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        (None, "python3.13 is not on PATH"),
        ("exit 1\n", "does not start"),
        (f'exec "{sys.executable}" "$@"\n', f"is {OWN_PYTHON}"),
    ],
    ids=["absent", "broken", "another-version"],
)
def test_a_python_version_not_on_the_machine_runs_on_faaslibs_with_a_warning(
    script: str | None, reason: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if OWN_PYTHON == "python3.13":
        pytest.skip("the tests ask for python3.13 as the version faaslib does not run on")
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    if script is not None:
        executable(bin_folder, "python3.13", script)
    monkeypatch.setenv("PATH", f"{bin_folder}{os.pathsep}/usr/bin{os.pathsep}/bin")
    launch = launch_for("shop-fn", "python3.13", "app.handler", tmp_path)
    assert launch.argv[0] == sys.executable
    assert launch.warning is not None
    assert launch.warning.startswith(
        f"function 'shop-fn': runtime 'python3.13' runs on {OWN_PYTHON} ({sys.executable}): "
    )
    assert reason in launch.warning
    assert launch.environment["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.13"


def test_a_python_runtime_without_awslambdaric_anywhere_names_the_install(tmp_path: Path) -> None:
    # a real interpreter that cannot import awslambdaric: this one, with the module blocked
    program = (
        "import sys; sys.modules['awslambdaric'] = None\n"
        "from pathlib import Path\n"
        "from faaslib.runtime_api.runtimes import launch_for\n"
        "try:\n"
        f"    launch_for('shop-fn', 'python3.13', 'app.handler', Path({str(tmp_path)!r}))\n"
        "except Exception as error:\n"
        "    print(type(error).__name__, error)\n"
    )
    environment = {**os.environ, "PATH": str(tmp_path)}
    completed = subprocess.run(
        [sys.executable, "-c", program], env=environment, capture_output=True, check=True
    )
    message = completed.stdout.decode()
    assert message.startswith("ConfigurationError function 'shop-fn': runtime 'python3.13' needs")
    assert "python3.13 is not on PATH" in message
    assert "pip install awslambdaric" in message


# -- node ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("folder", "handler", "expected"),
    [
        ("node_esm", "index.handler", None),
        ("node_esm", "index.nested.deeper.handler", "found by its dotted path"),
        ("node_cjs", "index.handler", {"style": "async", "echo": {"key": "a.jpg"}}),
    ],
    ids=["esm", "esm-dotted", "commonjs"],
)
def test_a_nodejs_handler_answers_under_aws_lambda_ric(
    folder: str, handler: str, expected: object, api: RuntimeAPI
) -> None:
    needs_node()
    launch = launch_for("shop-fn", "nodejs20.x", handler, FIXTURES / folder, memory_mb=256)
    assert launch.argv[-1] == handler
    assert "--max-old-space-size=231" in launch.argv  # 256 - 256 // 10, as Lambda's bootstrap
    assert launch.environment["AWS_EXECUTION_ENV"] == "AWS_Lambda_nodejs20.x"
    with Launched(api, launch, handler, memory_mb=256) as instance:
        answer = instance.invoke(b'{"key": "a.jpg"}')
        output = instance.output
    assert answer.outcome == "response", (answer, output)
    body = json.loads(answer.body)
    if expected is None:  # the ESM handler reports its context
        assert body["echo"] == {"key": "a.jpg"}
        assert body["requestId"] == answer.request_id
        assert body["functionName"] == "shop-fn"
        assert body["memory"] == "256"
        assert body["remainingPositive"] is True
        assert body["executionEnv"] == "AWS_Lambda_nodejs20.x"
        assert f'\t{answer.request_id}\tINFO\thandling {{"key":"a.jpg"}}' in output
    else:
        assert body == expected


@pytest.mark.parametrize("runtime", ["nodejs18.x", "nodejs20.x", "nodejs22.x"])
def test_a_callback_handler_answers_on_the_runtimes_that_call_it(
    runtime: str, api: RuntimeAPI
) -> None:
    needs_node()
    launch = launch_for("shop-fn", runtime, "index.callback", FIXTURES / "node_cjs")
    with Launched(api, launch, "index.callback") as instance:
        answer = instance.invoke(b'{"n": 2}')
    assert answer.outcome == "response", (answer, instance.output)
    assert json.loads(answer.body) == {"style": "callback", "echo": {"n": 2}}


def test_a_callback_error_is_posted_in_lambdas_shape(api: RuntimeAPI) -> None:
    needs_node()
    launch = launch_for("shop-fn", "nodejs20.x", "index.callbackError", FIXTURES / "node_cjs")
    with Launched(api, launch, "index.callbackError") as instance:
        answer = instance.invoke(b"{}")
    assert answer.outcome == "error"
    error = json.loads(answer.body)
    assert (error["errorType"], error["errorMessage"]) == ("RangeError", "quantity out of range")
    assert "node_cjs/index.js" in error["trace"][1]


def test_nodejs24_refuses_a_callback_handler_as_lambda_does(api: RuntimeAPI) -> None:
    needs_node()
    launch = launch_for("shop-fn", "nodejs24.x", "index.callback", FIXTURES / "node_cjs")
    with Launched(api, launch, "index.callback") as instance:
        answer = instance.invoke(b"{}")
    assert answer.outcome == "crashed"
    [init_error] = [json.loads(body) for body in api.init_errors]
    assert "removed support for callback-based function handlers" in init_error["errorMessage"]


@pytest.mark.parametrize("runtime", ["nodejs20.x", "nodejs24.x"])
def test_the_function_sees_its_own_handler_and_argv(
    runtime: str, api: RuntimeAPI, tmp_path: Path
) -> None:
    needs_node()
    write(
        tmp_path,
        "app.js",
        "exports.run = async () => [process.env._HANDLER, process.argv.slice(2),\n"
        "  Object.keys(process.env).filter((name) => name.startsWith('FAASLIB'))];\n",
    )
    launch = launch_for("shop-fn", runtime, "app.run", tmp_path)
    with Launched(api, launch, "app.run") as instance:
        answer = instance.invoke(b"{}")
    assert json.loads(answer.body) == ["app.run", ["app.run"], []]


def test_a_nodejs_error_is_posted_in_lambdas_shape(api: RuntimeAPI) -> None:
    needs_node()
    launch = launch_for("shop-fn", "nodejs20.x", "index.fails", FIXTURES / "node_esm")
    with Launched(api, launch, "index.fails") as instance:
        answer = instance.invoke(b'{"key": "a.jpg"}')
    assert answer.outcome == "error"
    error = json.loads(answer.body)
    assert list(error) == ["errorType", "errorMessage", "trace"]
    assert error["errorType"] == "TypeError"
    assert error["errorMessage"] == "no thumbnail for a.jpg"
    assert error["trace"][0] == "TypeError: no thumbnail for a.jpg"
    assert "node_esm/index.mjs" in error["trace"][1]


def init_error_of(runtime: str, handler: str, task_root: Path) -> dict[str, object]:
    """The error a Node.js client posts to /init/error for `handler`, after which it exits."""
    with RuntimeAPI("shop-fn") as api:
        launch = launch_for("shop-fn", runtime, handler, task_root)
        with Launched(api, launch, handler) as instance:
            answer = instance.invoke(b"{}")
        assert answer.outcome == "crashed"
        assert answer.exit_code != 0
        [init_error] = [json.loads(body) for body in api.init_errors]
    return dict(init_error)


@pytest.mark.parametrize(
    ("handler", "error_type"),
    [
        ("index.absent", "Runtime.HandlerNotFound"),
        ("index.notAFunction", "Runtime.HandlerNotFound"),
        ("absent.handler", "Runtime.ImportModuleError"),
        ("broken.handler", "Runtime.UserCodeSyntaxError"),
        ("nodot", "Runtime.MalformedHandlerName"),
        ("throws.handler", "Error"),
    ],
)
def test_faaslibs_loader_fails_as_aws_lambda_ric_itself_fails(
    handler: str, error_type: str, tmp_path: Path
) -> None:
    """nodejs20.x loads the handler through faaslib's loader, nodejs24.x through the client's
    own: the same broken function gets the same init error from both."""
    needs_node()
    write(tmp_path, "index.js", "exports.handler = async () => 1;\nexports.notAFunction = 3;\n")
    write(tmp_path, "broken.js", "exports.handler = async () => {;\n")
    write(tmp_path, "throws.mjs", 'throw new Error("no database");\n')
    through_loader = init_error_of("nodejs20.x", handler, tmp_path)
    through_client = init_error_of("nodejs24.x", handler, tmp_path)
    assert through_loader["errorType"] == through_client["errorType"] == error_type
    assert through_loader["errorMessage"] == through_client["errorMessage"]


def test_a_nodejs_version_other_than_the_runtimes_is_a_warning() -> None:
    needs_node()
    version = subprocess.run(["node", "--version"], capture_output=True, check=True).stdout
    major = int(version.decode().lstrip("v").split(".")[0])
    other = "nodejs22.x" if major != 22 else "nodejs20.x"
    launch = launch_for("shop-fn", other, "index.handler", FIXTURES / "node_esm")
    assert launch.warning == (
        f"function 'shop-fn': runtime {other!r} runs on node {version.decode().strip()} "
        f"({shutil.which('node')})"
    )
    same = launch_for("shop-fn", f"nodejs{major}.x", "index.handler", FIXTURES / "node_esm")
    assert same.warning is None


def test_no_node_on_path_names_what_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigurationError) as raised:
        launch_for("shop-fn", "nodejs20.x", "index.handler", tmp_path)
    assert str(raised.value).startswith(
        "function 'shop-fn': runtime 'nodejs20.x' needs Node.js: install node 20.x"
    )


def test_a_node_client_without_its_native_part_names_the_npm_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    needs_node()
    package = tmp_path / "node_modules" / "aws-lambda-ric"  # as --ignore-scripts leaves it
    package.mkdir(parents=True)
    shutil.copy(node_ric_folder() / "aws-lambda-ric" / "package.json", package)
    shutil.copy(node_ric_folder() / "aws-lambda-ric" / "index.mjs", package)
    monkeypatch.setenv("FAASLIB_NODE_RIC", str(tmp_path / "node_modules"))
    with pytest.raises(ConfigurationError) as raised:
        launch_for("shop-fn", "nodejs20.x", "index.handler", tmp_path)
    message = str(raised.value)
    assert message.startswith(
        "function 'shop-fn': runtime 'nodejs20.x' needs the native part of aws-lambda-ric"
    )
    assert f"npm install --prefix {tmp_path} aws-lambda-ric@{NODE_RIC_VERSION}" in message


def test_no_node_client_names_the_npm_command(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not on PATH: install Node.js to run the nodejs* runtimes")
    monkeypatch.setenv("FAASLIB_NODE_RIC", str(tmp_path / "node_modules"))
    with pytest.raises(ConfigurationError) as raised:
        launch_for("shop-fn", "nodejs20.x", "index.handler", tmp_path)
    assert f"npm install --prefix {tmp_path} aws-lambda-ric@{NODE_RIC_VERSION}" in str(raised.value)


# -- provided ------------------------------------------------------------------------------


def tutorial_function(folder: Path) -> Path:
    """AWS's tutorial function: its bootstrap (executable) and function.sh."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, mode in (("bootstrap", 0o755), ("function.sh", 0o644)):
        shutil.copyfile(FIXTURES / "provided" / name, folder / name)
        (folder / name).chmod(mode)
    return folder


@pytest.mark.parametrize("runtime", ["provided", "provided.al2", "provided.al2023"])
def test_the_custom_runtime_tutorials_bootstrap_handles_events(
    runtime: str, api: RuntimeAPI, tmp_path: Path
) -> None:
    if shutil.which("curl") is None or shutil.which("bash") is None:
        pytest.skip("AWS's tutorial bootstrap needs bash and curl")
    task_root = tutorial_function(tmp_path / "task")
    launch = launch_for("shop-fn", runtime, "function.handler", task_root)
    assert launch.argv == [str(task_root / "bootstrap")]
    assert "AWS_EXECUTION_ENV" not in launch.environment
    with Launched(api, launch, "function.handler") as instance:
        first = instance.invoke(b'{"key1":"value1"}')
        second = instance.invoke(b'{"key2":"value2"}')
        output = instance.output
    assert first.outcome == second.outcome == "response"
    assert first.body == b"""Echoing request: '{"key1":"value1"}'"""
    assert second.body == b"""Echoing request: '{"key2":"value2"}'"""
    assert '{"key1":"value1"}' in output  # the handler's stderr is the invocation's log


def test_a_bootstrap_from_a_layer_serves_a_function_without_one(
    api: RuntimeAPI, tmp_path: Path
) -> None:
    if shutil.which("curl") is None or shutil.which("bash") is None:
        pytest.skip("AWS's tutorial bootstrap needs bash and curl")
    opt = tutorial_function(tmp_path / "opt")
    task_root = tmp_path / "task"
    task_root.mkdir()
    (opt / "function.sh").rename(task_root / "function.sh")
    launch = launch_for("shop-fn", "provided.al2023", "function.handler", task_root, [opt])
    assert launch.argv == [str(opt / "bootstrap")]
    with Launched(api, launch, "function.handler") as instance:
        assert instance.invoke(b"{}").body == b"Echoing request: '{}'"


def test_a_bootstrap_in_the_code_wins_over_a_layers(tmp_path: Path) -> None:
    code = executable(tmp_path / "task", "bootstrap", "exit 0\n").parent
    opt = executable(tmp_path / "opt", "bootstrap", "exit 0\n").parent
    launch = launch_for("shop-fn", "provided.al2023", "x", code, [opt])
    assert launch.argv == [str(code / "bootstrap")]
    # Lambda's PATH, with /opt/bin last; nothing of the host's
    assert launch.environment["PATH"].split(os.pathsep) == [
        "/usr/local/bin",
        "/usr/bin",
        "/bin",
        str(opt / "bin"),
    ]


@pytest.mark.parametrize(
    ("mode", "problem"), [(None, "there is none in"), (0o644, "is not executable")]
)
def test_a_provided_function_needs_an_executable_bootstrap(
    mode: int | None, problem: str, tmp_path: Path
) -> None:
    if mode is not None:
        write(tmp_path, "bootstrap", "#!/bin/sh\n", mode)
    with pytest.raises(ConfigurationError) as raised:
        launch_for("shop-fn", "provided.al2023", "function.handler", tmp_path)
    message = str(raised.value)
    assert message.startswith(
        "function 'shop-fn': runtime 'provided.al2023' needs an executable file named bootstrap"
    )
    assert problem in message


# -- what cannot run -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("runtime", "says"),
    [
        ("java21", "needs AWS's Java runtime interface client and a JVM"),
        ("java8.al2", "needs AWS's Java runtime interface client and a JVM"),
        ("dotnet8", "needs AWS's .NET runtime interface client"),
        ("ruby3.3", "needs AWS's Ruby runtime interface client (the aws_lambda_ric gem)"),
        (
            "go1.x",
            "'go1.x' is retired by Lambda; build the Go binary as an executable named bootstrap",
        ),
        ("python2.7", "'python2.7' is not a Lambda runtime faaslib runs"),
        ("nodejs16.x", "'nodejs16.x' is not a Lambda runtime faaslib runs"),
        ("Python3.12", "'Python3.12' is not a Lambda runtime faaslib runs"),
    ],
)
def test_a_runtime_faaslib_cannot_start_is_a_configuration_error(
    runtime: str, says: str, tmp_path: Path
) -> None:
    assert runtime not in SUPPORTED_RUNTIMES
    with pytest.raises(ConfigurationError) as raised:
        launch_for("shop-fn", runtime, "app.handler", tmp_path)
    assert str(raised.value).startswith("function 'shop-fn': ")
    assert says in str(raised.value)
    assert "provided.al2023" in str(raised.value)


@pytest.mark.parametrize("handler", ["", "app handler", "a" * 129])
def test_a_handler_lambda_would_refuse_is_a_configuration_error(
    handler: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError, match=r"^function 'shop-fn': handler=.* is not a valid"):
        launch_for("shop-fn", OWN_PYTHON, handler, tmp_path)


def test_a_missing_code_folder_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"^function 'shop-fn': code folder .* does not"):
        launch_for("shop-fn", OWN_PYTHON, "app.handler", tmp_path / "absent")


def test_every_supported_runtime_launches_with_its_execution_env(tmp_path: Path) -> None:
    executable(tmp_path, "bootstrap", "exit 0\n")
    for runtime in sorted(SUPPORTED_RUNTIMES):
        if runtime.startswith("nodejs"):
            needs_node()
        launch = launch_for("shop-fn", runtime, "app.handler", tmp_path)
        assert launch.cwd == str(tmp_path)
        assert Path(launch.argv[0]).is_file()
        execution_env = launch.environment.get("AWS_EXECUTION_ENV")
        expected = None if runtime.startswith("provided") else f"AWS_Lambda_{runtime}"
        assert execution_env == expected


# -- through the app -----------------------------------------------------------------------


def zipped(folder: Path, target: Path) -> Path:
    """`folder` as a deployment package, each file with its mode (bootstrap stays executable)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            info = zipfile.ZipInfo(str(path.relative_to(folder)), date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | stat.S_IMODE(path.stat().st_mode)) << 16
            archive.writestr(info, path.read_bytes())
    return target


@pytest.mark.anyio
async def test_an_app_runs_nodejs_handlers_of_both_styles_as_lambda_answers() -> None:
    needs_node()
    app = App("shop")
    app.add_function(
        "esm", handler="index.handler", code=FIXTURES / "node_esm", runtime="nodejs20.x"
    )
    app.add_function(
        "callback", handler="index.callback", code=FIXTURES / "node_cjs", runtime="nodejs20.x"
    )
    app.add_function(
        "fails", handler="index.fails", code=FIXTURES / "node_esm", runtime="nodejs20.x"
    )
    async with app:
        first = await app.invoke("esm", {"key": "a.jpg"}, log_type="Tail")
        second = await app.invoke("esm", {"key": "b.jpg"})
        called_back = await app.invoke("callback", [1, 2])
        failed = await app.invoke("fails", {"key": "c.jpg"})
    assert first.function_error is None
    assert first.payload["echo"] == {"key": "a.jpg"}
    assert first.payload["requestId"] == first.request_id
    assert first.payload["executionEnv"] == "AWS_Lambda_nodejs20.x"
    assert first.init_duration_ms is not None  # a cold start: the process spawned
    assert second.init_duration_ms is None  # the same instance, warm
    assert first.log_tail is not None
    assert f'{first.request_id}\tINFO\thandling {{"key":"a.jpg"}}' in first.log_tail
    assert called_back.payload == {"style": "callback", "echo": [1, 2]}
    assert failed.function_error == "Unhandled"
    assert failed.payload["errorType"] == "TypeError"
    assert failed.payload["errorMessage"] == "no thumbnail for c.jpg"


@pytest.mark.anyio
async def test_an_app_runs_the_tutorial_bootstrap_from_a_zip(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("curl") is None or shutil.which("bash") is None:
        pytest.skip("AWS's tutorial bootstrap needs bash and curl")
    monkeypatch.setenv("FAASLIB_CACHE_DIR", str(tmp_path / "cache"))
    package = zipped(tutorial_function(tmp_path / "task"), tmp_path / "function.zip")
    app = App("shop")
    app.add_function("echo", handler="function.handler", code=package, runtime="provided.al2023")
    async with app:
        result = await app.invoke("echo", {"key1": "value1"})
    assert result.function_error is None
    assert result.raw_payload == b"""Echoing request: '{"key1":"value1"}'"""
    [unpacked] = (tmp_path / "cache" / "code").iterdir()
    assert os.access(unpacked / "bootstrap", os.X_OK)


@pytest.mark.anyio
async def test_an_app_stops_a_nodejs_handler_at_its_memory_setting() -> None:
    needs_node()
    app = App("shop")
    app.add_function(
        "hungry",
        handler="index.handler",
        code=FIXTURES / "node_memory",
        runtime="nodejs20.x",
        memory=128,
    )
    async with app:
        fits = await app.invoke("hungry", {"mb": 16})
        over = await app.invoke("hungry", {"mb": 256})
        after = await app.invoke("hungry", {"mb": 16})
    assert fits.payload == 16
    assert over.function_error == "Unhandled"
    assert over.payload["errorType"] == "Runtime.OutOfMemory"
    assert after.payload == 16
    assert after.init_duration_ms is not None  # the instance that ran out was replaced


@pytest.mark.anyio
@pytest.mark.parametrize("folder", ["node_sdk", "node_sdk_esm"], ids=["require", "import"])
async def test_a_nodejs_handler_sends_to_the_apps_queue_with_the_runtimes_aws_sdk(
    folder: str,
) -> None:
    needs_node()
    if not (node_ric_folder() / "@aws-sdk" / "client-sqs").is_dir():
        pytest.skip(f"@aws-sdk/client-sqs is not in {node_ric_folder()} (.ci/run installs it)")
    app = App("shop")
    app.queue("orders")
    app.add_function(
        "checkout", handler="index.handler", code=FIXTURES / folder, runtime="nodejs20.x"
    )
    async with app:
        result = await app.invoke("checkout", {"queue": "orders", "order": {"id": 7}})
        assert result.function_error is None, result.payload
        [message] = await app.queue("orders").receive()
    assert message.json() == {"id": 7}
    assert message.message_id == result.payload["messageId"]


@pytest.mark.parametrize(
    ("name", "source"),
    [
        (
            "index.mjs",
            'import { pad } from "padder";\nexport const handler = async () => pad("7");\n',
        ),
        (
            "index.js",
            'const { pad } = require("padder");\nexports.handler = async () => pad("7");\n',
        ),
    ],
    ids=["import", "require"],
)
def test_a_nodejs_handler_finds_a_package_from_its_layer(
    name: str, source: str, api: RuntimeAPI, tmp_path: Path
) -> None:
    needs_node()
    write(tmp_path / "task", name, source)
    package = tmp_path / "opt" / "nodejs" / "node_modules" / "padder"
    write(package, "package.json", '{"name": "padder", "main": "index.js"}')
    write(package, "index.js", 'exports.pad = (text) => text.padStart(3, "0");\n')
    launch = launch_for(
        "shop-fn", "nodejs20.x", "index.handler", tmp_path / "task", [tmp_path / "opt"]
    )
    with Launched(api, launch, "index.handler") as instance:
        answer = instance.invoke(b"{}")
    assert (answer.outcome, answer.body) == ("response", b'"007"'), instance.output


def test_a_bare_import_the_runtime_does_not_have_is_still_an_error(
    api: RuntimeAPI, tmp_path: Path
) -> None:
    needs_node()
    write(
        tmp_path, "index.mjs", 'import "left-pad-nowhere";\nexport const handler = async () => 1;\n'
    )
    launch = launch_for("shop-fn", "nodejs20.x", "index.handler", tmp_path)
    assert "--imports-from-runtime" in launch.argv
    with Launched(api, launch, "index.handler") as instance:
        assert instance.invoke(b"{}").outcome == "crashed"
    [init_error] = [json.loads(body) for body in api.init_errors]
    assert "Cannot find package 'left-pad-nowhere'" in init_error["errorMessage"]


@pytest.mark.parametrize(
    ("files", "handler", "is_es_module"),
    [
        ({"index.mjs": ""}, "index.handler", True),
        ({"index.js": ""}, "index.handler", False),
        ({"index.js": "", "package.json": '{"type": "module"}'}, "index.handler", True),
        ({"src/app.js": "", "package.json": '{"type": "module"}'}, "src/app.handler", True),
        ({"index.cjs": "", "package.json": '{"type": "module"}'}, "index.handler", False),
        ({"index.js": "", "index.mjs": ""}, "index.handler", False),  # .js is looked up first
    ],
)
def test_only_an_es_module_handler_pays_for_imports_from_the_runtime(
    files: dict[str, str], handler: str, is_es_module: bool, tmp_path: Path
) -> None:
    needs_node()
    for name, text in files.items():
        write(tmp_path, name, text)
    launch = launch_for("shop-fn", "nodejs20.x", handler, tmp_path)
    assert ("--imports-from-runtime" in launch.argv) is is_es_module
