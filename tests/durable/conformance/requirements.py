"""The conformance requirements (AWS's YAML files) and the functions AWS's templates run them on.

Each `requirements/<suite>/<id>.yaml` is a requirement as AWS's suite ships it; each function of
`aws/template_<suite>.yaml` names the ids it is for in `TestingMetadata.TestDescription`, as AWS's
runner reads them. A requirement no template maps, or a mapped id with no requirement file, is
listed too, so that nothing drops out of the count unseen.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from faaslib.templates.loading import load_template

__all__ = ["AWS", "SUITES", "Requirement", "requirements", "unmapped"]

HERE = Path(__file__).resolve().parent
AWS = HERE / "aws"
REQUIREMENTS = HERE / "requirements"
# The suites in the order the issue lists them, then the plugin suite.
SUITES = (
    "step",
    "wait",
    "child",
    "callback",
    "invoke",
    "wait_for_condition",
    "wait_for_callback",
    "parallel",
    "map",
    "plugin",
)


def _order(requirement_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", requirement_id))


@dataclass(frozen=True, eq=False)  # one object per requirement: hashed by identity
class Requirement:
    """One requirement, and where AWS's templates run it (`function` of `template`)."""

    id: str
    suite: str
    path: Path
    data: dict[str, Any]
    function: str | None
    template: Path

    @property
    def asynchronous(self) -> bool:
        """Invoked with InvocationType=Event and watched (callbacks sent) rather than waited."""
        return bool(self.data.get("AsyncInvoke", False))

    @property
    def optional(self) -> bool:
        return bool(self.data.get("optional", False))

    @property
    def expected_history(self) -> list[dict[str, Any]]:
        return list(self.data.get("ExpectedExecutionHistory") or [])

    @property
    def expected_result(self) -> dict[str, Any] | None:
        result = self.data.get("ExpectedResult")
        return dict(result) if result else None

    @property
    def callback_actions(self) -> list[dict[str, Any]]:
        return list(self.data.get("CallbackActions") or [])

    @property
    def expected_logs(self) -> list[dict[str, Any]]:
        return list(self.data.get("ExpectedLogs") or [])

    @property
    def title(self) -> str:
        return str(self.data.get("description", "")).strip().splitlines()[0]


def _functions(template: Path) -> dict[str, str]:
    """Requirement id -> the logical id of the function AWS's template runs it on."""
    mapped: dict[str, str] = {}
    for logical_id, resource in load_template(template).get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        for requirement_id in resource.get("TestingMetadata", {}).get("TestDescription", []):
            mapped.setdefault(str(requirement_id), logical_id)
    return mapped


@functools.cache
def requirements() -> tuple[Requirement, ...]:
    """Every requirement file, suite by suite in `SUITES` order, by id within a suite."""
    found = []
    for suite in SUITES:
        template = AWS / f"template_{suite}.yaml"
        functions = _functions(template)
        for path in sorted((REQUIREMENTS / suite).glob("*.yaml"), key=lambda p: _order(p.stem)):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            found.append(
                Requirement(path.stem, suite, path, data, functions.get(path.stem), template)
            )
    return tuple(found)


def unmapped() -> dict[str, list[str]]:
    """Ids a template maps that have no requirement file in this version of the suite."""
    have = {requirement.id for requirement in requirements()}
    return {
        suite: sorted(set(_functions(AWS / f"template_{suite}.yaml")) - have, key=_order)
        for suite in SUITES
    }
