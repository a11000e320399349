"""Where the real AWS samples are: ../shared/corpus/events beside the repository, or
$FAASLIB_CORPUS. Tests that need them skip, saying why, when they are not there."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(
    os.environ.get("FAASLIB_CORPUS")
    or Path(__file__).resolve().parents[3] / "shared" / "corpus" / "events"
)
HAS_CORPUS = (CORPUS / "INDEX.tsv").is_file()
needs_corpus = pytest.mark.skipif(
    not HAS_CORPUS, reason=f"the AWS event corpus is not at {CORPUS} (set FAASLIB_CORPUS)"
)


def _read_index() -> list[tuple[str, str]]:
    if not HAS_CORPUS:
        return []
    lines = (CORPUS / "INDEX.tsv").read_text().splitlines()[1:]  # path, repo, path, commit, family
    return [(row[0], row[4]) for row in (line.split("\t") for line in lines)]


ROWS = _read_index()
"""(path, family) of every sample of the corpus, `response` the family of what handlers return;
empty without the corpus, so tables built from it parametrize nothing."""


def load(path: str) -> Any:
    """The sample at `path` (as INDEX.tsv names it), as decoded JSON."""
    return json.loads((CORPUS / path).read_text())


def paths(family: str) -> list[str]:
    """The paths of every sample of `family`."""
    return [path for path, of in ROWS if of == family]


def samples(family: str) -> list[tuple[str, Any]]:
    """Every sample of `family`, as (path, decoded JSON)."""
    return [(path, load(path)) for path in paths(family)]
