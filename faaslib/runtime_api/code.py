"""A function's code and layers as Lambda takes them: a folder, or a .zip unpacked once.

Lambda unpacks a deployment package into `/var/task` and each layer, in order, into `/opt`
(a later layer overwrites an earlier one's files). faaslib cannot own `/var/task` or `/opt` on a
developer's machine, so a folder is used where it is, and a zip is unpacked into a cache folder
named after its content hash: a second instance, a second test run or a second function with the
same package reuses it. Layers are merged into one folder laid out as `/opt` would be
(`python/`, `nodejs/node_modules/`, `bin/`, `lib/`, `bootstrap`), which `runtimes.launch_for`
puts on the runtime's search paths.

    prepared = prepare_code("resize", "dist/function.zip", layers=["dist/pillow-layer.zip"])
    prepared.task_root, prepared.opt

Lambda's checks apply here, at registration: at most 5 layers, 250 MB unzipped for the code and
its layers together, no entry that would land outside its folder (zip-slip).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath

import msgspec

from faaslib.errors import ConfigurationError

__all__ = ["MAX_LAYERS", "MAX_UNZIPPED_BYTES", "PreparedCode", "prepare_code"]

MAX_UNZIPPED_BYTES = 262_144_000  # Lambda's 250 MB: function code and all its layers, unzipped
MAX_LAYERS = 5
_CHUNK = 1 << 20


class PreparedCode(msgspec.Struct, frozen=True):
    """Where an instance finds its code: `task_root` is `LAMBDA_TASK_ROOT` (Lambda's
    `/var/task`), `opt` the merged layers (Lambda's `/opt`), None without layers."""

    task_root: Path
    opt: Path | None


def prepare_code(
    function: str,
    code: str | Path,
    layers: Sequence[str | Path] = (),
    *,
    cache_dir: Path | None = None,
) -> PreparedCode:
    """Make `code` and `layers` ready to run, or raise `ConfigurationError` naming the function,
    the field and what is wrong.

    A folder is used in place; a .zip is unpacked (permissions kept, so a `bootstrap` stays
    executable) into `cache_dir` (default `$FAASLIB_CACHE_DIR` or `~/.cache/faaslib`) under
    its content hash, once. Call it at registration: it reads every byte of a zip.
    """
    cache = cache_dir or default_cache_dir()
    if len(layers) > MAX_LAYERS:
        raise ConfigurationError(
            f"function {function!r}: layers has {len(layers)} entries; Lambda allows at most "
            f"{MAX_LAYERS} layers per function"
        )
    code_source = _Source(function, "code", code)
    layer_sources = [
        _Source(function, f"layers[{index}]", layer) for index, layer in enumerate(layers)
    ]
    total = code_source.unzipped_bytes + sum(layer.unzipped_bytes for layer in layer_sources)
    if total > MAX_UNZIPPED_BYTES:
        raise ConfigurationError(
            f"function {function!r}: code and layers unzip to {total:,} bytes; Lambda's limit "
            f"is {MAX_UNZIPPED_BYTES:,} bytes (250 MB) for a function and all its layers"
        )
    task_root = code_source.materialise(cache / "code")
    return PreparedCode(task_root=task_root, opt=_merge_layers(layer_sources, cache / "opt"))


def default_cache_dir() -> Path:
    """`$FAASLIB_CACHE_DIR`, else `~/.cache/faaslib`: where unpacked code, merged layers and
    the Node runtime client live."""
    configured = os.environ.get("FAASLIB_CACHE_DIR")
    return Path(configured) if configured else Path.home() / ".cache" / "faaslib"


class _Source:
    """One folder or zip named by a field of the function's configuration, checked once."""

    def __init__(self, function: str, field: str, location: str | Path) -> None:
        self.function = function
        self.field = field
        self.path = Path(location).expanduser().resolve()
        self._zip_entries: list[zipfile.ZipInfo] | None = None
        if not self.path.exists():
            raise self._error(f"{location!s} does not exist")
        if self.path.is_dir():
            self.unzipped_bytes = _folder_bytes(self.path)
            return
        try:
            with zipfile.ZipFile(self.path) as archive:
                self._zip_entries = archive.infolist()
        except (zipfile.BadZipFile, OSError) as error:
            raise self._error(
                f"{location!s} is neither a folder nor a valid .zip file ({error})"
            ) from None
        for entry in self._zip_entries:
            _check_inside(self, entry.filename)
        self.unzipped_bytes = sum(entry.file_size for entry in self._zip_entries)

    @property
    def is_zip(self) -> bool:
        return self._zip_entries is not None

    def identity(self) -> str:
        """A digest that changes when the content does: the bytes of a zip; for a folder, its
        path and every file's name, size and modification time."""
        digest = hashlib.sha256()
        if self.is_zip:
            with self.path.open("rb") as stream:
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
            return digest.hexdigest()
        digest.update(str(self.path).encode())
        for file in sorted(_walk_files(self.path)):
            info = file.lstat()
            digest.update(f"{file}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
        return digest.hexdigest()

    def materialise(self, cache: Path) -> Path:
        """The folder holding this source's files: itself, or its zip unpacked in `cache`."""
        if not self.is_zip:
            return self.path
        target = cache / self.identity()[:32]
        if not target.is_dir():
            _publish(target, self.extract_into)
        return target

    def extract_into(self, folder: Path) -> None:
        """Unpack the zip into `folder` (existing files are overwritten, as a later layer's
        are), keeping each entry's permission bits."""
        try:
            with zipfile.ZipFile(self.path) as archive:
                for entry in archive.infolist():
                    _extract(archive, entry, folder)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise self._error(f"{self.path} could not be unpacked ({error})") from None

    def copy_into(self, folder: Path) -> None:
        """Lay this source's files over `folder`, as Lambda lays a layer over `/opt`."""
        if self.is_zip:
            self.extract_into(folder)
        else:
            shutil.copytree(self.path, folder, symlinks=True, dirs_exist_ok=True)

    def _error(self, problem: str) -> ConfigurationError:
        return ConfigurationError(f"function {self.function!r}: {self.field}: {problem}")


def _merge_layers(layers: list[_Source], cache: Path) -> Path | None:
    if not layers:
        return None
    if len(layers) == 1 and not layers[0].is_zip:
        return layers[0].path
    digest = hashlib.sha256("\0".join(layer.identity() for layer in layers).encode())
    target = cache / digest.hexdigest()[:32]
    if not target.is_dir():

        def lay_in_order(folder: Path) -> None:
            for layer in layers:
                layer.copy_into(folder)

        _publish(target, lay_in_order)
    return target


def _publish(target: Path, fill: Callable[[Path], None]) -> None:
    """Fill a fresh folder beside `target`, then rename it into place: instances starting at
    the same time never see half a package, and the first one to finish wins."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        fill(staging)
        staging.chmod(0o755)
        try:
            staging.rename(target)
        except OSError:
            if not target.is_dir():  # not another instance's copy that won the race
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _check_inside(source: _Source, name: str) -> None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise source._error(
            f"{source.path.name} has the entry {name!r}, which would be written outside the "
            "function's folder (zip-slip); Lambda refuses such a package"
        )


def _extract(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, folder: Path) -> None:
    destination = folder / entry.filename
    mode = entry.external_attr >> 16
    if entry.is_dir():
        destination.mkdir(parents=True, exist_ok=True)
        return
    destination.parent.mkdir(parents=True, exist_ok=True)
    if destination.is_symlink() or destination.is_file():
        destination.unlink()
    if stat.S_ISLNK(mode):
        link = archive.read(entry).decode()
        resolved = (destination.parent / link).resolve()
        if os.path.isabs(link) or not resolved.is_relative_to(folder.resolve()):
            raise OSError(f"the symbolic link {entry.filename!r} points outside ({link!r})")
        destination.symlink_to(link)
        return
    with archive.open(entry) as source, destination.open("wb") as target:
        shutil.copyfileobj(source, target, _CHUNK)
    # a zip made on Windows has no Unix mode: Lambda then reads it as rw-r--r--
    destination.chmod(stat.S_IMODE(mode) or 0o644)


def _walk_files(folder: Path) -> Iterable[Path]:
    """The files of a code folder, without what no deployment package carries: hidden folders
    (`.git`, `.venv`, `.aws-sam`) and `__pycache__`."""
    for directory, folders, files in os.walk(folder):
        folders[:] = [
            name for name in folders if not name.startswith(".") and name != "__pycache__"
        ]
        for name in files:
            yield Path(directory, name)


def _folder_bytes(folder: Path) -> int:
    return sum(file.lstat().st_size for file in _walk_files(folder))
