"""Small SAM/CloudFormation projects written into a test's folder: a template and handler code
that records what each invocation got, so a test sees a trigger's effect in a file."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

HANDLERS = '''
import json
import os


def record(event, context):
    """Append what this invocation got to the file $OUT names."""
    with open(os.environ["OUT"], "a") as out:
        out.write(json.dumps({"function": context.function_name, "event": event}) + "\\n")
    return {"function": context.function_name, "environment": dict(os.environ)}


def guard(event, context):
    """A Lambda authorizer: the key 'let-me-in' lets a request in."""
    if "routeArn" in event:  # an HTTP API's, payload 2.0: a simple response
        return {"isAuthorized": event.get("identitySource") == ["let-me-in"]}
    headers = {key.lower(): value for key, value in (event.get("headers") or {}).items()}
    allowed = headers.get("x-key") == "let-me-in"
    statement = {
        "Action": "execute-api:Invoke",
        "Effect": "Allow" if allowed else "Deny",
        "Resource": event["methodArn"],
    }
    policy = {"Version": "2012-10-17", "Statement": [statement]}
    return {"principalId": "someone", "policyDocument": policy}


def echo(event, context):
    """Answer an API request with what it asked."""
    path = event.get("rawPath") or event.get("path")
    return {"statusCode": 200, "body": json.dumps({"path": path})}
'''


def write_project(folder: Path, template: str, *, name: str = "template.yaml") -> Path:
    """Write `template` and the handlers (src/app.py) into `folder`; the template's path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "src").mkdir(exist_ok=True)
    (folder / "src" / "app.py").write_text(textwrap.dedent(HANDLERS))
    path = folder / name
    path.write_text(textwrap.dedent(template))
    return path


def recorded(out: Path) -> list[dict[str, Any]]:
    """What the handlers recorded, in order."""
    if not out.exists():
        return []
    return [json.loads(line) for line in out.read_text().splitlines()]
