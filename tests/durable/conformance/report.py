"""`python -m tests.durable.conformance.report`: the conformance pass count per suite, as the
Markdown table the README shows, then each requirement faaslib does not pass and why.

`--reference` adds a column: the same requirements under AWS's local runner
(`aws_durable_execution_sdk_python_testing`), judged by the same rules except for the
InvocationCompletedDetails it never gives. Requirements that give
ExpectedLogs are counted on history and result; the last column says how many they are.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import logging
import sys
import warnings
from collections import Counter

from tests.durable.conformance.faaslib_run import conformance_runs
from tests.durable.conformance.requirements import SUITES, Requirement, requirements

# The requirements whose handler ends its process (os._exit): the local runner runs handlers in
# its own process, so they are not run under it.
_CRASHING = {"1-17", "1-18", "3-12"}


def _faaslib(found: tuple[Requirement, ...]) -> dict[str, list[str]]:
    runs = conformance_runs()
    errors = {}
    try:
        for requirement in found:
            try:
                errors[requirement.id] = runs.result(requirement).verdict.errors
            except Exception as error:  # a crash of the run is that requirement's failure
                errors[requirement.id] = [f"{type(error).__name__}: {error}"]
    finally:
        runs.close()
    return errors


def _reference(found: tuple[Requirement, ...]) -> dict[str, list[str]]:
    """The local runner's errors, less one it makes everywhere: its InvocationCompleted events
    carry no InvocationCompletedDetails (AWS's give StartTimestamp, EndTimestamp, RequestId),
    which would hide every other difference."""
    from tests.durable.conformance.reference_run import run_reference

    errors = {}
    for requirement in found:
        if requirement.id in _CRASHING:
            errors[requirement.id] = ["not run: the handler ends its process"]
            continue
        errors[requirement.id] = [
            error
            for error in run_reference(requirement).errors
            if not error.endswith("InvocationCompletedDetails: missing")
        ]
    return errors


def table(found: tuple[Requirement, ...], **columns: dict[str, list[str]]) -> str:
    """The Markdown table: per suite, the requirements, and how many pass in each column."""
    heads = ["Suite", "Requirements", *(f"Pass ({name})" for name in columns), "With ExpectedLogs"]
    lines = ["| " + " | ".join(heads) + " |", "|" + "---|" * len(heads)]
    totals: Counter[str] = Counter()
    for suite in SUITES:
        mine = [r for r in found if r.suite == suite]
        row = [suite, str(len(mine))]
        for name, errors in columns.items():
            passed = sum(not errors[r.id] for r in mine)
            totals[name] += passed
            row.append(f"{passed}/{len(mine)}")
        logs = sum(bool(r.expected_logs) for r in mine)
        totals["logs"] += logs
        row.append(str(logs) if logs else "")
        lines.append("| " + " | ".join(row) + " |")
    total = ["**all**", f"**{len(found)}**"]
    total += [f"**{totals[name]}/{len(found)}**" for name in columns]
    lines.append("| " + " | ".join([*total, str(totals["logs"])]) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tests.durable.conformance.report")
    parser.add_argument("--reference", action="store_true", help="also run AWS's local runner")
    parser.add_argument("--suite", action="append", choices=SUITES, help="only these suites")
    options = parser.parse_args(argv)
    found = tuple(r for r in requirements() if not options.suite or r.suite in options.suite)
    warnings.simplefilter("ignore")  # the template loader's notes (DurableConfig, ...)
    logging.disable(logging.CRITICAL)  # the SDK's logs of failing steps, on purpose
    columns = {}
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        columns["faaslib"] = _faaslib(found)  # (the handlers print; their lines are not ours)
        if options.reference:
            columns["AWS's local runner"] = _reference(found)
    print(table(found, **columns))
    for name, errors in columns.items():
        failing = [r for r in found if errors[r.id]]
        if failing:
            print(f"\nNot passing on {name}:")
        for requirement in failing:
            print(f"- {requirement.id} ({requirement.title}): {errors[requirement.id][0]:.300}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
