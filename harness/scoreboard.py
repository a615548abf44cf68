"""The scoreboard printed at the end of a grading run: every exercise's latest points, then what to fix.

The table shows the latest result of every exercise graded so far (progress.json), this run's and
earlier ones; the failing checks listed are this run's. A run over several exercises keeps a first
run short: an exercise whose files are still the starter's (starters.lock) gets one line, and checks waiting on another failing check
are counted, not repeated (--all-failures lists everything).
"""

from __future__ import annotations

from collections.abc import Iterable
from io import StringIO
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .progress import headline, number, status_text
from .report_types import CheckReport, ExerciseReport, GradeReport
from .results import BLOCKED, ERROR, FAILED, PARTIAL

BAR_WIDTH = 20
NOT_STARTED = "not started: {title} ({id}): open {folder}/README.md, step 1 (`course grade {id}` lists its {count} checks)"
WAITING = "{count} more check(s) of {title} wait for the ones above to pass: {titles}"


def bar(points: float, maximum: float, width: int = BAR_WIDTH) -> str:
    filled = round(width * points / maximum) if maximum else 0
    return "█" * filled + "░" * (width - filled)


def _table(view: GradeReport, backend: str) -> Table:
    table = Table(show_edge=False, box=None, pad_edge=False)
    for name, justify in (("Week", "right"), ("Exercise", "left"), ("Points", "right"), ("Progress", "left"), ("Status", "left")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for exercise in view["exercises"]:
        status = status_text(exercise)
        if exercise["not_graded"]:
            status += f", {exercise['not_graded']} not graded on {backend}"
        style = "green" if exercise["status"] == "complete" else "red" if exercise["status"] == "error" else "yellow"
        if exercise.get("earlier_run"):  # type: ignore[typeddict-item]
            style = "dim " + style
        table.add_row(
            str(exercise["week"]),
            f"{exercise['title']} ({exercise['id']})" + (" optional" if exercise.get("optional") else ""),
            f"{number(exercise['points'])}/{number(exercise['max'])}",
            Text(bar(exercise["points"], exercise["max"]), style=style),
            status,
        )
    return table


def _print_check(console: Console, exercise: ExerciseReport, check: CheckReport) -> None:
    console.print(
        Text(f"\n✗ {exercise['title']} › {check['title']}  ({number(check['points'])}/{number(check['max'])})", style="bold red")
    )
    console.print(Text(check["message"]))
    if check["hint"]:
        console.print(Text(f"Hint: {check['hint']}", style="cyan"))
    if check["read"]:
        console.print(Text(f"Read: {check['read']}", style="dim"))
    from .quiz.topics import topic_line  # the exam task statements whose questions cite this check

    topic = topic_line(exercise["id"], check["id"])
    if topic:
        console.print(Text(topic, style="dim"))


def _failures_first(exercises: Iterable[ExerciseReport]) -> list[ExerciseReport]:
    """Exercises in progress (points to build on) before those with none yet."""
    return sorted(exercises, key=lambda exercise: (bool(exercise.get("starter_untouched")), exercise["points"] == 0))


def _print_failures(console: Console, report: GradeReport, *, show_all: bool) -> None:
    short = not show_all and len(report["exercises"]) > 1
    for exercise in _failures_first(report["exercises"]):
        for error in exercise["errors"]:
            console.print(Text(f"\n{exercise['title']}: {error}", style="red"))
        checks = [c for c in exercise["checks"] if c["outcome"] in (FAILED, PARTIAL, BLOCKED, ERROR)]
        if short and exercise.get("starter_untouched") and not exercise["errors"]:
            console.print(Text("\n" + NOT_STARTED.format(count=len(checks), **exercise), style="yellow"))
            continue
        waiting = [c for c in checks if c["outcome"] == BLOCKED] if not show_all else []
        for check in checks:
            if check not in waiting:
                _print_check(console, exercise, check)
        if waiting:
            titles = "; ".join(c["title"] for c in waiting)
            console.print(Text("\n⧗ " + WAITING.format(count=len(waiting), title=exercise["title"], titles=titles), style="yellow"))


def render(
    report: GradeReport, *, color: bool, width: int, report_dir: str, view: GradeReport | None = None, show_all: bool = False
) -> str:
    """``report`` is this run's; ``view`` every exercise's latest result (progress.json), when known."""
    view = view or report
    console = Console(file=StringIO(), force_terminal=color, no_color=not color, width=width, highlight=False)
    console.rule(headline(report["course"]["name"], view["totals"]))
    console.print(_table(view, report["backend"]["name"]))
    _print_failures(console, report, show_all=show_all)
    for error in report["harness_errors"]:
        console.print(Text(f"\nHarness error: {error}", style="bold red"))
    totals = view["totals"]
    if totals.get("optional_max") and totals.get("max"):
        console.print(
            f"\nOptional extensions (not in the total): {number(totals['optional_points'])} / {number(totals['optional_max'])} points"
        )
    if len(view["exercises"]) > len(report["exercises"]):
        console.print("\nDimmed rows are earlier runs' results (progress.json); `course status` shows the whole course.")
    backend = report["backend"]
    endpoint = backend.get("endpoint") or ""  # parallel workers' own emulators are comma-separated
    where = (", one emulator per worker at " if "," in endpoint else " at ") + endpoint if endpoint else ""
    # Text, not markup: "pyproject.toml [tool.course]" is not a style tag
    console.print(Text(f"\nBackend: {backend['name']}{where} (chosen by {backend['chosen_by']})"))
    console.print(Text(f"Reports: {report_dir}/grade-report.json, {report_dir}/grade-summary.md"))
    return console.file.getvalue()  # type: ignore[attr-defined]


def print_scoreboard(
    report: GradeReport, terminalreporter: Any, *, report_dir: str, view: GradeReport | None = None, show_all: bool = False
) -> None:
    writer = terminalreporter._tw
    text = render(
        report, color=writer.hasmarkup, width=max(60, writer.fullwidth), report_dir=report_dir, view=view, show_all=show_all
    )
    terminalreporter.write(text)
