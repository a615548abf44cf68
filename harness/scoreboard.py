"""The scoreboard printed at the end of a grading run: points per exercise, then what to fix."""

from __future__ import annotations

from io import StringIO
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .report_types import GradeReport
from .results import BLOCKED, ERROR, FAILED, PARTIAL

BAR_WIDTH = 20


def bar(points: float, maximum: float, width: int = BAR_WIDTH) -> str:
    filled = round(width * points / maximum) if maximum else 0
    return "█" * filled + "░" * (width - filled)


def render(report: GradeReport, *, color: bool, width: int, report_dir: str) -> str:
    console = Console(file=StringIO(), force_terminal=color, no_color=not color, width=width, highlight=False)
    totals = report["totals"]
    console.rule(f"{report['course']['name']}: {totals['points']:g} / {totals['max']:g} points ({totals['percent']:g}%)")
    table = Table(show_edge=False, box=None, pad_edge=False)
    table.add_column("Week", justify="right")
    table.add_column("Exercise")
    table.add_column("Points", justify="right")
    table.add_column("Progress")
    table.add_column("Status")
    for exercise in report["exercises"]:
        status = exercise["status"]
        if exercise["not_graded"]:
            status += f", {exercise['not_graded']} not graded on {report['backend']['name']}"
        style = "green" if exercise["status"] == "complete" else "red" if exercise["status"] == "error" else "yellow"
        table.add_row(
            str(exercise["week"]),
            f"{exercise['title']} ({exercise['id']})" + (" optional" if exercise.get("optional") else ""),
            f"{exercise['points']:g}/{exercise['max']:g}",
            Text(bar(exercise["points"], exercise["max"]), style=style),
            status,
        )
    console.print(table)
    for exercise in report["exercises"]:
        for error in exercise["errors"]:
            console.print(Text(f"\n{exercise['title']}: {error}", style="red"))
        for check in exercise["checks"]:
            if check["outcome"] not in (FAILED, PARTIAL, BLOCKED, ERROR):
                continue
            console.print(Text(f"\n✗ {exercise['title']} › {check['title']}  ({check['points']:g}/{check['max']:g})", style="bold red"))
            console.print(Text(check["message"]))
            if check["hint"]:
                console.print(Text(f"Hint: {check['hint']}", style="cyan"))
            if check["read"]:
                console.print(Text(f"Read: {check['read']}", style="dim"))
    for error in report["harness_errors"]:
        console.print(Text(f"\nHarness error: {error}", style="bold red"))
    if totals.get("optional_max"):
        console.print(f"\nOptional extensions (not in the total): {totals['optional_points']:g} / {totals['optional_max']:g} points")
    backend = report["backend"]
    where = f" at {backend['endpoint']}" if backend.get("endpoint") else ""
    console.print(f"\nBackend: {backend['name']}{where} (chosen by {backend['chosen_by']})")
    console.print(f"Reports: {report_dir}/grade-report.json, {report_dir}/grade-summary.md")
    return console.file.getvalue()  # type: ignore[attr-defined]


def print_scoreboard(report: GradeReport, terminalreporter: Any, *, report_dir: str) -> None:
    writer = terminalreporter._tw
    text = render(report, color=writer.hasmarkup, width=max(60, writer.fullwidth), report_dir=report_dir)
    terminalreporter.write(text)
