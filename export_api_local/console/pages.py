"""The console's HTML: a page frame, the jobs page, the job page, sign-in and problem pages.

Plain server-rendered HTML (no framework, no build): landmarks and headings for screen readers, real
tables with captions and scoped headers, a visible focus ring, and the SVG graph beside a text list
of the same path, so nothing is said by colour or picture alone.
"""

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import urlencode

from export_api_local.console.execution import Path, path_of
from export_api_local.console.graph import render_svg
from export_api_local.console.redact import pretty, readable

JOB_STATUSES = ("pending", "in_progress", "completed", "completed_with_errors", "failed")
ITEM_STATUSES = ("successful", "failed", "in_progress", "pending", "abandoned")
ITEM_STATUS_WORDS = {
    "successful": "successful",
    "failed": "failed",
    "in_progress": "in progress",
    "pending": "pending",
    "abandoned": "abandoned",
}


def frame(title: str, body: str, *, signed_in: bool = True, main_attributes: str = "", head: str = "") -> str:
    sign_out = (
        '<form method="post" action="/console/sign-out"><button type="submit">Sign out</button></form>'
        if signed_in
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · Export API console</title>
<link rel="stylesheet" href="/console/static/console.css">
<link rel="icon" href="data:,">
{head}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a href="/console">Export API · job console</a>
  <nav aria-label="Console"><ul>
    <li><a href="/console">Jobs</a></li>
    <li><a href="/docs/admin">Admin API</a></li>
  </ul></nav>
  {sign_out}
</header>
<main id="main" {main_attributes}>
{body}
</main>
<script src="/console/static/refresh.js" defer></script>
</body>
</html>
"""


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def ago(moment: datetime, now: datetime) -> str:
    seconds = (now - moment).total_seconds()
    if seconds < 0:
        return "in the future"
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size:.0f} {unit} ago"
    return f"{seconds:.0f} s ago"


def when(text: str | None, now: datetime | None = None, relative: bool = True) -> str:
    moment = _parse(text)
    if moment is None:
        return '<span class="counts">—</span>'
    shown = moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    extra = f' <span class="counts">({ago(moment, now or datetime.now(UTC))})</span>' if relative else ""
    return f'<time datetime="{escape(moment.isoformat())}">{shown} UTC</time>{extra}'


def status_badge(status: str) -> str:
    return f'<span class="status status-{escape(status)}">{escape(status.replace("_", " "))}</span>'


def item_bar(counts: Mapping[str, int], total: int) -> str:
    segments = "".join(
        f'<span class="seg-{s}" style="width:{100 * counts.get(s, 0) / total:.2f}%"></span>'
        for s in ITEM_STATUSES
        if total and counts.get(s, 0)
    )
    words = ", ".join(f"<b>{counts[s]}</b> {ITEM_STATUS_WORDS[s]}" for s in ITEM_STATUSES if counts.get(s, 0))
    return f'<div class="bar" aria-hidden="true">{segments}</div><div class="counts">{words or "no items"}</div>'


def short(identifier: str) -> str:
    return identifier[:8] + "…"


def link(path: str, query: Iterable[tuple[str, str]] = ()) -> str:
    pairs = [(k, v) for k, v in query if v]
    return path + ("?" + urlencode(pairs) if pairs else "")


# Jobs -----------------------------------------------------------------------------------------------


def jobs_page(
    jobs: Sequence[Mapping[str, Any]],
    pagination: Mapping[str, Any],
    filters: Mapping[str, Any],
    problem: str | None = None,
) -> str:
    now = datetime.now(UTC)
    company = str(filters.get("company_id") or "")
    status = str(filters.get("status") or "")
    limit = str(filters.get("limit") or "")
    companies = sorted({str(job["companyId"]) for job in jobs})
    options = "".join(
        f'<option value="{s}"{" selected" if s == status else ""}>{s.replace("_", " ")}</option>' for s in JOB_STATUSES
    )
    datalist = "".join(f'<option value="{escape(c)}"></option>' for c in companies)
    rows = []
    for job in jobs:
        job_id = str(job["id"])
        company_id = str(job["companyId"])
        counts = {k: int(v) for k, v in (job.get("itemCounts") or {}).items()}
        rows.append(
            f"""<tr>
  <th scope="row"><a class="mono" href="/console/jobs/{escape(job_id)}"
      title="{escape(job_id)}">{short(job_id)}</a></th>
  <td><a class="mono" href="{escape(link("/console", [("company_id", company_id), ("status", status)]))}"
      title="Only company {escape(company_id)}">{short(company_id)}</a></td>
  <td>{status_badge(str(job["status"]))}</td>
  <td class="num">{int(job.get("numberOfItems", 0))}</td>
  <td>{item_bar(counts, int(job.get("numberOfItems", 0)))}</td>
  <td>{when(job.get("createdAt"), now)}</td>
  <td>{when(job.get("lastUpdatedAt"), now)}</td>
</tr>"""
        )
    table = (
        f"""<div class="table-wrap"><table>
<caption>Newest first. {len(jobs)} job(s) on this page{_total(pagination)}.</caption>
<thead><tr><th scope="col">Job</th><th scope="col">Company</th><th scope="col">Status</th>
<th scope="col" class="num">Items</th><th scope="col">Items by status</th><th scope="col">Created</th>
<th scope="col">Updated</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></div>"""
        if rows
        else '<p class="card">No jobs match these filters.</p>'
    )
    keep = [("company_id", company), ("status", status), ("limit", limit)]
    newer = (
        f'<a href="{escape(link("/console", [*keep, ("before", str(pagination["startCursor"]))]))}">← Newer</a>'
        if pagination.get("hasPreviousPage") and pagination.get("startCursor")
        else '<span class="disabled">← Newer</span>'
    )
    older = (
        f'<a href="{escape(link("/console", [*keep, ("after", str(pagination["endCursor"]))]))}">Older →</a>'
        if pagination.get("hasNextPage") and pagination.get("endCursor")
        else '<span class="disabled">Older →</span>'
    )
    json_link = link("/console/jobs.json", [*keep, ("after", str(filters.get("after") or ""))])
    problem_html = f'<p class="problem" role="alert">{escape(problem)}</p>' if problem else ""
    body = f"""<h1>Export jobs</h1>
{problem_html}
<form class="filters" method="get" action="/console" role="search" aria-label="Filter jobs">
  <label>Company
    <input type="text" name="company_id" value="{escape(company)}" list="companies" placeholder="any company"
      inputmode="text" autocomplete="off" spellcheck="false">
  </label>
  <datalist id="companies">{datalist}</datalist>
  <label>Status
    <select name="status"><option value="">any status</option>{options}</select>
  </label>
  <button class="primary" type="submit">Filter</button>
  <a href="/console">Clear filters</a>
</form>
{table}
<nav class="pages" aria-label="Pages">{newer}{older}
  <a href="{escape(json_link)}">This page as JSON</a></nav>"""
    return frame("Jobs", body)


def _total(pagination: Mapping[str, Any]) -> str:
    total = pagination.get("total")
    return f", {total} in all" if isinstance(total, int) else ""


# One job --------------------------------------------------------------------------------------------


def _version(job: Mapping[str, Any], execution: Mapping[str, Any] | None) -> str:
    """Changes when the job or its execution does (the refresh swaps the page in only then)."""
    parts = [str(job.get("status")), str(job.get("lastUpdatedAt")), str(job.get("itemCounts"))]
    if execution:
        parts += [str(execution.get("status")), str(len(execution.get("events", [])))]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def _facts(job: Mapping[str, Any], now: datetime) -> str:
    facts = [
        ("Status", status_badge(str(job["status"]))),
        (
            "Company",
            f'<a class="mono" href="/console?company_id={escape(str(job["companyId"]))}">{job["companyId"]}</a>',
        ),
        ("Items", str(job.get("numberOfItems", 0))),
        ("Created", when(job.get("createdAt"), now)),
        ("Updated", when(job.get("lastUpdatedAt"), now)),
        ("Started", when(job.get("startedAt"), now)),
        ("Completed", when(job.get("completedAt"), now)),
    ]
    if job.get("expiredAt"):
        facts.append(("Expired", when(job.get("expiredAt"), now)))
    if job.get("failureReasonType") or job.get("failureReason"):
        reason = escape(str(job.get("failureReasonType") or ""))
        facts.append(("Failure", f"<b>{reason}</b> {escape(str(job.get('failureReason') or ''))}"))
    return '<dl class="facts">' + "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in facts) + "</dl>"


def _duration(milliseconds: float) -> str:
    if milliseconds < 1000:
        return f"{milliseconds:.0f} ms"
    if milliseconds < 120_000:
        return f"{milliseconds / 1000:.1f} s"
    if milliseconds < 7_200_000:
        return f"{milliseconds / 60_000:.0f} min"
    return f"{milliseconds / 3_600_000:.1f} h"


def _path_list(path: Path) -> str:
    rows = []
    for step in path.steps:
        marks = "".join(
            f'<span class="mark {cls}">{word}</span>'
            for cls, word, on in (
                ("current", "▶ running now", step.current),
                ("failed", "✕ failed here", step.failed),
                ("errored", "⚠ task error", step.errored),
            )
            if on
        )
        rows.append(
            f'<li><span class="n">{step.number}.</span>'
            f'<span><a href="#events-{escape(step.state)}">{escape(step.state)}</a>{marks}</span>'
            f'<span class="ms">{_duration(step.milliseconds)}</span></li>'
        )
    return f'<ol class="path" aria-label="States entered, in order">{"".join(rows)}</ol>'


def _execution_facts(execution: Mapping[str, Any], now: datetime) -> str:
    start = _parse(execution.get("startDate"))
    stop = _parse(execution.get("stopDate"))
    took = _duration(((stop or now) - start).total_seconds() * 1000) if start else "—"
    facts = [
        ("Execution", status_badge(str(execution["status"]))),
        ("Started", when(execution.get("startDate"), now)),
        ("Stopped", when(execution.get("stopDate"), now)),
        ("Duration", took + ("" if stop else " so far")),
        ("State transitions", str(execution.get("stateTransitions", 0))),
    ]
    if execution.get("error") or execution.get("cause"):
        facts.append(
            (
                "Error",
                f"<b>{escape(str(execution.get('error') or ''))}</b> {escape(str(execution.get('cause') or ''))}",
            )
        )
    arn = (
        f'<div class="wide"><dt>Execution ARN</dt><dd class="mono">{escape(str(execution["executionArn"]))}</dd></div>'
    )
    return '<dl class="facts">' + "".join(f"<div><dt>{k}</dt><dd>{v}</dd></div>" for k, v in facts) + arn + "</dl>"


_SHOWN_DETAILS = ("input", "output", "parameters", "error", "cause", "resource", "resourceType", "timeoutInSeconds")


def _event_rows(execution: Mapping[str, Any]) -> str:
    start = _parse(execution.get("startDate"))
    rows = []
    anchored: set[str] = set()
    for event in execution.get("events", []):
        state = str(event.get("stateName") or "")
        kind = str(event.get("type", ""))
        moment = _parse(event.get("timestamp"))
        offset = f"+{(moment - start).total_seconds() * 1000:.0f} ms" if moment and start else ""
        details = readable(event.get("details") or {})
        problem = " ".join(str(details[k]) for k in ("error", "cause") if isinstance(details, dict) and details.get(k))
        blocks = []
        if isinstance(details, dict):
            for key in _SHOWN_DETAILS:
                if key in details and key not in ("error", "cause"):
                    value = details[key]
                    if isinstance(value, dict | list):
                        blocks.append(
                            f"<details><summary>{escape(key)}</summary>"
                            f'<pre class="json">{escape(pretty(value))}</pre></details>'
                        )
                    else:
                        blocks.append(f'<div><span class="counts">{escape(key)}:</span> {escape(str(value))}</div>')
        anchor = ""
        if state and state not in anchored and kind.endswith("StateEntered"):
            anchored.add(state)
            anchor = f' id="events-{escape(state)}"'
        failed = kind.endswith(("Failed", "TimedOut", "Aborted"))
        rows.append(
            f"""<tr{anchor}{' class="ev-failed"' if failed else ""}>
  <td class="num">{int(event.get("id", 0))}</td>
  <td>{when(event.get("timestamp"), relative=False)}<div class="counts">{offset}</div></td>
  <td>{escape(kind)}</td>
  <td>{escape(state)}</td>
  <td>{f'<div class="error">{escape(problem)}</div>' if problem else ""}{"".join(blocks)}</td>
</tr>"""
        )
    return "".join(rows)


def _items_section(job: Mapping[str, Any], items: Mapping[str, Any] | None, item_status: str) -> str:
    job_id = str(job["id"])
    counts = {k: int(v) for k, v in (job.get("itemCounts") or {}).items()}
    total = int(job.get("numberOfItems", 0))

    def choice(status: str, words: str) -> str:
        target = link(f"/console/jobs/{job_id}", [("item_status", status)]) + "#items"
        current = ' aria-current="true"' if status == item_status else ""
        return f'<a href="{escape(target)}"{current}>{words}</a>'

    chooser = " ".join(
        [
            choice("", f"all ({total})"),
            *(choice(s, f"{ITEM_STATUS_WORDS[s]} ({counts.get(s, 0)})") for s in ITEM_STATUSES),
        ]
    )
    rows = []
    data = (items or {}).get("data", [])
    for item in data:
        failure = " ".join(str(item.get(k) or "") for k in ("failureReasonType", "failureReason")).strip()
        rows.append(
            f"""<tr><th scope="row" class="mono">{escape(str(item["accountingEntryId"]))}</th>
<td>{status_badge(str(item["status"]))}</td><td>{when(item.get("exportedAt"), relative=False)}</td>
<td class="mono">{escape(str(item.get("externalId") or ""))}</td><td>{escape(failure)}</td></tr>"""
        )
    pagination = (items or {}).get("pagination", {})
    more = ""
    if pagination.get("hasNextPage") and pagination.get("endCursor"):
        target = link(
            f"/console/jobs/{job_id}", [("item_status", item_status), ("items_after", pagination["endCursor"])]
        )
        more = f'<p><a href="{escape(target)}#items">Next items →</a></p>'
    table = (
        f"""<div class="table-wrap"><table>
<caption>{len(data)} item(s) shown, by accounting entry id.</caption>
<thead><tr><th scope="col">Accounting entry</th><th scope="col">Status</th><th scope="col">Exported</th>
<th scope="col">External id</th><th scope="col">Failure</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></div>{more}"""
        if rows
        else "<p>No items in this status.</p>"
    )
    return f"""<section aria-labelledby="items"><h2 id="items">Items by status</h2>
<div class="card">{item_bar(counts, total)}
<p>Show: {chooser}</p></div>
{table}</section>"""


def _fault_effect(fault: Mapping[str, Any]) -> str:
    if fault.get("delayMilliseconds") is not None:
        return f"delayed {int(fault['delayMilliseconds'])} ms"
    retry = f", Retry-After {int(fault['retryAfterSeconds'])} s" if fault.get("retryAfterSeconds") is not None else ""
    return f"answers {int(fault['status'])}{retry}"


def test_helpers_section(company_id: str, state: Mapping[str, Any] | None, now: datetime) -> str:
    """The company's test clock and pending faults (admin API's test helpers); nothing where they are off."""
    if state is None:
        return ""
    clock = state["clock"]
    advanced = int(clock["advancedSeconds"])
    faults = state.get("faults") or []
    if faults:
        rows = "".join(
            f'<tr><td class="mono">{escape(str(f["id"]))}</td><td><code>{escape(str(f["operation"]))}</code></td>'
            f'<td>{escape(_fault_effect(f))}</td><td class="num">{int(f["remaining"])}</td>'
            f"<td>{escape(str(f.get('createdBy', '')))}</td></tr>"
            for f in faults
        )
        fault_html = f"""<div class="table-wrap"><table>
<caption>Pending faults: the company's next requests to the operation take them, oldest first.</caption>
<thead><tr><th scope="col">Fault</th><th scope="col">Operation</th><th scope="col">Effect</th>
<th scope="col" class="num">Requests left</th><th scope="col">Injected by</th></tr></thead>
<tbody>{rows}</tbody></table></div>"""
    else:
        fault_html = "<p>No pending faults.</p>"
    return f"""<section aria-labelledby="test-helpers"><h2 id="test-helpers">Test helpers</h2>
<div class="card"><dl class="facts"><div><dt>Company test clock</dt><dd>{when(str(clock["now"]), now, relative=False)}
 <span class="counts">(advanced {advanced} s:
 <code>POST /admin/test-helpers/companies/{escape(company_id)}/clock:advance</code>)</span></dd></div></dl>
{fault_html}</div></section>"""


def job_page(
    job: Mapping[str, Any],
    execution: Mapping[str, Any] | None,
    definition: Mapping[str, Any],
    items: Mapping[str, Any] | None,
    item_status: str,
    execution_problem: str | None = None,
    test_helpers: Mapping[str, Any] | None = None,
) -> str:
    now = datetime.now(UTC)
    job_id = str(job["id"])
    running = bool(execution and execution.get("status") == "RUNNING")
    path = path_of(dict(execution), now) if execution else Path([], {}, set())
    machine = str((execution or {}).get("stateMachineArn", "")).rsplit(":", 1)[-1] or "ExportJobLifecycle"
    svg = render_svg(
        definition, path.visits, path.taken, title=f"State machine {machine}, as this job's execution went"
    )
    if execution:
        summary = _execution_facts(execution, now)
        path_html = _path_list(path)
        history = f"""<section aria-labelledby="events"><h2 id="events">Event history</h2>
<div class="table-wrap"><table>
<caption>Every event of the execution (GetExecutionHistory), oldest first. Task tokens and secrets are hidden.</caption>
<thead><tr><th scope="col" class="num">#</th><th scope="col">Time</th><th scope="col">Type</th>
<th scope="col">State</th><th scope="col">Details</th></tr></thead>
<tbody>{_event_rows(execution)}</tbody></table></div></section>"""
    else:
        summary = f'<p class="problem">{escape(execution_problem or "This job has no execution.")}</p>'
        path_html = "<p>No states entered.</p>"
        history = ""
    json_links = f"""<ul class="json-links" aria-label="The same data as JSON">
<li><a href="/console/jobs/{escape(job_id)}/job.json">Job (JSON)</a></li>
<li><a href="/console/jobs/{escape(job_id)}/execution.json">Execution and history (JSON)</a></li>
<li><a href="/console/jobs/{escape(job_id)}/items.json">Items (JSON)</a></li>
<li><span class="counts">Admin API: <code>GET /admin/export-jobs/{escape(job_id)}</code>,
  <code>…/execution</code>, <code>…/items</code></span></li>
</ul>"""
    refresh_note = (
        '<p class="note" role="status">The execution is running: this page refreshes by itself every few seconds.</p>'
        if running
        else ""
    )
    body = f"""<p class="crumbs"><a href="/console">Jobs</a> / <span class="mono">{escape(job_id)}</span></p>
<h1>Job <span class="mono">{escape(job_id)}</span></h1>
<div class="card">{_facts(job, now)}{json_links}</div>
<section aria-labelledby="execution"><h2 id="execution">Execution</h2>
{refresh_note}
<div class="card">{summary}</div>
<div class="execution" style="margin-top:1rem">
  <figure class="graph-wrap" style="margin:0">
    {svg}
    <figcaption><ul class="legend" aria-label="Legend">
      <li class="l-idle">not entered</li><li class="l-visited">entered (number: order)</li>
      <li class="l-current">running now</li><li class="l-failed">failed here</li>
      <li class="l-errored">task error caught or retried</li>
    </ul></figcaption>
  </figure>
  <div class="card"><h3 style="margin-top:0">Path taken</h3>{path_html}</div>
</div></section>
{_items_section(job, items, item_status)}
{test_helpers_section(str(job["companyId"]), test_helpers, now)}
{history}"""
    attributes = f'data-version="{_version(job, execution)}"' + (' data-refresh="3"' if running else "")
    head = '<noscript><meta http-equiv="refresh" content="5"></noscript>' if running else ""
    return frame(f"Job {short(job_id)}", body, main_attributes=attributes, head=head)


# Signing in and problems --------------------------------------------------------------------------


def sign_in_page(problem: str | None = None, next_path: str = "/console") -> str:
    problem_html = f'<p class="problem" role="alert">{escape(problem)}</p>' if problem else ""
    body = f"""<div class="signin card">
<h1>Sign in</h1>
<p>The console reads through the admin API: it needs a credential with the <code>admin</code> scope,
the same as <code>/admin/…</code>. Under <code>make run</code> it is <code>admin.bearerToken</code> in
<code>.local/demo.json</code> (<code>jq -r .admin.bearerToken .local/demo.json</code>). Tools can send an
<code>Authorization</code> header instead.</p>
{problem_html}
<form method="post" action="/console/sign-in">
  <label for="token">Admin bearer token</label>
  <input id="token" name="token" type="password" autocomplete="off" required spellcheck="false">
  <input type="hidden" name="next" value="{escape(next_path)}">
  <button class="primary" type="submit">Sign in</button>
</form></div>"""
    return frame("Sign in", body, signed_in=False)


def problem_page(title: str, message: str) -> str:
    body = (
        f'<p class="crumbs"><a href="/console">Jobs</a></p><h1>{escape(title)}</h1>'
        f'<p class="problem">{escape(message)}</p>'
    )
    return frame(title, body)
