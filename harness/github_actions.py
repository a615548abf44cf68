"""A grading run as GitHub Actions shows it: job summary, annotations on the student's lines, step outputs.

`course grade` calls publish() when COURSE_CI=github (or --ci github); the grading itself is the one
a student runs locally. Workflow commands: https://docs.github.com/actions/reference/workflow-commands
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .report import render_markdown
from .report_types import CheckReport, ExerciseReport, GradeReport
from .results import BLOCKED, ERROR, FAILED, PARTIAL

ENV_STEP_SUMMARY = "GITHUB_STEP_SUMMARY"
ENV_OUTPUT = "GITHUB_OUTPUT"
ENV_SERVER = "GITHUB_SERVER_URL"
ENV_REPOSITORY = "GITHUB_REPOSITORY"
ENV_SHA = "GITHUB_SHA"

# GitHub shows 10 error, 10 warning and 10 notice annotations per step (actions/toolkit,
# docs/problem-matchers.md, "Limitations"); more are dropped silently.
ANNOTATIONS_PER_KIND = 10
IN_PROGRESS_FIRST = {"in progress": 0, "error": 1, "not started": 2}

MORE_IN_SUMMARY = (
    "{count} more failing check(s) are not annotated (GitHub shows {limit} errors and {limit} warnings "
    "per step); the job summary lists every one."
)
SUMMARY_ANNOTATED = (
    "Annotations on your files: {shown} of {total} failing checks. The job summary's table lists all of them."
)
SUMMARY_ARTIFACT = (
    "Full report: the `grade-report` artifact of this run (grade-report.json, grade-summary.md, grade-junit.xml, "
    "and a showcase page for an exercise that recorded what it deployed)."
)
INTEGRITY_TITLE = "Grader files modified"
INTEGRITY_MESSAGE = "These files differ from graders.lock, so this grade may not be the official one: {files}"
HARNESS_TITLE = "Grading harness failed"
GRADER_TITLE = "{exercise}: grader could not run"


def escape_data(text: str) -> str:
    """A workflow command's message: %, CR and LF are encoded (as @actions/core does)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (file, title): also ':' and ',', which separate properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


@dataclass(frozen=True)
class Annotation:
    kind: str  # "error" | "warning" | "notice"
    message: str
    title: str = ""
    file: str = ""
    line: int | None = None

    def command(self) -> str:
        properties = []
        if self.file:
            properties.append(f"file={escape_property(self.file)}")
            if self.line:
                properties.append(f"line={self.line}")
        if self.title:
            properties.append(f"title={escape_property(self.title)}")
        head = f"::{self.kind} {','.join(properties)}" if properties else f"::{self.kind}"
        return f"{head}::{escape_data(self.message)}"


def _check_text(check: CheckReport) -> str:
    lines = [check["message"].strip()]
    if check.get("hint"):
        lines.append(f"Hint: {check['hint']}")
    if check.get("read"):
        lines.append(f"Read: {check['read']}")
    return "\n".join(lines)


def _ranked_checks(report: GradeReport) -> list[tuple[ExerciseReport, CheckReport]]:
    """Failing checks, most useful first: the exercise being worked on, a known line, most points lost."""
    failing = []
    for exercise_index, exercise in enumerate(report["exercises"]):
        for check_index, check in enumerate(exercise["checks"]):
            if check["outcome"] not in (FAILED, PARTIAL, ERROR):
                continue  # blocked checks repeat their prerequisite's advice
            key = (
                IN_PROGRESS_FIRST.get(exercise["status"], 3),
                0 if check.get("file") else 1,
                -(check["max"] - check["points"]),
                exercise_index,
                check_index,
            )
            failing.append((key, exercise, check))
    failing.sort(key=lambda entry: entry[0])
    return [(exercise, check) for _, exercise, check in failing]


def annotations(report: GradeReport, per_kind: int = ANNOTATIONS_PER_KIND) -> tuple[list[Annotation], int, int]:
    """(annotations to print, failing checks in all, failing checks left out for lack of room)."""
    chosen: list[Annotation] = []
    room = {"error": per_kind, "warning": per_kind}

    def add(annotation: Annotation) -> bool:
        if room[annotation.kind] <= 0:
            return False
        room[annotation.kind] -= 1
        chosen.append(annotation)
        return True

    integrity = report.get("integrity") or {}
    if integrity.get("verdict") == "modified":
        add(Annotation("error", INTEGRITY_MESSAGE.format(files=", ".join(integrity["modified"])), INTEGRITY_TITLE))
    for error in report["harness_errors"]:
        add(Annotation("error", error, HARNESS_TITLE))
    for exercise in report["exercises"]:
        for error in exercise["errors"]:
            add(Annotation("error", error, GRADER_TITLE.format(exercise=exercise["title"])))
    ranked = _ranked_checks(report)
    left_out = 0
    for exercise, check in ranked:
        kind = "warning" if check["outcome"] == PARTIAL else "error"
        title = f"{exercise['title']} › {check['title']} ({check['points']:g}/{check['max']:g})"
        if not add(Annotation(kind, _check_text(check), title, check.get("file", ""), check.get("line"))):
            left_out += 1
    if left_out:
        chosen.append(
            Annotation("notice", MORE_IN_SUMMARY.format(count=left_out, limit=per_kind), "More failing checks")
        )
    return chosen, len(ranked), left_out


def blob_link(environ: Mapping[str, str]) -> Any:
    """link(file, line) to the graded commit on GitHub, or None outside a workflow run."""
    server, repository, sha = (environ.get(name, "") for name in (ENV_SERVER, ENV_REPOSITORY, ENV_SHA))
    if not (server and repository and sha):
        return None

    def link(file: str, line: int | None) -> str:
        return f"{server}/{repository}/blob/{sha}/{file}" + (f"#L{line}" if line else "")

    return link


def job_summary(report: GradeReport, *, shown: int, total: int, environ: Mapping[str, str]) -> str:
    lines = [render_markdown(report, link=blob_link(environ), job_summary=True).rstrip("\n"), ""]
    blocked = sum(1 for e in report["exercises"] for c in e["checks"] if c["outcome"] == BLOCKED)
    if total:
        lines.append(SUMMARY_ANNOTATED.format(shown=shown, total=total))
    if blocked:
        lines.append(
            f'{blocked} check(s) wait for another one to pass first ("Finish ... first"); they are not annotated.'
        )
    lines += ["", SUMMARY_ARTIFACT, ""]
    return "\n".join(lines)


def step_outputs(report: GradeReport) -> dict[str, str]:
    """Values later steps read as steps.<id>.outputs.<name>."""
    totals = report["totals"]
    return {
        "score": f"{totals['points']:g}",
        "max": f"{totals['max']:g}",
        "percent": f"{totals['percent']:g}",
        "integrity": (report.get("integrity") or {}).get("verdict", "unlocked"),
    }


def _append(path: str, text: str) -> None:
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write(text)


def publish(report: GradeReport, *, out: TextIO, environ: Mapping[str, str] | None = None) -> None:
    """Print annotations, append the job summary and the step outputs where the runner says."""
    environ = os.environ if environ is None else environ
    chosen, total, left_out = annotations(report)
    for annotation in chosen:
        print(annotation.command(), file=out)
    shown = total - left_out
    if environ.get(ENV_STEP_SUMMARY):
        _append(environ[ENV_STEP_SUMMARY], job_summary(report, shown=shown, total=total, environ=environ))
    if environ.get(ENV_OUTPUT):
        _append(environ[ENV_OUTPUT], "".join(f"{name}={value}\n" for name, value in step_outputs(report).items()))


def publish_failure(message: str, *, out: TextIO, environ: Mapping[str, str] | None = None) -> None:
    """Grading wrote no report: say so where a student looks first."""
    environ = os.environ if environ is None else environ
    print(Annotation("error", message, HARNESS_TITLE).command(), file=out)
    if environ.get(ENV_STEP_SUMMARY):
        _append(environ[ENV_STEP_SUMMARY], f"## Grading did not finish\n\n{message}\n")
