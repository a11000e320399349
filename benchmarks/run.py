"""faaslib's invoke path beside its baselines and peers, measured in one run.

    python benchmarks/run.py                 # asyncio, the full table
    python benchmarks/run.py --backend trio
    python benchmarks/run.py --quick         # fewer iterations, for a smoke check

Sequential rows (benchmarks/bench_invoke.py) run in interleaved rounds, every row once per
round, and show the best and the median round; each row says what it includes. The baselines
are the least faaslib must also do: a direct await, a plain `anyio.CancelScope()`, one with a
deadline (a loop timer), and `anyio.to_thread.run_sync`; faaslib is measured with its payload
undecoded and decoded, as `app.call`, with INFO logging on, and on its sync path, beside
Chalice's test client (which runs sync handlers inline). Then: 1,000 concurrent invokers, the
memory an idle warm instance holds, Event invocations accepted and completed separately with a
backlog (benchmarks/bench_delivery.py), queue to handler, the bus through `put_events`, a
stream, HTTP under uvicorn, the AWS endpoints, event decoding, the per-item cost curves of
start/stop and registration (benchmarks/bench_curves.py), and whether each target is met.
`--json PATH` writes the figures for benchmarks/compare.py. Peers run only when installed
(`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pydantic

# benchmarks/, on the path when this file runs
from bench_curves import curves_section
from bench_delivery import event_rates, queue_rates, queued_event_cost
from bench_invoke import (
    CHALICE,
    INVOKE,
    LOGGED,
    PLATFORM,
    SCOPE,
    SYNC,
    THREAD,
    concurrent_rows,
    idle_instance_cost,
    invoke_rows,
    table,
)
from bench_sources import bus_rates, stream_rates

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "events"


class _SQSRecordModel(pydantic.BaseModel):
    messageId: str
    receiptHandle: str
    body: str
    attributes: dict[str, str]
    messageAttributes: dict[str, dict[str, Any]]
    md5OfBody: str
    eventSource: str
    eventSourceARN: str
    awsRegion: str


class _SQSEventModel(pydantic.BaseModel):
    Records: list[_SQSRecordModel]


class _HTTPModel(pydantic.BaseModel):
    method: str
    path: str
    protocol: str
    sourceIp: str
    userAgent: str


class _RequestContextV2Model(pydantic.BaseModel):
    accountId: str
    apiId: str
    domainName: str
    domainPrefix: str
    http: _HTTPModel
    requestId: str
    routeKey: str
    stage: str
    time: str
    timeEpoch: int
    authorizer: dict[str, Any] | None = None
    authentication: dict[str, Any] | None = None


class _HTTPEventV2Model(pydantic.BaseModel):
    version: str
    routeKey: str
    rawPath: str
    rawQueryString: str
    cookies: list[str] | None = None
    headers: dict[str, str]
    queryStringParameters: dict[str, str] | None = None
    requestContext: _RequestContextV2Model
    body: str | None = None
    pathParameters: dict[str, str] | None = None
    isBase64Encoded: bool
    stageVariables: dict[str, str] | None = None


def decode_rows(iterations: int, rounds: int) -> list[tuple[str, float, float, float]] | None:
    """µs to decode a typical HTTP API v2 event and an SQS batch of 10: faaslib.events beside
    json.loads and a pydantic model of the same shape."""
    from faaslib import events

    try:
        http = (CORPUS / "powertools" / "apiGatewayProxyV2Event.json").read_bytes()
        sqs_sample = json.loads((CORPUS / "powertools" / "sqsEvent.json").read_bytes())
    except OSError:
        return None
    record = sqs_sample["Records"][0]
    sqs = json.dumps({"Records": [record] * 10}).encode()
    cases = [
        ("HTTP API v2 event", http, events.APIGatewayProxyEventV2, _HTTPEventV2Model),
        ("SQS batch of 10", sqs, events.SQSEvent, _SQSEventModel),
    ]
    rows = []
    for name, raw, struct, model in cases:

        def best(operation: Callable[[], object], raw: bytes = raw) -> float:
            timings = []
            for _ in range(rounds):
                start = time.perf_counter()
                for _ in range(iterations):
                    operation()
                timings.append((time.perf_counter() - start) / iterations * 1e6)
            return min(timings)

        typed = best(lambda raw=raw, struct=struct: events.parse(raw, type=struct))
        plain = best(lambda raw=raw: json.loads(raw))
        pydantic_figure = best(lambda raw=raw, model=model: model.model_validate_json(raw))
        rows.append((name, typed, plain, pydantic_figure))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["asyncio", "trio"], default="asyncio")
    parser.add_argument("--iterations", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="1,000 iterations, 3 rounds")
    parser.add_argument(
        "--json", type=Path, help="also write every figure there (benchmarks/compare.py reads it)"
    )
    arguments = parser.parse_args()
    if arguments.quick:
        arguments.iterations, arguments.rounds = 1_000, 3
    backend = arguments.backend
    figures: dict[str, float] = {}  # name -> figure; "µs" rows lower is better, "/s" higher

    rows = anyio.run(invoke_rows, arguments.iterations, arguments.rounds, backend=backend)
    print(
        f"faaslib invoke path — Python {platform.python_version()}, {backend}, "
        f"{platform.machine()}, {arguments.iterations:,} iterations x {arguments.rounds} "
        "interleaved rounds (thread rows: a tenth), best and median round"
    )
    print(table(rows))
    figures.update({f"{row.name} (µs)": row.best for row in rows})
    best = {row.name: row.best for row in rows}

    each = max(arguments.iterations // 200, 5)
    concurrent = anyio.run(concurrent_rows, 1000, each, arguments.rounds, backend=backend)
    print(f"\n1,000 concurrent invokers x {each} invocations, a handler that yields once")
    print(f"{'measurement':<42}  {'invocations/s':>13}  ratio")
    print("-" * 80)
    for name, rate in concurrent:
        ratio = (
            f"{rate / concurrent[0][1]:.2f}x the baseline's rate"
            if name != concurrent[0][0]
            else ""
        )
        print(f"{name:<42}  {rate:>13,.0f}  {ratio}")
        figures[f"1,000 invokers: {name} (/s)"] = rate

    per_instance, held_tasks, held_threads = anyio.run(idle_instance_cost, 10_000, backend=backend)
    print(
        f"\nidle warm instances: {per_instance:,.0f} bytes each (10,000 measured with "
        f"tracemalloc); tasks held: {held_tasks}, threads held: {held_threads}"
    )

    events = 20_000 if not arguments.quick else 2_000
    accepted, completed = anyio.run(event_rates, events, backend=backend)
    per_event, payload_bytes = queued_event_cost(100_000)
    print(f"\nEvent invocations ({events:,} of a trivial async handler, with a backlog)")
    print(
        f"  accepted: {accepted:,.0f} events/s (Invoke answered 202, handlers held)    "
        f"completed: {completed:,.0f} events/s (the backlog run)"
    )
    print(
        f"  queued: {per_event:,.0f} bytes per event, of which {payload_bytes} are its payload "
        "(100,000 measured with tracemalloc)"
    )
    figures["Event invocations accepted (/s)"] = accepted
    figures["Event invocations completed (/s)"] = completed

    messages = 20_000 if not arguments.quick else 2_000
    queued = anyio.run(queue_rates, messages, arguments.rounds, backend=backend)
    floor = queued[0][1]
    print(f"\nQueue to handler ({messages:,} messages, queued before the app starts)")
    print(f"  {'measurement':<40}  {'messages/s':>11}  ratio")
    for name, rate in queued:
        ratio = f"{floor / rate:.1f}x the floor's time per message" if rate != floor else ""
        print(f"  {name:<40}  {rate:>11,.0f}  {ratio}")
        figures[f"queue: {name} (/s)"] = rate
    rates = dict(queued)

    routed = anyio.run(
        bus_rates, 20_000 if not arguments.quick else 2_000, arguments.rounds, backend=backend
    )
    print("\nEvent bus: events through 20 rules, by put_events (each rule's pattern tried on each)")
    print(f"  {'measurement':<42}  {'events/s':>9}  {'patterns/s':>10}  ratio")
    for name, rate, _ in routed:
        ratio = f"{routed[0][1] / rate:.1f}x the floor's time" if name != routed[0][0] else ""
        print(f"  {name:<42}  {rate:>9,.0f}  {rate * 20:>10,.0f}  {ratio}")
        figures[f"bus: {name} (/s)"] = rate
    print(f"  (both find the same {routed[1][2]:.2f} matching rules per event)")

    records = 20_000 if not arguments.quick else 2_000
    streamed = anyio.run(stream_rates, records, arguments.rounds, backend=backend)
    print(
        f"\nStream to handler, one shard ({records:,} records of 100 bytes, put before the app "
        "starts)"
    )
    print(f"  {'measurement':<42}  {'records/s':>10}  ratio")
    for name, rate in streamed:
        ratio = f"{streamed[0][1] / rate:.1f}x the floor's time" if name != streamed[0][0] else ""
        print(f"  {name:<42}  {rate:>10,.0f}  {ratio}")
        figures[f"stream: {name} (/s)"] = rate

    try:
        from bench_http import http_rates
    except ImportError as missing:  # uvicorn and starlette come with the bench extra
        print(f"\nHTTP: skipped ({missing.name} is not installed: pip install -e '.[bench]')")
        served: list[tuple[str, float]] = []
    else:
        served = http_rates(each=200 if not arguments.quick else 50)
        print("\nHTTP: GET /items/{id} answering JSON, 32 keep-alive connections, one uvicorn")
        print(f"  {'measurement':<42}  {'requests/s':>10}  ratio")
        for name, rate in served:
            ratio = (
                f"{served[0][1] / rate:.2f}x the baseline's time" if name != served[0][0] else ""
            )
            print(f"  {name:<42}  {rate:>10,.0f}  {ratio}")
            figures[f"HTTP: {name} (/s)"] = rate

    try:
        from bench_aws import aws_section
    except ImportError as missing:  # boto3 and moto[server] come with the bench extra
        print(
            f"\nAWS endpoints: skipped ({missing.name} is not installed: pip install -e '.[bench]')"
        )
    else:
        print(aws_section(calls=200 if not arguments.quick else 50, rounds=arguments.rounds))

    decoded = decode_rows(arguments.iterations // 4, arguments.rounds)
    if decoded is None:
        print("\nevent decoding: skipped (the corpus in ../shared is not here)")
    else:
        print("\nDecoding typed events (µs each)")
        print(f"  {'event':<20} {'faaslib.events':>15} {'json.loads':>11} {'pydantic':>9}")
        for name, typed, plain, pydantic_figure in decoded:
            print(
                f"  {name:<20} {typed:>15.2f} {plain:>11.2f} {pydantic_figure:>9.2f}"
                f"   (pydantic takes {pydantic_figure / typed:.1f}x as long, "
                f"json.loads {plain / typed:.1f}x)"
            )
            figures[f"decode: {name} (µs)"] = typed

    print("\n" + curves_section(arguments.quick, backend))

    invoke, scope = best[INVOKE], best[SCOPE]
    logged = best[LOGGED] / invoke
    sync_ratio = best[SYNC] / best[THREAD]
    chalice = best.get(CHALICE)
    # the slowest of the kinds (HTTP API, REST payload 1.0, function URL) against Starlette
    http = served[0][1] / min(rate for _, rate in served[1:]) if len(served) > 1 else None
    targets = [
        (
            "async invoke <= 2.0x a plain CancelScope()",
            f"{invoke / scope:.2f}x",
            invoke / scope <= 2,
        ),
        (
            "INFO logging on: invoke <= 1.5x logging off",
            f"{logged:.2f}x (platform_logs=True: {best[PLATFORM] / invoke:.2f}x, opt-in)",
            logged <= 1.5,
        ),
        ("sync invoke <= 1.2x to_thread.run_sync", f"{sync_ratio:.2f}x", sync_ratio <= 1.2),
        (
            ">= 3x faster than Chalice's test client",
            "Chalice not installed" if chalice is None else f"{chalice / invoke:.2f}x",
            chalice is not None and chalice / invoke >= 3,
        ),
        (
            ">= 50,000 invocations/s from 1,000 invokers",
            f"{concurrent[1][1]:,.0f}/s",
            concurrent[1][1] >= 50_000,
        ),
        (
            "<= 2 KB per idle instance, no task or thread",
            f"{per_instance:,.0f} B, {held_tasks} tasks, {held_threads} threads",
            per_instance <= 2048 and held_tasks == 0 and held_threads == 0,
        ),
        (
            "<= ~1 KB per queued event beyond its payload",
            f"{per_event - payload_bytes:,.0f} B",
            per_event - payload_bytes <= 1024,
        ),
        (">= 50,000 Event invocations/s completed", f"{completed:,.0f}/s", completed >= 50_000),
        (
            ">= 40,000 queue msgs/s at batch 1",
            f"{rates['faaslib: queue -> on_queue, batch 1']:,.0f}/s",
            rates["faaslib: queue -> on_queue, batch 1"] >= 40_000,
        ),
        (
            ">= 100,000 queue msgs/s at batch 10",
            f"{rates['faaslib: queue -> on_queue, batch 10']:,.0f}/s",
            rates["faaslib: queue -> on_queue, batch 10"] >= 100_000,
        ),
        (
            "app.asgi under uvicorn <= 1.3x Starlette's (each kind)",
            "not measured" if http is None else f"{http:.2f}x",
            http is not None and http <= 1.3,
        ),
    ]
    print("\ntargets (issues 3, 5 and 23)")
    for name, figure, met in targets:
        print(f"  {'met    ' if met else 'NOT MET'}  {name:<46} {figure}")
    if arguments.json is not None:
        arguments.json.parent.mkdir(parents=True, exist_ok=True)
        arguments.json.write_text(json.dumps({"backend": backend, "figures": figures}, indent=1))


if __name__ == "__main__":
    sys.exit(main())
