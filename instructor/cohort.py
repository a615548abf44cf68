"""`course gradebook` and `course regrade`: from a cohort's repositories to one gradebook.

Glue only: the roster and due dates are read here, reports come from GitHub (gradebook_from_github.py) or
from grading each student's code again (regrade.py), and gradebook.py turns them into rows and files.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from harness.integrity import LOCK_FILE, LockFormatError, read_lock_file, stale_entries
from harness.manifest import Course
from harness.settings import DEFAULT_GITHUB_API_URL, ENV_GITHUB_API_URL, ENV_GITHUB_TOKEN

from .due_dates import parse_due_dates, parse_moment
from .gradebook import FAILED, FLAG_MISSING, Row, read_rows
from .gradebook_files import write_gradebook
from .roster import RosterError, Student, parse_student, read_roster

EXIT_USAGE = 2
NO_LOCK = "{path} does not exist: the gradebook checks every report against the official lock. Pass --lock FILE."
BAD_LOCK = "{path} is not a graders.lock: {error}"
STALE_LOCK = "{path} does not match this checkout ({files}); regrade from a clean checkout of the release you handed out."
NO_STUDENTS = "name the students: {sources}"
REGRADE_SOURCES = "repositories, --student LINE or --students FILE"
GITHUB_SOURCES = "--students FILE, --forks-of OWNER/NAME, --org ORG, or --rows DIR"
ROWS_WITH_GITHUB = "--rows merges rows already written; it takes --students (to list who has none), not --forks-of or --org"
NO_ROW = "no row was written for this student (the regrade job was cancelled or failed: see its log)"
SAME_FILE_NAME = "{names} would share the file name {slug!r}; give one of them another name in the roster"


class CohortError(ValueError):
    """A usage problem, reported in one line with exit status 2."""


def _official_lock(path: Path) -> dict[str, str]:
    if not path.is_file():
        raise CohortError(NO_LOCK.format(path=path))
    try:
        return read_lock_file(path)
    except (LockFormatError, UnicodeDecodeError) as error:
        raise CohortError(BAD_LOCK.format(path=path, error=error)) from None


def _students(repositories: list[str], lines: list[str], roster: Path | None) -> list[Student]:
    students = [parse_student(line) for line in [*repositories, *lines]]
    if roster is not None:
        students += read_roster(roster)
    names = [student.name for student in students]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise CohortError(f"students listed twice: {', '.join(twice)}")
    return _one_file_name_each(students)


def _one_file_name_each(students: list[Student]) -> list[Student]:
    """Each student's row and reports are files named by the slug: two students must not share one."""
    by_slug: dict[str, list[str]] = {}
    for student in students:
        by_slug.setdefault(student.slug, []).append(student.name)
    for slug, sharing in by_slug.items():
        if len(sharing) > 1:
            raise CohortError(SAME_FILE_NAME.format(names=" and ".join(sharing), slug=slug))
    return students


def _title(course: Course, title: str | None) -> str:
    return title or f"{course.name} {course.version}: gradebook"


def gradebook(
    *,
    course: Course,
    course_root: Path,
    students_file: Path | None,
    forks_of: str | None,
    org: str | None,
    prefix: str,
    rows_dirs: list[Path],
    lock_path: Path | None,
    due_items: list[str],
    workflow: str,
    out_dir: Path,
    title: str | None,
    max_wait: float,
    out: TextIO,
    err: TextIO,
) -> int:
    """The gradebook from the cohort's own grading runs on GitHub, or merged from --rows folders."""
    try:
        due = parse_due_dates(due_items)
        if rows_dirs:
            if forks_of or org:
                raise CohortError(ROWS_WITH_GITHUB)
            rows = read_rows(rows_dirs)
            if students_file is not None:
                rows += _rows_never_written(rows, read_roster(students_file))
        elif not (students_file or forks_of or org):
            raise CohortError(NO_STUDENTS.format(sources=GITHUB_SOURCES))
        else:
            rows = _rows_from_github(
                course=course, students_file=students_file, forks_of=forks_of, org=org, prefix=prefix,
                lock=_official_lock(lock_path or course_root / LOCK_FILE), due=due, workflow=workflow,
                out_dir=out_dir, max_wait=max_wait, out=out,
            )
    except (CohortError, RosterError, ValueError) as error:
        print(f"course gradebook: {error}", file=err)
        return EXIT_USAGE
    return write_gradebook(
        rows, course=course, out_dir=out_dir, title=_title(course, title), generated_at=datetime.now(timezone.utc), out=out
    )


def _rows_never_written(rows: list[Row], roster: list[Student]) -> list[Row]:
    """Roster students whose regrade left no row (a matrix job that was cancelled or crashed)."""
    present = {row.student for row in rows}
    return [
        Row(student.name, student.repository, FAILED, NO_ROW, flags=[FLAG_MISSING])
        for student in roster
        if student.name not in present
    ]


def _rows_from_github(*, course, students_file, forks_of, org, prefix, lock, due, workflow, out_dir, max_wait, out):  # type: ignore[no-untyped-def]
    from .github_client import GitHubClient, GitHubError
    from .gradebook_from_github import fetch_rows, list_students

    client = GitHubClient(
        base_url=os.environ.get(ENV_GITHUB_API_URL) or DEFAULT_GITHUB_API_URL,
        token=os.environ.get(ENV_GITHUB_TOKEN) or None,
        max_wait=max_wait,
    )
    try:
        if students_file is not None:
            students = read_roster(students_file)
        else:
            students = list_students(client, forks_of=forks_of, org=org, prefix=prefix)
        _one_file_name_each(students)
        return fetch_rows(
            client=client, students=students, course=course, lock=lock, due=due, workflow=workflow,
            reports_dir=out_dir / "reports", out=out,
        )
    except GitHubError as error:
        raise CohortError(str(error)) from None


def regrade(
    *,
    course: Course,
    course_root: Path,
    repositories: list[str],
    student_lines: list[str],
    students_file: Path | None,
    before: str | None,
    due_items: list[str],
    jobs: int | None,
    timeout: float,
    out_dir: Path,
    title: str | None,
    out: TextIO,
    err: TextIO,
) -> int:
    """Grade every student's code again with this checkout's graders, then write the gradebook."""
    from .regrade import regrade_rows

    try:
        due = parse_due_dates(due_items)
        cutoff = parse_moment(before) if before else None
        students = _students(repositories, student_lines, students_file)
        if not students:
            raise CohortError(NO_STUDENTS.format(sources=REGRADE_SOURCES))
        lock = _official_lock(course_root / LOCK_FILE)
        stale = stale_entries(course_root, course)
        if stale:
            raise CohortError(STALE_LOCK.format(path=LOCK_FILE, files=", ".join(stale[:5])))
    except (CohortError, RosterError, ValueError) as error:
        print(f"course regrade: {error}", file=err)
        return EXIT_USAGE
    rows = regrade_rows(
        course=course, course_root=course_root, lock=lock, students=students, before=cutoff, due=due,
        jobs=jobs or os.cpu_count() or 1, timeout=timeout, work_dir=out_dir / "work", reports_dir=out_dir / "reports", out=out,
    )
    return write_gradebook(
        rows, course=course, out_dir=out_dir, title=_title(course, title), generated_at=datetime.now(timezone.utc), out=out
    )
