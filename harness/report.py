"""grade-report.json (schema: harness/report.schema.json) and grade-summary.md, built from scores."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .manifest import Course
from .progress import headline, number, status_text, when
from .report_types import SCHEMA_VERSION, CheckReport, GradeReport, IntegrityReport, PracticeReport, Showcase
from .results import BLOCKED, ERROR, FAILED, PARTIAL, ExerciseScore, percent, totals_of
from .settings import REPO_ROOT
from .showcase import page_name, write_showcases

SCHEMA_FILE = Path(__file__).with_name("report.schema.json")


def git_commit(root: Path) -> str | None:
    try:
        answer = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    commit = answer.stdout.strip()
    return commit if answer.returncode == 0 and commit else None


def build_report(
    *,
    course: Course,
    scores: list[ExerciseScore],
    backend: dict[str, str],
    code_root: str,
    started: datetime,
    finished: datetime,
    harness_errors: list[str],
    commit_root: Path = REPO_ROOT,
    integrity: IntegrityReport | None = None,
    partial: frozenset[str] | set[str] = frozenset(),
    untouched: frozenset[str] | set[str] = frozenset(),
    practice: PracticeReport | None = None,
    showcases: Mapping[str, Showcase] | None = None,
) -> GradeReport:
    """``partial``: exercises of which only some checks were selected (marked, never a grade);
    ``untouched``: exercises whose files are still the starter's (marked: not started);
    ``practice``: the exam practice the student shared (harness/quiz/practice.py), carried, never graded;
    ``showcases``: by exercise, what its deploy check found deployed (the report_showcase fixture)."""
    exercises = []
    for score in scores:
        exercises.append(
            {
                "id": score.exercise.id,
                "title": score.exercise.title,
                "week": score.exercise.week,
                "folder": score.exercise.folder,
                "domain": score.exercise.domain_name,
                "optional": score.exercise.optional,
                "declared_points": score.exercise.points,
                "points": score.points,
                "max": score.max,
                "percent": percent(score.points, score.max),
                "status": score.status,
                "not_graded": score.not_graded,
                "errors": score.errors,
                "checks": [check.to_json() for check in score.checks],
            }
        )
        if score.exercise.id in partial:
            exercises[-1]["partial_run"] = True
        if score.exercise.id in untouched:
            exercises[-1]["starter_untouched"] = True
        if score.exercise.id in (showcases or {}):
            exercises[-1]["showcase"] = (showcases or {})[score.exercise.id]
    report: GradeReport = {
        "schema_version": SCHEMA_VERSION,
        "course": {"name": course.name, "version": course.version},
        "git_commit": git_commit(commit_root),
        "backend": backend,
        "code_root": code_root,
        "started_at": started.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "finished_at": finished.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "duration": round((finished - started).total_seconds(), 2),
        "totals": totals_of(exercises),
        "harness_errors": harness_errors,
        "exercises": exercises,
        "practice": practice,
    }
    if integrity is not None:
        report["integrity"] = integrity
    return report


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


MODIFIED_BANNER = (
    "> ⚠️ **Grader files differ from `graders.lock`:** {files}. This grade was computed with changed "
    "grading files, so it may not be the official one; the report carries the hashes of the files used."
)
UNLOCKED_NOTE = "> There is no `graders.lock` here, so this run cannot tell whether grading files were changed."
MAX_BANNER_FILES = 10


def integrity_banner(report: GradeReport) -> list[str]:
    integrity = report.get("integrity") or {}
    if integrity.get("verdict") == "modified":
        names = [f"`{name}`" for name in integrity["modified"][:MAX_BANNER_FILES]]
        more = len(integrity["modified"]) - len(names)
        return [MODIFIED_BANNER.format(files=", ".join(names) + (f" and {more} more" if more > 0 else "")), ""]
    if integrity.get("verdict") == "unlocked":
        return [UNLOCKED_NOTE, ""]
    return []


Link = Callable[[str, int | None], str]


def _where(check: CheckReport, link: Link | None) -> str:
    """ " (at `file:line`)" for a check that points at the student's file, linked when a link is known."""
    file = check.get("file")
    if not file:
        return ""
    place = f"{file}:{check['line']}" if check.get("line") else file
    if link is not None:
        return f" (at [{place}]({link(file, check.get('line'))}))"
    return "" if file in check["message"] else f" (at `{place}`)"


def render_markdown(report: GradeReport, *, link: Link | None = None, job_summary: bool = False) -> str:
    """grade-summary.md; ``link(file, line)`` makes the student's files clickable (the job summary);
    ``job_summary``: GitHub's, where a showcase page is in the run's artifact, not beside the summary."""
    totals = report["totals"]
    lines = [
        f"## {headline(report['course']['name'], totals)}",
        "",
        *integrity_banner(report),
        f"Backend: `{report['backend']['name']}`"
        + (f" · {totals['not_graded']} check(s) not graded on this backend" if totals["not_graded"] else "")
        + (f" · optional extensions {totals['optional_points']:g} / {totals['optional_max']:g}" if totals["optional_max"] else "")
        + (f" · commit `{report['git_commit'][:12]}`" if report["git_commit"] else ""),
        "",
        "| Week | Exercise | Points | Status |",
        "| ---: | :--- | ---: | :--- |",
    ]
    for exercise in report["exercises"]:
        status = status_text(exercise)
        if exercise["not_graded"]:
            status += f" ({exercise['not_graded']} not graded here)"
        optional = " (optional)" if exercise.get("optional") else ""
        lines.append(
            f"| {exercise['week']} | {_cell(exercise['title'])} (`{exercise['id']}`){optional} "
            f"| {number(exercise['points'])} / {number(exercise['max'])} | {status} |"
        )
    failing = [
        (exercise, check)
        for exercise in report["exercises"]
        for check in exercise["checks"]
        if check["outcome"] in (FAILED, PARTIAL, BLOCKED, ERROR)
    ]
    if failing or any(e["errors"] for e in report["exercises"]) or report["harness_errors"]:
        lines += ["", "### What to fix next", "", "| Exercise | Check | Points | What happened | Hint |", "| :--- | :--- | ---: | :--- | :--- |"]
        for exercise in report["exercises"]:
            for error in exercise["errors"]:
                lines.append(f"| {exercise['id']} | (grader) | 0 | {_cell(error)} | |")
        for exercise, check in failing:
            lines.append(
                f"| {exercise['id']} | {_cell(check['title'])} | {number(check['points'])} / {number(check['max'])} "
                f"| {_cell(check['message'] + _where(check, link))} | {_cell(check['hint'])} |"
            )
        for error in report["harness_errors"]:
            lines.append(f"| (harness) | | | {_cell(error)} | |")
    lines += showcase_lines(report, in_artifact=job_summary)
    practice = report.get("practice")
    if practice:
        lines += ["", *practice_markdown(practice)]
    return "\n".join(lines) + "\n"


SHOWCASE_LINK = "Showcase of what `{id}` deployed (the grade, an architecture diagram, endpoints, roles): [{page}]({page})"
SHOWCASE_IN_ARTIFACT = "Showcase of what `{id}` deployed (the grade, an architecture diagram, endpoints, roles): `{page}` in the `grade-report` artifact"


def showcase_lines(report: GradeReport, *, in_artifact: bool = False) -> list[str]:
    """A line for each exercise whose deploy check recorded what it deployed (its page is beside this one)."""
    template = SHOWCASE_IN_ARTIFACT if in_artifact else SHOWCASE_LINK
    shown = [template.format(id=e["id"], page=page_name(e["id"])) for e in report["exercises"] if e.get("showcase")]
    return ["", *shown] if shown else []


PRACTICE_TITLE = "### Exam practice (self-reported, not part of the grade)"
PRACTICE_UNUSABLE = "`{source}` was shared but cannot be used: {problem}."


def _practice_score(score: dict[str, Any]) -> str:
    text = f"{score['percent']:g}% ({score['right']}/{score['questions']})"
    if "scaled" in score:
        text = f"{score['scaled']} ({'pass' if score['passed'] else 'fail'}), " + text
    return text


def practice_markdown(practice: PracticeReport) -> list[str]:
    """The summary's section on the shared exam practice (its numbers recomputed by the grading run)."""
    lines = [PRACTICE_TITLE, ""]
    if practice.get("problem"):
        return lines + [PRACTICE_UNUSABLE.format(source=practice["source"], problem=_cell(practice["problem"]))]
    shared = when(practice["shared_at"]) if practice["shared_at"] else "?"
    lines += [f"Shared by `course quiz --share` in `{practice['source']}` ({shared}).", ""]
    rows = [(f"Week {q['week']} quiz", q) for q in practice["quizzes"]]
    rows += [(f"Mock exam, form {e['form']}", e) for e in practice["exams"]]
    if rows:
        lines += ["| Practice | Best | Latest | Attempts |", "| :--- | :--- | :--- | ---: |"]
        lines += [
            f"| {name} | {_practice_score(entry['best'])} | {_practice_score(entry['latest'])} | {entry['attempts']} |"
            for name, entry in rows
        ]
    if practice["domains"]:
        ready = "; ".join(
            f"{d['domain']} {d['name']} {d['percent']:g}% ({d['right']}/{d['questions']})" + (" ✓" if d["meets"] else "")
            for d in practice["domains"]
        )
        lines += ["", f"Readiness by exam domain (latest answer to each question seen; ✓ at the pass mark's share): {ready}."]
    return lines


def write_reports(
    report: GradeReport, directory: Path, json_name: str, markdown_name: str, *, summary: GradeReport | None = None
) -> tuple[Path, Path]:
    """The run's report as JSON; the markdown from ``summary`` (every exercise's latest result) when given,
    and beside it a showcase page for each exercise of it that recorded what it deployed."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path = directory / json_name
    markdown_path = directory / markdown_name
    json_path.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    markdown_path.write_text(render_markdown(summary or report), encoding="utf-8")
    write_showcases(summary or report, directory)
    return json_path, markdown_path
