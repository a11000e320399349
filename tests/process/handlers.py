"""Handlers the process-instance tests run under AWS's own runtime client (awslambdaric), each
instance importing this module afresh. Nothing here imports faaslib: a process instance holds
only what Lambda's would."""

from __future__ import annotations

import os
import sys
import time

INSTANCE_STARTED = time.time()
_invocations = 0  # a module global: one per instance, as on Lambda


def echo(event, context):
    return {"event": event, "request_id": context.aws_request_id}


def counter(event, context):
    global _invocations
    _invocations += 1
    return {"pid": os.getpid(), "invocations": _invocations}


def printing(event, context):
    print("hello from the handler")
    print("to stderr", file=sys.stderr)
    return "printed"


def failing(event, context):
    raise ValueError(f"bad input: {event.get('value')}")


def environment(event, context):
    names = event.get("names", [])
    return {
        "values": {name: os.environ.get(name) for name in names},
        "keys": sorted(os.environ),
        "remaining_ms": context.get_remaining_time_in_millis(),
        "function_name": context.function_name,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_stream_name": context.log_stream_name,
        "client_context": None if context.client_context is None else context.client_context.custom,
        "tmp": __import__("tempfile").gettempdir(),
    }


def loop_forever(event, context):
    print("looping", flush=True)
    while True:
        pass


def exit_3(event, context):
    os._exit(3)


def allocate(event, context):
    chunk = bytearray(event["megabytes"] * 1024 * 1024)
    for index in range(0, len(chunk), 4096):
        chunk[index] = 1
    return len(chunk) // (1024 * 1024)


def busy(event, context):
    """CPU-bound: what threads in one process cannot do in parallel."""
    total = 0
    for number in range(event.get("n", 200_000)):
        total += number * number
    return {"pid": os.getpid(), "total": total}


def sleepy(event, context):
    time.sleep(event.get("seconds", 0.2))
    return os.getpid()


def send_to_queue(event, context):
    """A plain boto3 client, as on Lambda: no endpoint, no credentials in the code."""
    import boto3

    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=event["queue"])["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=event["body"])
    return os.environ["AWS_ENDPOINT_URL"]


def exit_soon_after(event, context):
    """Answers, then its process dies while idle (a background thread's fault)."""
    import threading

    threading.Timer(0.05, os._exit, (4,)).start()
    return os.getpid()
