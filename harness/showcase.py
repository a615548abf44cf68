"""reports/<exercise>-showcase.md: one page for presenting what an exercise deployed (the capstone's).

Rendered from the report alone: the exercise's grade and checks, and the ``showcase`` its deploy check
recorded from the backend (harness/kit/deployment_summary.py): an architecture diagram in Mermaid (GitHub
renders it), the endpoints, each function's role in brief, the event sources, the alarms and the stack's
resources. grade-summary.md links each page.
"""

from __future__ import annotations

import re
from pathlib import Path

from .progress import number, status_text, when
from .report_types import ExerciseReport, GradeReport, Showcase, ShowcaseFunction, ShowcaseStatement

PAGE_NAME = "{exercise}-showcase.md"
LIVE_URLS = (
    "These URLs were served by the grading run's own emulator, which stopped when the run ended. To show the "
    "service live, deploy it on `course backend up` and run `course backend apis`: it prints the URLs it serves now."
)
FROM_BACKEND = "Read from the backend after the deploy check ran (no student code was run to write this page)."
MAX_ROUTES_ON_ARROW = 6


def page_name(exercise_id: str) -> str:
    return PAGE_NAME.format(exercise=exercise_id)


def write_showcases(report: GradeReport, directory: Path) -> list[Path]:
    """A page for every exercise of the report (the summary view: each one's latest full result) that
    carries a showcase."""
    written = []
    for exercise in report["exercises"]:
        if exercise.get("showcase"):
            path = directory / page_name(exercise["id"])
            path.write_text(render_showcase(exercise, report), encoding="utf-8")
            written.append(path)
    return written


# ------------------------------------------------------------------------------------------ page


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render_showcase(exercise: ExerciseReport, report: GradeReport) -> str:
    showcase: Showcase = exercise["showcase"]  # type: ignore[typeddict-item]
    earlier = exercise.get("earlier_run") or {}  # type: ignore[typeddict-item]
    graded_at = earlier.get("graded_at") or report["finished_at"]
    commit = earlier.get("git_commit", report["git_commit"]) if earlier else report["git_commit"]
    lines = [
        f"# Showcase: {exercise['title']} (`{exercise['id']}`)",
        "",
        f"**{number(exercise['points'])} / {number(exercise['max'])} points ({exercise['percent']:g}%)**, "
        f"{status_text(exercise)} · graded {when(graded_at)}" + (f" · commit `{commit[:12]}`" if commit else ""),
        "",
        "| Check | Points |",
        "| :--- | ---: |",
        *(f"| {_cell(c['title'])} | {number(c['points'])} / {number(c['max'])}"
          + (" (not graded here)" if c["outcome"] == "not_graded" else "") + " |" for c in exercise["checks"]),
        "",
        f"## What was deployed: the stack `{showcase['stack']}`",
        "",
        FROM_BACKEND,
        "",
    ]
    if showcase["problem"]:
        lines += [f"> {showcase['problem']}", ""]
    if not showcase["resources"]:
        return "\n".join(lines) + "\n"
    absent = [what for what, there in (("no REST API stage serves a route", showcase["endpoints"]),
                                       ("no function reads an event source", showcase["event_sources"]),
                                       ("no alarm watches a function", [a for a in showcase["alarms"] if a["function"]]))
              if not there]
    if absent:
        lines += [f"Not deployed yet: {'; '.join(absent)}.", ""]
    lines += ["```mermaid", *diagram(showcase), "```", ""]
    lines += _endpoints(showcase) + _functions(showcase) + _event_sources(showcase) + _alarms(showcase) + _resources(showcase)
    return "\n".join(lines) + "\n"


def _endpoints(showcase: Showcase) -> list[str]:
    if not showcase["endpoints"]:
        return ["## Endpoints", "", "No REST API stage of the stack serves a route.", ""]
    lines = ["## Endpoints", "", LIVE_URLS, "", "| Method | Path | Authorization | Function | URL during grading |",
             "| :--- | :--- | :--- | :--- | :--- |"]
    lines += [f"| {e['method']} | `{e['path']}` | {e['authorization']} | {e['function'] or '(not a Lambda proxy)'} | {e['url']} |"
              for e in showcase["endpoints"]]
    return lines + [""]


def short_arn(arn: str) -> str:
    """arn:aws:dynamodb:us-east-1:123456789012:table/Orders -> table/Orders; '*' and other text as given."""
    parts = arn.split(":", 5)
    return parts[5] if len(parts) == 6 and parts[0] == "arn" else arn


def _policy_name(policy: str) -> str:
    """'inline policy X' stays; 'AWS managed policy arn:aws:iam::aws:policy/service-role/N' -> 'AWS managed policy N'."""
    kind, _, name = policy.rpartition(" ")
    return f"{kind} {name.rsplit('/', 1)[-1]}" if name.startswith("arn:") else policy


def permissions_in_brief(statements: list[ShowcaseStatement]) -> str:
    by_policy: dict[str, list[str]] = {}
    for s in statements:
        text = f"{s['effect']} {', '.join(s['actions'])} on {', '.join(short_arn(r) for r in s['resources']) or '(no resource)'}"
        by_policy.setdefault(_policy_name(s["policy"]), []).append(text + (" (with a condition)" if s["conditional"] else ""))
    return "<br>".join(f"{policy}: {'; '.join(texts)}" for policy, texts in by_policy.items()) or "no policy"


def _tables_of(function: ShowcaseFunction) -> str:
    return "; ".join(f"{t['table']}: {', '.join(t['actions'])}" for t in function["tables"]) or "none"


def _functions(showcase: Showcase) -> list[str]:
    if not showcase["functions"]:
        return []
    lines = ["## Functions and their roles", "", "| Function | Role | Tables it may use | Permissions in brief |",
             "| :--- | :--- | :--- | :--- |"]
    lines += [f"| {f['logical_id']} (`{f['name']}`) | `{f['role']}` | {_cell(_tables_of(f))} | {_cell(permissions_in_brief(f['statements']))} |"
              for f in showcase["functions"]]
    return lines + [""]


def _event_sources(showcase: Showcase) -> list[str]:
    if not showcase["event_sources"]:
        return []
    lines = ["## Event sources", "", "| Source | Kind | Function | Batch size | Starting position | State |",
             "| :--- | :--- | :--- | ---: | :--- | :--- |"]
    lines += [f"| {m['source']} | {m['kind']} | {m['function']} | {m['batch_size'] if m['batch_size'] is not None else ''} "
              f"| {m['starting_position'] or ''} | {m['state']} |" for m in showcase["event_sources"]]
    return lines + [""]


def _alarms(showcase: Showcase) -> list[str]:
    if not showcase["alarms"]:
        return ["## Alarms", "", "None.", ""]
    lines = ["## Alarms", "", "| Alarm | Metric | Dimensions | Goes to ALARM when |", "| :--- | :--- | :--- | :--- |"]
    lines += [f"| {a['logical_id'] or ''} {_code(a['name'])} | {a['metric']} | {_cell(', '.join(a['dimensions']))} | {a['condition']} |"
              for a in showcase["alarms"]]
    return lines + [""]


def _code(text: str) -> str:
    return f"`{_cell(text)}`" if text else ""


def _resources(showcase: Showcase) -> list[str]:
    lines = [f"## The stack's resources ({len(showcase['resources'])})", "", "| Logical id | Type | Physical id | Status |",
             "| :--- | :--- | :--- | :--- |"]
    lines += [f"| {r['logical_id']} | {r['type']} | {_code(r['physical_id'])} | {r['status']} |" for r in showcase["resources"]]
    return lines + [""]


# --------------------------------------------------------------------------------------- diagram


def _id(kind: str, name: str) -> str:
    return f"{kind}_{re.sub(r'[^A-Za-z0-9_]', '_', name)}"


def _label(text: str) -> str:
    """Text inside a Mermaid quoted label: quotes and braces as entity codes, lines joined by <br/>."""
    return '"' + text.replace('"', "#quot;").replace("{", "#123;").replace("}", "#125;") + '"'


def diagram(showcase: Showcase) -> list[str]:
    """A Mermaid flowchart: callers -> API -> functions -> tables -> stream -> consumer -> tables, alarms
    on the functions they watch. Every arrow comes from the backend: an integration, a role's grant, a mapping."""
    lines = ["flowchart LR"]
    apis: dict[str, dict[str, list[str]]] = {}  # api -> function -> routes
    for e in showcase["endpoints"]:
        routes = apis.setdefault(f"{e['api']}|{e['stage']}|{e['authorization']}", {}).setdefault(e["function"] or "", [])
        if f"{e['method']} {e['path']}" not in routes:
            routes.append(f"{e['method']} {e['path']}")
    for key in apis:
        api, stage, authorization = key.split("|")
        lines.append(f"  {_id('api', api)}[{_label(f'{api}<br/>REST API, stage {stage}')}]")
        lines.append(f"  callers([callers]) -->|{_label(authorization)}| {_id('api', api)}")
    for f in showcase["functions"]:
        lines.append(f"  {_id('fn', f['logical_id'])}[{_label('λ ' + f['logical_id'])}]")
    for r in showcase["resources"]:
        if r["type"] == "AWS::DynamoDB::Table":
            lines.append(f"  {_id('table', r['logical_id'])}[({_label(r['logical_id'])})]")
    for key, functions in apis.items():
        api = key.split("|")[0]
        for function, routes in functions.items():
            shown = "<br/>".join(routes) if len(routes) <= MAX_ROUTES_ON_ARROW else f"{len(routes)} routes"
            target = _id("fn", function) if function else _id("other", api)
            lines.append(f"  {_id('api', api)} -->|{_label(shown)}| {target}")
    for f in showcase["functions"]:
        for access in f["tables"]:
            lines.append(f"  {_id('fn', f['logical_id'])} -->|{_label(', '.join(access['actions']))}| {_id('table', access['table'])}")
    for m in showcase["event_sources"]:
        source = _id("source", m["source"])
        shown = f"{m['source']} stream" if m["kind"] == "DynamoDB stream" else f"{m['source']} ({m['kind']})"
        lines.append(f"  {source}[/{_label(shown)}/]")
        if m["kind"] == "DynamoDB stream":
            lines.append(f"  {_id('table', m['source'])} -.->|changes| {source}")
        batch = f"batch {m['batch_size']}" if m["batch_size"] is not None else "mapping"
        lines.append(f"  {source} -->|{_label(batch)}| {_id('fn', m['function'])}")
    for index, a in enumerate(showcase["alarms"]):
        if a["function"]:
            name = a["logical_id"] or a["name"]
            lines.append(f"  {_id('alarm', str(index))}{{{{{_label('alarm ' + name)}}}}} -.->|watches| {_id('fn', a['function'])}")
    return lines
