"""Where the real AWS samples are: ../shared/corpus/events beside the repository, or
$FAASLIB_CORPUS. Tests that need them skip, saying why, when they are not there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CORPUS = Path(
    os.environ.get("FAASLIB_CORPUS")
    or Path(__file__).resolve().parents[3] / "shared" / "corpus" / "events"
)
HAS_CORPUS = (CORPUS / "INDEX.tsv").is_file()
needs_corpus = pytest.mark.skipif(
    not HAS_CORPUS, reason=f"the AWS event corpus is not at {CORPUS} (set FAASLIB_CORPUS)"
)
