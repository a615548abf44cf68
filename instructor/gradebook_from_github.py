"""`course gradebook` from GitHub: each student's own grading runs and their grade-report artifacts.

Per student: the repository (missing, private or empty is said so), the completed runs of the
grading workflow on its default branch (pull-request runs are ignored: they grade someone's
proposal, not the student's branch), the newest one's `grade-report` artifact, and for every due
date already passed, the newest run created by then. A run's `created_at` is when GitHub received
the push; a commit's own date is whatever the student's clock said, so it is never used. Every
report read is kept under reports_dir as an audit trail, and gradebook.build_row checks it against
the official lock.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from harness.manifest import Course
from harness.settings import GRADE_ARTIFACT, REPORT_JSON

from .due_dates import DueDates, parse_moment
from .github_client import GitHubClient, GitHubError, NotFound, RateLimited, TooLarge, Unauthorized
from .gradebook import (
    EMPTY,
    FLAG_LATE,
    FLAG_MISSING,
    GRADED,
    MISSING,
    NO_REPORT,
    NO_RUN,
    SLACK,
    Row,
    Snapshot,
    build_row,
)
from .roster import GITHUB_NAME, Student

MAX_ZIP_BYTES = 20 * 1024 * 1024  # a grade-report zip is a few kB: refuse what could exhaust memory
MAX_REPORT_BYTES = 20 * 1024 * 1024
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")

BAD_REPOSITORY_NAME = "{what} is not OWNER/NAME: {text!r}"
NO_FORKS = (
    "GitHub lists no forks of {repository}: check the name, and that students forked it (if they used "
    "it as a template, their copies are not forks: use --org or --students)."
)
NO_ORG_REPOS = (
    "none of the {count} repositories of {org} visible with this token starts with {prefix!r}: check "
    "--prefix, and that the token can read the organization's private repositories."
)
NOT_ON_GITHUB = "{repository!r} is not a GitHub repository (OWNER/NAME); `course regrade` grades local or other git repositories"
NOT_FOUND = "not found, or private and the token cannot read it"
NO_COMMITS = "the repository has no commits yet"
NO_WORKFLOW = (
    "GitHub has no workflow {workflow} in this repository: .github/workflows/{workflow} is missing, or "
    "Actions were never enabled (a fork's owner enables them in its Actions tab)"
)
NO_COMPLETED_RUN = (
    "no completed run of {workflow} on {branch} yet (pull-request runs do not count): in a fork, the "
    "student enables Actions in its Actions tab and pushes again"
)
NO_ARTIFACT = "run {run} has no {artifact} artifact: grading stopped before writing a report ({url})"
EXPIRED = (
    "the {artifact} artifact of run {run} has expired (GitHub keeps artifacts 90 days by default): "
    "grade this student with `course regrade`"
)
ZIP_TOO_LARGE = "the {artifact} artifact of run {run} is larger than the {limit:g} MB a grade report can be; it was not read"
BAD_ZIP = "the {artifact} artifact of run {run} is not a readable zip ({error})"
NO_REPORT_FILE = "the {artifact} artifact of run {run} holds no {report}: grading stopped before writing it ({url})"
REPORT_TOO_LARGE = "{report} in run {run} is larger than {limit:g} MB; it was not read"
BAD_REPORT = "{report} in run {run} is not a grade report: {error}"
ODD_ANSWER = (
    "GitHub's answer for {what} has no usable {key!r} ({expected}), so this row could not be filled; "
    "look at the repository on GitHub, then run again"
)
ON_TIME_UNKNOWN = "late points not checked for week {week}: {reason}"
NOT_FETCHED = "not fetched: {message}"
PROGRESS = "{student}: {state}"
GRADED_STATE = "{points:g} / {max:g} ({percent:g}%) · run {run}"


class ReportUnavailable(Exception):
    """A run that has no usable grade report; the message says why, in the instructor's terms."""


class NotAReport(Exception):
    """A grade-report.json that lacks what build_row reads."""


class OddAnswer(GitHubError):
    """GitHub answered with JSON that lacks what its API documents."""


def _field(data: Any, key: str, kind: type | tuple[type, ...], *, what: str, expected: str) -> Any:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise OddAnswer(ODD_ANSWER.format(what=what, key=key, expected=expected))
    return value


# --- who the students are ---------------------------------------------------------------------------------


def _check_name(text: str, what: str) -> str:
    if not GITHUB_NAME.match(text):
        raise ValueError(BAD_REPOSITORY_NAME.format(what=what, text=text))
    return text


def list_students(client: GitHubClient, *, forks_of: str | None, org: str | None, prefix: str) -> list[Student]:
    """The cohort: every fork of the template (student = its owner), or the org's repositories whose
    name starts with prefix (student = the rest of the name, as GitHub Classroom names them)."""
    if bool(forks_of) == bool(org):
        raise ValueError("name exactly one source of students: --forks-of OWNER/NAME or --org ORG")
    students: list[Student] = []
    if forks_of:
        _check_name(forks_of, "--forks-of")
        for fork in client.paginate(f"repos/{forks_of}/forks", {"sort": "oldest"}):
            what = f"a fork of {forks_of}"
            login = _field(_field(fork, "owner", dict, what=what, expected="an object"), "login", str, what=what, expected="text")
            students.append(Student(login, _field(fork, "full_name", str, what=what, expected="OWNER/NAME")))
        if not students:
            raise ValueError(NO_FORKS.format(repository=forks_of))
    else:
        assert org is not None
        seen = 0
        for repository in client.paginate(f"orgs/{org}/repos", {"type": "all"}):
            seen += 1
            what = f"a repository of {org}"
            name = _field(repository, "name", str, what=what, expected="text")
            if not name.startswith(prefix) or (isinstance(repository, dict) and repository.get("is_template")):
                continue
            student = name[len(prefix) :].lstrip("-_.") or name
            students.append(Student(student, _field(repository, "full_name", str, what=what, expected="OWNER/NAME")))
        if not students:
            raise ValueError(NO_ORG_REPOS.format(count=seen, org=org, prefix=prefix))
    return sorted(students, key=lambda student: (student.name.lower(), student.repository.lower()))


# --- one student's runs and reports -----------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    id: int
    created_at: datetime
    head_sha: str
    html_url: str


def _runs(client: GitHubClient, repository: str, *, workflow: str, branch: str) -> list[Run] | None:
    """Completed runs of the workflow on branch, newest first, without pull-request runs (None: no such workflow)."""
    path = f"repos/{repository}/actions/workflows/{workflow}/runs"
    try:
        listed = list(client.paginate(path, {"branch": branch, "status": "completed"}, key="workflow_runs"))
    except NotFound:
        return None
    runs = []
    for entry in listed:
        what = f"a run of {workflow} in {repository}"
        if _field(entry, "event", str, what=what, expected="text") in PULL_REQUEST_EVENTS or entry.get("status", "completed") != "completed":
            continue
        created = _field(entry, "created_at", str, what=what, expected="an ISO 8601 time")
        try:
            created_at = parse_moment(created)
        except ValueError:
            raise OddAnswer(ODD_ANSWER.format(what=what, key="created_at", expected="an ISO 8601 time")) from None
        runs.append(
            Run(
                id=_field(entry, "id", int, what=what, expected="a number"),
                created_at=created_at,
                head_sha=str(entry.get("head_sha") or ""),
                html_url=str(entry.get("html_url") or ""),
            )
        )
    return sorted(runs, key=lambda run: (run.created_at, run.id), reverse=True)


def check_report(report: Any) -> dict[str, Any]:
    """The report, if it has the shape gradebook.build_row reads; NotAReport says what is wrong."""
    if not isinstance(report, dict):
        raise NotAReport("it is not a JSON object")
    exercises = report.get("exercises")
    if not isinstance(exercises, list):
        raise NotAReport("it has no list of exercises")
    for number, entry in enumerate(exercises, start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise NotAReport(f"exercise {number} has no id")
        values = {key: entry.get(key) for key in ("points", "max")}
        for key, value in values.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
                raise NotAReport(f"exercise {entry['id']!r} has no {key} (a number of at least 0)")
        if values["points"] > values["max"] + SLACK:  # type: ignore[operator]
            raise NotAReport(f"exercise {entry['id']!r} has more points ({values['points']}) than its max ({values['max']})")
        if not isinstance(entry.get("not_graded", 0), int):
            raise NotAReport(f"exercise {entry['id']!r} has a not_graded that is not a count")
    if not isinstance(report.get("backend", {}), dict):
        raise NotAReport("its backend is not an object")
    return report


def _read_zip(data: bytes, *, run: Run) -> bytes:
    names = {"run": run.id, "artifact": GRADE_ARTIFACT, "report": REPORT_JSON, "url": run.html_url}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [info for info in archive.infolist() if not info.is_dir()]
            chosen = [info for info in members if info.filename == REPORT_JSON] or [
                info for info in members if info.filename.endswith("/" + REPORT_JSON)
            ]
            if not chosen:
                raise ReportUnavailable(NO_REPORT_FILE.format(**names))
            if chosen[0].file_size > MAX_REPORT_BYTES:
                raise ReportUnavailable(REPORT_TOO_LARGE.format(limit=MAX_REPORT_BYTES / 1e6, **names))
            with archive.open(chosen[0]) as member:
                content = member.read(MAX_REPORT_BYTES + 1)  # the declared size can lie
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, zlib.error, EOFError, OSError, ValueError) as error:
        raise ReportUnavailable(BAD_ZIP.format(error=error, **names)) from None
    if len(content) > MAX_REPORT_BYTES:
        raise ReportUnavailable(REPORT_TOO_LARGE.format(limit=MAX_REPORT_BYTES / 1e6, **names))
    return content


def _report_of(client: GitHubClient, repository: str, run: Run, *, reports_dir: Path) -> Snapshot:
    """The run's grade report, saved under reports_dir; ReportUnavailable when it has none usable."""
    names = {"run": run.id, "artifact": GRADE_ARTIFACT, "report": REPORT_JSON, "url": run.html_url}
    what = f"the artifacts of run {run.id} in {repository}"
    artifacts = [
        artifact
        for artifact in client.paginate(f"repos/{repository}/actions/runs/{run.id}/artifacts", {"name": GRADE_ARTIFACT}, key="artifacts")
        if isinstance(artifact, dict) and artifact.get("name") == GRADE_ARTIFACT
    ]
    if not artifacts:
        raise ReportUnavailable(NO_ARTIFACT.format(**names))
    alive = [artifact for artifact in artifacts if not artifact.get("expired")]
    if not alive:
        raise ReportUnavailable(EXPIRED.format(**names))
    artifact = max(alive, key=lambda item: str(item.get("created_at") or ""))
    size = artifact.get("size_in_bytes")
    too_large = ZIP_TOO_LARGE.format(limit=MAX_ZIP_BYTES / 1e6, **names)
    if isinstance(size, int) and size > MAX_ZIP_BYTES:
        raise ReportUnavailable(too_large)
    url = _field(artifact, "archive_download_url", str, what=what, expected="a URL")
    try:
        data = client.download(url, max_bytes=MAX_ZIP_BYTES)
    except TooLarge:  # the listing's size_in_bytes understated it
        raise ReportUnavailable(too_large) from None
    content = _read_zip(data, run=run)
    try:
        report = check_report(json.loads(content.decode("utf-8")))
    except (UnicodeDecodeError, ValueError, NotAReport) as error:
        raise ReportUnavailable(BAD_REPORT.format(error=error, **names)) from None
    saved = reports_dir / f"run-{run.id}.json"
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_bytes(content)  # the exact bytes GitHub served: the audit trail
    return Snapshot(report, run.head_sha or None, run.created_at, run.html_url)


def _without_grade(student: Student, status: str, detail: str, run: Run | None = None) -> Row:
    row = Row(student.name, student.repository, status, detail, flags=[FLAG_MISSING])
    if run is not None:  # where to look: the run that has no usable report
        row.commit, row.source = run.head_sha, run.html_url
    return row


def fetch_student(
    client: GitHubClient, student: Student, *, course: Course, lock: dict[str, str], due: DueDates, workflow: str, reports_dir: Path
) -> Row:
    """One student's row. GitHubError is raised to fetch_rows, which decides: a row, a stop, or exit 2."""
    if not student.on_github:
        return build_row(
            name=student.name, repository=student.repository, course=course, lock=lock, latest=None,
            status=MISSING, detail=NOT_ON_GITHUB.format(repository=student.repository),
        )
    repository = student.repository
    try:
        info = client.get_json(f"repos/{repository}")
    except NotFound:
        return build_row(
            name=student.name, repository=repository, course=course, lock=lock, latest=None, status=MISSING, detail=NOT_FOUND
        )
    branch = _field(info, "default_branch", str, what=f"repository {repository}", expected="a branch name")
    runs = _runs(client, repository, workflow=workflow, branch=branch)
    if not runs and info.get("size") == 0:
        return _without_grade(student, EMPTY, NO_COMMITS)
    if runs is None:
        return _without_grade(student, NO_RUN, NO_WORKFLOW.format(workflow=workflow))
    if not runs:
        return _without_grade(student, NO_RUN, NO_COMPLETED_RUN.format(workflow=workflow, branch=branch))
    folder = reports_dir / student.slug
    cache: dict[int, Snapshot] = {}

    def snapshot(run: Run) -> Snapshot:
        if run.id not in cache:
            cache[run.id] = _report_of(client, repository, run, reports_dir=folder)
        return cache[run.id]

    newest = runs[0]
    try:
        latest = snapshot(newest)
    except ReportUnavailable as error:
        return _without_grade(student, NO_REPORT, str(error), newest)
    weeks = {exercise.week for exercise in course.exercises}
    on_time: dict[int, Snapshot | None] = {}
    checked: DueDates = {}
    notes: list[str] = []
    for week, deadline in sorted(due.items()):
        if week not in weeks or deadline >= newest.created_at:
            continue
        before = next((run for run in runs if run.created_at <= deadline), None)
        try:
            on_time[week] = snapshot(before) if before else None
            checked[week] = deadline
        except ReportUnavailable as error:  # unknown is not zero: flagging everything late would accuse wrongly
            notes.append(ON_TIME_UNKNOWN.format(week=week, reason=error))
    return build_row(
        name=student.name, repository=repository, course=course, lock=lock, latest=latest, on_time=on_time,
        due=checked, detail="; ".join(notes),
    )


def progress_line(row: Row, run_id: str = "") -> str:
    if row.status != GRADED:
        return PROGRESS.format(student=row.student, state=" · ".join(filter(None, [row.status, row.detail])))
    parts = [GRADED_STATE.format(points=row.points, max=row.max, percent=row.percent, run=run_id or "?")]
    if row.late:
        parts.append("late: " + ", ".join(row.late))
    parts += [flag for flag in row.flags if flag != FLAG_LATE]
    return PROGRESS.format(student=row.student, state=" · ".join(parts))


def _run_id(row: Row) -> str:
    return row.source.rstrip("/").rsplit("/", 1)[-1] if row.source else ""


def fetch_rows(
    *,
    client: GitHubClient,
    students: list[Student],
    course: Course,
    lock: dict[str, str],
    due: DueDates,
    workflow: str,
    reports_dir: Path,
    out: TextIO,
) -> list[Row]:
    """A row per student, in order. One student's failure never stops the others; a rate limit
    longer than the client may wait stops fetching, and the students left get a row that says so.
    A missing or wrong token (Unauthorized) is raised: no student's report could be read."""
    rows: list[Row] = []
    stopped: str | None = None
    for student in students:
        row = None
        if stopped is None:
            try:
                row = fetch_student(
                    client, student, course=course, lock=lock, due=due, workflow=workflow, reports_dir=reports_dir
                )
            except Unauthorized:  # the same token fails for everyone: say it once (exit 2), not per student
                raise
            except RateLimited as error:
                stopped = NOT_FETCHED.format(message=error)
            except NotFound as error:  # the repository was there a moment ago: gone or hidden since
                row = _without_grade(student, MISSING, str(error))
            except GitHubError as error:
                row = _without_grade(student, NO_REPORT, str(error))
        if row is None:
            row = _without_grade(student, NO_REPORT, stopped or "")
        rows.append(row)
        print(progress_line(row, _run_id(row)), file=out, flush=True)
    return rows
