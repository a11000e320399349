"""`faaslib functions MODULE:APP` (or `-t template.yaml`): the app's functions, their
configuration and triggers; a template's functions with their logical ids and runtimes."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from faaslib.cli.errors import ExitStatus
from faaslib.cli.inputs import add_app_argument, app_from

if TYPE_CHECKING:
    from faaslib import App, FunctionConfig

__all__ = ["add_parser"]

COLUMNS = ("function", "memory", "timeout", "arch", "reserved", "provisioned", "triggers")


def add_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "functions",
        help="list an app's functions, their configuration and triggers",
        description="List the functions of the App MODULE:APP: memory, timeout, architecture, "
        "reserved and provisioned concurrency, and the triggers (queues, buckets, topics, "
        "routes...) that invoke each. Nothing is invoked.",
    )
    add_app_argument(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(run=run, prog=parser.prog)


def run(args: argparse.Namespace) -> int:
    app = app_from(args)
    rows = [_describe(app, name) for name in app.functions]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print(_table(app, rows))
    return ExitStatus.OK


def _describe(app: App, name: str) -> dict[str, Any]:
    config: FunctionConfig = app.function_configuration(name)
    row = {
        "function": name,
        "memory": config.memory,
        "timeout": config.timeout,
        "architecture": config.architecture,
        "ephemeral_storage": config.ephemeral_storage,
        "reserved_concurrency": config.reserved_concurrency,
        "provisioned_concurrency": config.provisioned_concurrency,
        "maximum_retry_attempts": config.maximum_retry_attempts,
        "maximum_event_age": config.maximum_event_age,
        "triggers": [trigger.describe() for trigger in app.triggers(name)],
        "description": config.description,
    }
    if app.template is not None:  # a template's function: what the template calls it
        found = [f for f in app.template.functions.values() if f.name == name]
        row["logical_id"] = found[0].logical_id if found else None
        row["runtime"] = config.runtime
        row["runnable"] = found[0].runnable if found else True
        row["not_runnable_because"] = found[0].reason if found else ""
    return row


def _table(app: App, rows: list[dict[str, Any]]) -> str:
    """The functions as a table, a line per trigger; a template's functions with their
    logical id and runtime first, and why one faaslib cannot run under it."""
    count = len(rows)
    heading = (
        f"App {app.name!r}: {count} function{'' if count == 1 else 's'}, account concurrency "
        f"{app.config.concurrency:,}, {app.config.region}"
    )
    if not rows:
        return heading
    of_template = app.template is not None
    columns = ("logical id", "runtime", *COLUMNS) if of_template else COLUMNS
    lines: list[tuple[str, ...]] = [columns]
    notes: dict[int, str] = {}
    for row in rows:
        reserved = row["reserved_concurrency"]
        triggers = row["triggers"] or ["-"]
        first = (str(row["logical_id"] or "-"), str(row["runtime"] or "-")) if of_template else ()
        lines.append(
            (
                *first,
                row["function"],
                f"{row['memory']:,} MB",
                f"{row['timeout']:g} s",
                row["architecture"],
                "-" if reserved is None else f"{reserved:,}",
                f"{row['provisioned_concurrency']:,}" if row["provisioned_concurrency"] else "-",
                triggers[0],
            )
        )
        lines.extend(("",) * (len(columns) - 1) + (trigger,) for trigger in triggers[1:])
        if of_template and not row["runnable"]:
            notes[len(lines)] = f"  (not runnable: {row['not_runnable_because']})"
    widths = [max(len(line[column]) for line in lines) for column in range(len(columns))]
    rows_text = [
        "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in lines
    ]
    text = [rows_text[0], "-" * max(len(line) for line in rows_text)]
    for index, line in enumerate(rows_text[1:], start=2):
        text.append(line)
        if index in notes:
            text.append(notes[index])
    return "\n".join([heading, "", *text])
