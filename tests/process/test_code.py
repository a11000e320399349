"""Code and layers as Lambda takes them: folders in place, zips unpacked once with their modes,
layers merged as /opt, and Lambda's refusals (zip-slip, 250 MB, 5 layers) at registration."""

from __future__ import annotations

import json
import os
import stat
import sys
import zipfile
from pathlib import Path

import pytest

from faaslib.errors import ConfigurationError
from faaslib.runtime_api.code import MAX_UNZIPPED_BYTES, prepare_code
from faaslib.runtime_api.runtimes import launch_for
from tests.process.runtimes.launched import Launched
from tests.runtime_api import RuntimeAPI

OWN_PYTHON = f"python{sys.version_info.major}.{sys.version_info.minor}"


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def make_zip(path: Path, files: dict[str, tuple[str | bytes, int]]) -> Path:
    """A zip with each entry's Unix mode, as `zip` on Linux writes it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (content, mode) in files.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return path


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_folder_is_used_in_place(tmp_path: Path, cache: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(e, c): return 1\n")
    prepared = prepare_code("fn", tmp_path / "src", cache_dir=cache)
    assert prepared.task_root == (tmp_path / "src").resolve()
    assert prepared.opt is None
    assert not cache.exists()


def test_a_zip_is_unpacked_once_with_its_modes(tmp_path: Path, cache: Path) -> None:
    package = make_zip(
        tmp_path / "function.zip",
        {"bootstrap": ("#!/bin/sh\n", 0o755), "lib/data.txt": ("x", 0o600)},
    )
    prepared = prepare_code("fn", str(package), cache_dir=cache)
    root = prepared.task_root
    assert root.parent == cache / "code"
    assert mode_of(root / "bootstrap") == 0o755
    assert os.access(root / "bootstrap", os.X_OK)
    assert mode_of(root / "lib" / "data.txt") == 0o600
    unpacked_at = (root / "bootstrap").stat().st_mtime_ns
    again = prepare_code("other-fn", package, cache_dir=cache)  # same bytes: same folder
    assert again.task_root == root
    assert (root / "bootstrap").stat().st_mtime_ns == unpacked_at
    changed = make_zip(tmp_path / "function.zip", {"bootstrap": ("#!/bin/sh\nexit 1\n", 0o755)})
    assert prepare_code("fn", changed, cache_dir=cache).task_root != root
    assert [path.name for path in (cache / "code").iterdir() if path.name.startswith(".")] == []


def test_a_zip_made_on_windows_unpacks_readable(tmp_path: Path, cache: Path) -> None:
    package = tmp_path / "function.zip"
    info = zipfile.ZipInfo("app.py")
    info.create_system = 0  # MS-DOS: no Unix mode, only the archive attribute
    info.external_attr = 0x20
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr(info, "x = 1\n")
    prepared = prepare_code("fn", package, cache_dir=cache)
    assert mode_of(prepared.task_root / "app.py") == 0o644


def test_layers_merge_as_opt_in_order_and_reach_a_python_handler(
    tmp_path: Path, cache: Path
) -> None:
    first = make_zip(
        tmp_path / "first.zip",
        {
            "python/shared.py": ("LAYER = 'first'\n", 0o644),
            "python/only_first.py": ("VALUE = 1\n", 0o644),
            "bin/tool": ("#!/bin/sh\necho tool\n", 0o755),
        },
    )
    second = tmp_path / "second"
    (second / "python").mkdir(parents=True)
    (second / "python" / "shared.py").write_text("LAYER = 'second'\n")  # a later layer wins
    site = second / "python" / "lib" / OWN_PYTHON / "site-packages"
    site.mkdir(parents=True)
    (site / "from_site.py").write_text("SITE = True\n")
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(
        "import shared, only_first, from_site, shutil\n"
        "def handler(event, context):\n"
        "    return [shared.LAYER, only_first.VALUE, from_site.SITE,\n"
        "            shutil.which('tool') is not None]\n"
    )
    prepared = prepare_code("fn", code, [first, second], cache_dir=cache)
    assert prepared.opt is not None
    assert prepared.opt.parent == cache / "opt"
    assert (prepared.opt / "python" / "shared.py").read_text() == "LAYER = 'second'\n"
    assert mode_of(prepared.opt / "bin" / "tool") == 0o755
    launch = launch_for("fn", OWN_PYTHON, "app.handler", prepared.task_root, [prepared.opt])
    with RuntimeAPI("fn") as api, Launched(api, launch, "app.handler") as instance:
        answer = instance.invoke(b"{}")
    assert answer.outcome == "response", (answer, instance.output)
    assert json.loads(answer.body) == ["second", 1, True, True]


def test_a_single_folder_layer_is_used_in_place(tmp_path: Path, cache: Path) -> None:
    (tmp_path / "layer" / "python").mkdir(parents=True)
    (tmp_path / "code").mkdir()
    prepared = prepare_code("fn", tmp_path / "code", [tmp_path / "layer"], cache_dir=cache)
    assert prepared.opt == (tmp_path / "layer").resolve()


@pytest.fixture
def bad_sources(tmp_path: Path) -> Path:
    (tmp_path / "code").mkdir()
    (tmp_path / "not-a.zip").write_bytes(b"PK\x03\x04 this is not a zip at all")
    (tmp_path / "handler.py").write_text("def handler(e, c): pass\n")
    with zipfile.ZipFile(tmp_path / "slip.zip", "w") as archive:
        archive.writestr("../../escaped.py", "x = 1\n")
    with zipfile.ZipFile(tmp_path / "absolute.zip", "w") as archive:
        archive.writestr("/etc/escaped.py", "x = 1\n")
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as archive:
        link = zipfile.ZipInfo("passwd")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "../../../../etc/passwd")
    return tmp_path


@pytest.mark.parametrize(
    ("code", "layers", "message"),
    [
        ("absent", [], "function 'fn': code: absent does not exist"),
        ("code", ["absent-layer"], "function 'fn': layers[0]: absent-layer does not exist"),
        ("not-a.zip", [], "function 'fn': code: not-a.zip is neither a folder nor a valid .zip"),
        ("handler.py", [], "function 'fn': code: handler.py is neither a folder nor a valid .zip"),
        ("slip.zip", [], "entry '../../escaped.py', which would be written outside"),
        ("code", ["code", "absolute.zip"], "layers[1]: absolute.zip has the entry '/etc/escaped"),
        ("link.zip", [], "the symbolic link 'passwd' points outside"),
        ("code", ["code"] * 6, "layers has 6 entries; Lambda allows at most 5 layers"),
    ],
    ids=[
        "missing-code",
        "missing-layer",
        "bad-zip",
        "plain-file",
        "zip-slip",
        "absolute",
        "symlink",
        "six-layers",
    ],
)
def test_code_lambda_would_refuse_is_a_configuration_error(
    code: str,
    layers: list[str],
    message: str,
    bad_sources: Path,
    cache: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(bad_sources)  # the names above are relative, as users write them
    with pytest.raises(ConfigurationError) as raised:
        prepare_code("fn", code, layers, cache_dir=cache)
    assert str(raised.value).startswith("function 'fn': ")
    assert message in str(raised.value)
    leftovers = list(cache.rglob("*")) if cache.exists() else []
    assert [path for path in leftovers if path.is_file()] == []


def test_a_folders_hidden_folders_and_caches_do_not_count_toward_the_limit(
    tmp_path: Path, cache: Path
) -> None:
    code = tmp_path / "code"
    for hidden in (".git", ".venv/lib", "pkg/__pycache__"):
        (code / hidden).mkdir(parents=True)
        with (code / hidden / "big").open("wb") as sparse:
            sparse.truncate(MAX_UNZIPPED_BYTES)
    (code / "pkg" / "app.py").write_text("def handler(e, c): return 1\n")
    assert prepare_code("fn", code, cache_dir=cache).task_root == code.resolve()
    (code / "pkg" / "big").write_bytes(b"")
    with (code / "pkg" / "big").open("wb") as sparse:
        sparse.truncate(MAX_UNZIPPED_BYTES + 1)
    with pytest.raises(ConfigurationError, match="code and layers unzip to 262,144,0"):
        prepare_code("fn", code, cache_dir=cache)


def test_code_and_layers_over_250_mb_unzipped_are_refused(tmp_path: Path, cache: Path) -> None:
    code = tmp_path / "code"
    code.mkdir()
    with (code / "model.bin").open("wb") as sparse:  # no disk used: a hole
        sparse.truncate(MAX_UNZIPPED_BYTES - 1000)
    prepare_code("fn", code, cache_dir=cache)  # at the limit: fine
    layer = make_zip(tmp_path / "layer.zip", {"python/big.txt": (b"\0" * 1001, 0o644)})
    with pytest.raises(ConfigurationError) as raised:
        prepare_code("fn", code, [layer], cache_dir=cache)
    assert str(raised.value) == (
        f"function 'fn': code and layers unzip to {MAX_UNZIPPED_BYTES + 1:,} bytes; Lambda's "
        f"limit is {MAX_UNZIPPED_BYTES:,} bytes (250 MB) for a function and all its layers"
    )


def test_a_zip_over_250_mb_unzipped_is_refused_before_it_is_unpacked(
    tmp_path: Path, cache: Path
) -> None:
    package = tmp_path / "bomb.zip"
    block = b"\0" * (1 << 20)
    with (
        zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("zeros.bin", "w", force_zip64=True) as entry,
    ):
        for _ in range(MAX_UNZIPPED_BYTES // len(block) + 1):
            entry.write(block)
    assert package.stat().st_size < 2_000_000
    with pytest.raises(ConfigurationError, match="Lambda's limit is 262,144,000 bytes"):
        prepare_code("fn", package, cache_dir=cache)
    assert not (cache / "code").exists()
