"""The console's HTML, written on the server: one page whose sections (functions, invocations,
metrics, services, costs, actions) the page's script shows one at a time and refreshes from
the same fragments (`GET /part/<section>`).

Every value from the app (names, bodies, log lines, patterns) passes through `escape`; the page
carries no inline script or handler (its Content-Security-Policy forbids them), so a payload
that slipped through could still not run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from html import escape as _escape
from typing import Any

__all__ = ["escape", "fragment", "page"]

SECTIONS = ("functions", "invocations", "metrics", "services", "costs", "actions")


def escape(value: object) -> str:
    """`value` as HTML text: `<`, `>`, `&` and both quotes written as entities."""
    return _escape("" if value is None else str(value), quote=True)


def _table(head: Iterable[str], rows: Iterable[Iterable[object]], empty: str = "none") -> str:
    header = "".join(f"<th>{escape(cell)}</th>" for cell in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{_cell(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    if not body:
        return f'<p class="empty">{escape(empty)}</p>'
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


class Raw(str):
    """HTML the console wrote itself (never a value from the app)."""


def _cell(value: object) -> str:
    if isinstance(value, Raw):
        return str(value)
    if isinstance(value, list | tuple):
        return "<br>".join(escape(item) for item in value)
    return escape(value)


def _figures(values: Mapping[str, Any]) -> Raw:
    return Raw(
        '<dl class="figures">'
        + "".join(f"<dt>{escape(k)}</dt><dd>{escape(_plain(v))}</dd>" for k, v in values.items())
        + "</dl>"
    )


def _plain(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k} {v}" for k, v in value.items())
    return "" if value is None else str(value)


def functions_part(data: dict[str, Any]) -> str:
    rows = []
    for function in data["functions"]:
        config = function["configuration"]
        instances = function["instances"]
        concurrency = function["concurrency"]
        duration = function["metrics"]["Duration"]
        rows.append(
            [
                Raw(
                    f'<b data-function="{escape(function["name"])}">{escape(function["name"])}</b>'
                ),
                _figures(
                    {
                        "handler": function["handler"],
                        "memory": f"{config['memory']} MB",
                        "timeout": f"{config['timeout']} s",
                        "architecture": config["architecture"],
                        "runtime": config["runtime"] or "host Python",
                        "isolation": config["isolation"],
                        "retries": config["maximum_retry_attempts"],
                    }
                ),
                function["triggers"] or ["invoke"],
                _figures(instances),
                _figures(concurrency),
                _figures(
                    {
                        "Invocations": function["metrics"]["Invocations"],
                        "Errors": function["metrics"]["Errors"],
                        "Throttles": function["metrics"]["Throttles"],
                        "Duration p50 / p99": f"{duration['p50']} / {duration['p99']} ms",
                    }
                ),
            ]
        )
    now = data["concurrent_executions"]
    head = f"<p>App <b>{escape(data['app'])}</b> in {escape(data['region'])}: "
    head += f"{escape(now['now'])} running now (most {escape(now['max'])}) of "
    head += f"{escape(data['account_concurrency'])} concurrency</p>"
    return head + _table(
        ["Function", "Configuration", "Triggers", "Instances", "Concurrency", "Metrics"],
        rows,
        "no functions registered",
    )


def services_part(data: dict[str, Any]) -> str:
    parts = ["<h3>Queues</h3>"]
    parts.append(
        _table(
            ["Queue", "Visible", "In flight", "Delayed", "Oldest (s)", "Dead-letter queue"],
            (
                [
                    Raw(f"<b>{escape(q['name'])}</b>" + (" (FIFO)" if q["fifo"] else "")),
                    Raw(f'<span data-depth="{escape(q["name"])}">{escape(q["visible"])}</span>'),
                    q["in_flight"],
                    q["delayed"],
                    q["oldest_age"],
                    _dead_letter(q),
                ]
                for q in data["queues"]
            ),
            "no queues",
        )
    )
    for queue in data["queues"]:
        if queue["messages"] is not None:
            parts.append(f"<h4>Dead letters in {escape(queue['name'])}</h4>")
            parts.append(
                _table(
                    ["Message id", "Receives", "Body"],
                    (
                        [
                            m["message_id"],
                            m["receive_count"],
                            Raw(f"<pre>{escape(m['body'])}</pre>"),
                        ]
                        for m in queue["messages"]
                    ),
                    "empty",
                )
            )
    parts.append("<h3>Buckets</h3>")
    parts.append(
        _table(
            ["Bucket", "Objects", "Keys"],
            ([b["name"], b["objects"], b["keys"]] for b in data["buckets"]),
            "no buckets",
        )
    )
    parts.append("<h3>Topics</h3>")
    parts.append(
        _table(
            ["Topic", "Subscriptions", "Metrics"],
            (
                [
                    t["name"],
                    [f"{s['protocol']}: {s['endpoint']}" for s in t["subscriptions"]],
                    _figures(t["metrics"]),
                ]
                for t in data["topics"]
            ),
            "no topics",
        )
    )
    parts.append("<h3>Event buses and rules</h3>")
    parts.append(
        _table(
            ["Bus", "Rule", "Pattern", "Targets", "Matched"],
            (
                [
                    bus["name"],
                    rule["name"],
                    Raw(f"<code>{escape(rule['pattern'])}</code>"),
                    rule["targets"],
                    rule["matched"],
                ]
                for bus in data["buses"]
                for rule in bus["rules"]
            ),
            "no rules",
        )
    )
    parts.append("<h3>Streams</h3>")
    parts.append(
        _table(
            ["Stream", "Shards", "Records put", "Mappings (IteratorAge ms)"],
            (
                [
                    s["name"],
                    s["shards"],
                    s["records_put"],
                    [f"{m['function']}: {_plain(m['IteratorAge'])}" for m in s["mappings"]],
                ]
                for s in data["streams"]
            ),
            "no streams",
        )
    )
    parts.append("<h3>Tables</h3>")
    parts.append(
        _table(
            ["Table", "Key", "Items", "Stream"],
            (
                [t["name"], t["key_schema"], t["items"], t["stream_view_type"]]
                for t in data["tables"]
            ),
            "no tables",
        )
    )
    parts.append("<h3>Schedules</h3>")
    parts.append(
        _table(
            ["Function", "Schedule", "Next fire time", "Fired", "Missed"],
            (
                [
                    s["function"],
                    s["schedule"],
                    s["next_fire_time"] or "never",
                    s["fired"],
                    s["missed"],
                ]
                for s in data["schedules"]
            ),
            "no schedules",
        )
    )
    return "".join(parts)


def _dead_letter(queue: dict[str, Any]) -> object:
    if queue["dead_letter_of"]:
        return f"is the dead-letter queue of {', '.join(queue['dead_letter_of'])}"
    if queue["dead_letter_queue"]:
        return f"{queue['dead_letter_queue']} after {queue['max_receive_count']} receives"
    return ""


def costs_part(data: dict[str, Any], charts: list[str]) -> str:
    bill = data["bill"]
    parts = [
        _table(
            ["Function", "Architecture", "Memory", "Requests", "GB-s", "Total"],
            (
                [
                    name,
                    f["architecture"],
                    f"{f['memory_mb']} MB",
                    f["requests"],
                    f["gb_seconds"],
                    f"{f['total']} {bill['currency']}",
                ]
                for name, f in bill["functions"].items()
            ),
            "no functions",
        ),
        f"<p>Total so far: <b>{escape(money(bill['total']['total'], bill['currency']))}</b> "
        f"({escape(bill['region'])} prices, no free tier)</p>",
    ]
    projection = data["projection"]
    if projection is not None:
        invocations = f"{projection['invocations']:,}"
        parts.append(
            f"<p>A month at the rate so far ({escape(invocations)} "
            f"invocations, free tier applied): "
            f"<b>{escape(money(projection['total'], bill['currency']))}</b></p>"
        )
    budget = data["budget"]
    if budget is not None:
        state = "crossed" if budget["crossed"] else "within"
        parts.append(
            f"<p>Budget: {escape(money(budget['spent']))} spent of "
            f"{escape(money(budget['limit']))} "
            f"({state}{', throttling' if budget['crossed'] and budget['throttles'] else ''})</p>"
        )
    parts.extend(f'<div class="chart">{chart}</div>' for chart in charts)
    for tuning in data["tunings"]:
        parts.append(f"<h4>Power tuning of {escape(tuning['function'])}</h4>")
        parts.append(f"<p>{escape(tuning['why'])}</p><pre>{escape(tuning['table'])}</pre>")
    return "".join(parts)


def money(amount: str, currency: str = "USD") -> str:
    """A decimal amount in plain figures (`0.0000041250 USD`, never `4.125E-6`)."""
    text = format(Decimal(amount), "f")
    if "." in text:
        whole, fraction = text.split(".")
        text = f"{whole}.{fraction[:10].ljust(2, '0')}"
    return f"{text} {currency}"


def actions_part(
    functions: Iterable[str],
    queues: Iterable[str],
    dead_letters: Iterable[str],
    buckets: Iterable[str],
    families: Iterable[str],
) -> str:
    def options(names: Iterable[str]) -> str:
        return "".join(f'<option value="{escape(n)}">{escape(n)}</option>' for n in names)

    function_options, queue_options = options(functions), options(queues)
    return f"""
<form data-action="api/actions/invoke" id="invoke-form"><h3>Invoke</h3>
<label>Function <select name="function">{function_options}</select></label>
<label>Event from <select id="event-family"><option value="">(your own)</option>
{options(families)}</select></label>
<label>Type <select name="invocation_type"><option>RequestResponse</option><option>Event</option>
</select></label>
<textarea name="event" rows="8" spellcheck="false">{{}}</textarea>
<button type="submit">Invoke</button></form>
<form data-action="api/actions/send-message"><h3>Send a message</h3>
<label>Queue <select name="queue">{queue_options}</select></label>
<textarea name="body" rows="3">{{"hello": "world"}}</textarea>
<button type="submit">Send</button></form>
<form data-action="api/actions/put-object"><h3>Put an object</h3>
<label>Bucket <select name="bucket">{options(buckets)}</select></label>
<label>Key <input name="key" value="hello.txt"></label>
<textarea name="body" rows="3">hello</textarea><button type="submit">Put</button></form>
<form data-action="api/actions/redrive"><h3>Redrive a dead-letter queue</h3>
<label>Queue <select name="queue">{options(dead_letters)}</select></label>
<button type="submit">Redrive</button></form>
<form data-action="api/actions/concurrency"><h3>Concurrency</h3>
<label>Function <select name="function">{function_options}</select></label>
<label>Reserved <input name="reserved_concurrency" data-type="int-or-none"
placeholder="unchanged; none removes it"></label>
<label>Provisioned <input name="provisioned_concurrency" type="number" min="0" data-type="int"
placeholder="unchanged"></label><button type="submit">Set</button></form>
<form data-action="api/actions/tune"><h3>Power tuning</h3>
<label>Function <select name="function">{function_options}</select></label>
<label>Memory (MB) <input name="memory" value="128,256,512,1024" data-type="list"></label>
<label>Invocations <input name="invocations" type="number" value="10" data-type="int"></label>
<textarea name="event" rows="2">{{}}</textarea><button type="submit">Tune</button></form>
<pre id="action-result" class="result"></pre>"""


def fragment(section: str, body: str) -> str:
    return f'<div class="part" data-part="{escape(section)}">{body}</div>'


def page(app_name: str, base: str, parts: Mapping[str, str]) -> str:
    """The whole page: the navigation and every section (the first one shown)."""
    nav = "".join(
        f'<a href="#{name}" data-show="{name}">{name.capitalize()}</a>' for name in SECTIONS
    )
    sections = "".join(
        f'<section id="{name}" data-section="{name}"'
        f"{'' if name == 'functions' else ' hidden'}><h2>{name.capitalize()}</h2>"
        f"{fragment(name, parts[name])}</section>"
        for name in SECTIONS
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<base href="{escape(base)}">
<title>{escape(app_name)} · faaslib console</title>
<link rel="stylesheet" href="static/console.css">
<script src="static/console.js" defer></script>
</head><body>
<header><h1>faaslib console · <span>{escape(app_name)}</span></h1><nav>{nav}</nav></header>
<main>{sections}</main>
</body></html>
"""


INVOCATIONS_PART = """
<p>Live: each invocation as it ends (<span id="feed-state">connecting…</span>).
Choose one to read its log, event and response.</p>
<div id="detail" hidden><h3>Invocation <span id="detail-id"></span></h3>
<h4>Log</h4><pre id="detail-log"></pre><h4>Event</h4><pre id="detail-event"></pre>
<h4>Response</h4><pre id="detail-response"></pre></div>
<table id="feed"><thead><tr><th>Ended (UTC)</th><th>Request id</th><th>Function</th><th>Source</th>
<th>Status</th><th>Duration (ms)</th><th>Billed (ms)</th><th>Cold start</th></tr></thead>
<tbody></tbody></table>"""

METRICS_PART = """
<p><label>Function <select id="metrics-function"><option value="">(all)</option>{options}
</select></label> Sampled once a second; counts per second.</p>
<div id="charts"></div>"""
