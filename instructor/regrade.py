"""`course regrade`: every student's repository cloned, overlaid with the official graders, graded again.

Per student: clone (GitHub `owner/name`, a git URL or a local path), pick the commit (the default
branch's HEAD, or the last one at or before --before), put the official grading files over it
(instructor/overlay.py), grade it with `course grade` in a child process of its own, and, when a week's
due date has passed since, grade that week's exercises again at the last commit before the due date.
gradebook.build_row turns the reports into the student's row.

Grading runs student code with the rights of whoever runs the regrade, as it does on the student's
own machine: run it on a throwaway machine (the regrade-cohort workflow's runners) or in a container.
What the regrade bounds is the damage to the others: every student is graded in a process group of
its own, killed when the student's time is up, and any failure of one student ends as that
student's row, never as the regrade's crash.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

from harness.integrity import GRADING_WORKFLOWS, HARNESS_DIR, LOCK_FILE
from harness.manifest import Course
from harness.settings import ENV_GITHUB_TOKEN, MANIFEST_FILE, REPORT_JSON, tomllib

from .attempt import (
    MAX_DETAIL,
    SCRATCH_DIR,
    Attempt,
    Context,
    StudentStop,
    clone,
    committed_at,
    git,
    has_commits,
    last_commit,
    last_line,
    remove_tree,
    run_stoppable,
    without_paths,
)
from .due_dates import DueDates, iso
from .gradebook import EMPTY, FAILED, GRADED, TIMEOUT, Row, Snapshot, build_row
from .overlay import overlay
from .process_groups import ProcessGroups, grading_environment
from .roster import Student

GRADE_LOG = "grade.log"
# `course grade` exit statuses that come with a report it wrote itself (graded, below --fail-under,
# harness error, strict integrity). Any other ending (a signal) leaves no report worth trusting.
GRADE_EXIT_STATUSES = (0, 1, 2, 3)

# What the student's code must not see, or what would make this grading differ from the official one.
# PYTHONSAFEPATH would drop the checkout from sys.path, and with it the overlaid harness package.
# Variables that would point git at another repository than the one each command names.

NO_COMMITS = "the repository has no commits"
NO_COMMIT_BEFORE = "no commit at or before {before}: the earliest is from {first}"
GRADING_TIMED_OUT = "grading took longer than {seconds:g} s"
NO_REPORT = "grading wrote no report ({ending}); last line of reports/{slug}/{log}: {line}"
CHANGED = "{path}: changed in the student's repository (graded with the official file)"
DELETED = "{path}: missing from the student's repository (graded with the official file)"
ADDED = "{path}: added in the student's repository (removed before grading)"
SYMLINK = "{path}: a symbolic link in the student's repository (removed; graded with the official file)"
OTHER_RELEASE = (
    "the repository's {manifest} says version {theirs}, the official graders are {ours}: "
    "grading files that changed between the two releases show as changed"
)
ON_TIME_NOT_GRADED = (
    "week {week}'s state at its due date could not be graded ({reason}): counted as nothing done by then"
)
CRASHED = "the regrade of this student failed: {error}"
PROGRESS_GRADED = "[{index}/{total}] {name}: {points:g} / {max:g} ({percent:g}%) in {seconds:.1f} s"
PROGRESS_OTHER = "[{index}/{total}] {name}: {status}{detail}"
LATEST = "latest"  # the graded state's report and log, as opposed to the state at a due date



def _version(manifest: Path) -> str | None:
    """The release a student's repository says it is from (None: unreadable, or a manifest without one)."""
    try:
        with manifest.open("rb") as handle:
            version = tomllib.load(handle).get("course", {}).get("version")
    except (OSError, ValueError, AttributeError):
        return None
    return str(version) if version is not None else None


def _remove_symlinks(folder: Path, paths: list[str]) -> list[str]:
    """Symbolic links on the way to a grading file or folder: the overlay would write and delete through
    them (outside the checkout), so they go first."""
    removed = []
    for path in paths:
        parts = PurePosixPath(path).parts
        for depth in range(1, len(parts) + 1):
            candidate = folder.joinpath(*parts[:depth])
            if candidate.is_symlink():
                candidate.unlink()
                removed.append(PurePosixPath(*parts[:depth]).as_posix())
                break
    return sorted(set(removed))


def overlay_official(attempt: Attempt, folder: Path) -> list[str]:
    """Put the official grading files over ``folder``; what differed there, file by file.

    graders.lock and the grading workflows are left out of the list: a cohort template regenerates
    its lock, and its grade.yml calls the upstream workflow by design; neither takes part in this
    grading. They are overlaid all the same.
    """
    context = attempt.context
    official = [*context.lock, LOCK_FILE]
    folders = [HARNESS_DIR, *(exercise.folder for exercise in context.course.exercises)]
    links = _remove_symlinks(folder, [*official, *folders])
    existed = {path for path in official if (folder / path).is_file()}
    result = overlay(context.course_root, folder)
    ignored = {LOCK_FILE, *GRADING_WORKFLOWS}
    problems = [SYMLINK.format(path=path) for path in links if path not in ignored]
    problems += [
        (CHANGED if path in existed else DELETED).format(path=path)
        for path in result.restored
        if path not in ignored and path not in links
    ]
    problems += [ADDED.format(path=path) for path in result.removed if path not in ignored]
    return problems


def _grade(attempt: Attempt, folder: Path, *, name: str, exercise_ids: list[str]) -> dict[str, Any]:
    """`course grade` on ``folder`` in a child process; its report, or StudentStop. ``name``: LATEST, or
    what the due-date state's report and log are called."""
    context = attempt.context
    report_dir = attempt.scratch / f"report-{name}"
    remove_tree(report_dir)
    report_dir.mkdir(parents=True)
    log = attempt.reports / (GRADE_LOG if name == LATEST else f"{name}.log")
    # Isolated mode: nothing in the checkout (a root argparse.py, a harness/ of its own) is importable, so the
    # harness is the official one this Python has installed; compiled files are read only from a private cache.
    command = [
        sys.executable, "-I", "-X", f"pycache_prefix={attempt.scratch / 'pycache'}", "-m", "harness.cli", "grade",
        "--course-root", str(folder), "--report-dir", str(report_dir), "--jobs", "1", *exercise_ids,
    ]  # one grading process (official grading: harness/grade.py default_jobs); students are graded side by side
    done = run_stoppable(context.groups, command, cwd=folder, env=grading_environment(), timeout=attempt.left(), log=log)
    if done.code is None:
        raise StudentStop(TIMEOUT, GRADING_TIMED_OUT.format(seconds=context.timeout))
    report_path = report_dir / REPORT_JSON
    report = _read_json(report_path) if done.code in GRADE_EXIT_STATUSES else None
    if report is None:
        text = log.read_text(encoding="utf-8", errors="replace")
        roots = (folder, attempt.scratch, context.work_dir, context.reports_dir, context.course_root, Path(sys.prefix))
        line = without_paths(last_line(text), roots)
        ending = f"exit status {done.code}" if done.code >= 0 else f"ended by {_signal_name(-done.code)}"
        raise StudentStop(FAILED, NO_REPORT.format(ending=ending, slug=attempt.slug, log=log.name, line=line))
    shutil.copyfile(report_path, attempt.reports / (REPORT_JSON if name == LATEST else f"{name}.json"))
    return report


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _on_time(attempt: Attempt, latest: Snapshot, notes: list[str]) -> dict[int, Snapshot | None]:
    """The state at each passed due date: the last commit before it, graded on that week's exercises."""
    context = attempt.context
    assert latest.commit is not None and latest.at is not None
    on_time: dict[int, Snapshot | None] = {}
    weeks_at: dict[str, list[int]] = {}
    for week, deadline in sorted(context.due.items()):
        if deadline >= latest.at:
            continue
        commit = last_commit(attempt, deadline, latest.commit)
        if commit is None:
            on_time[week] = None
        elif commit == latest.commit:
            on_time[week] = latest
        else:
            weeks_at.setdefault(commit, []).append(week)
    # One grading per commit, of the exercises of every week whose due date it stands for.
    for commit, weeks in weeks_at.items():
        exercise_ids = [exercise.id for exercise in context.course.exercises if exercise.week in weeks]
        snapshot: Snapshot | None = None
        if exercise_ids:
            try:
                snapshot = _grade_commit(attempt, commit, exercise_ids)
            except StudentStop as stop:
                notes += [ON_TIME_NOT_GRADED.format(week=week, reason=stop.detail) for week in weeks]
        on_time.update({week: snapshot for week in weeks})
    return on_time


def _grade_commit(attempt: Attempt, commit: str, exercise_ids: list[str]) -> Snapshot:
    folder = attempt.scratch / f"at-{commit[:12]}"
    git(attempt, "worktree", "add", "--quiet", "--detach", str(folder), commit)
    try:
        overlay_official(attempt, folder)  # changes found here are the past's; the latest state's are reported
        report = _grade(attempt, folder, name=f"on-time-{commit[:12]}", exercise_ids=exercise_ids)
    finally:
        remove_tree(folder)
    return Snapshot(report, commit, committed_at(attempt, commit), f"{attempt.student.repository}@{commit[:12]}")


def regrade_student(attempt: Attempt) -> Row:
    """One student's row; StudentStop becomes a row without a grade."""
    student, context = attempt.student, attempt.context
    try:
        clone(attempt)
        if not has_commits(attempt):
            raise StudentStop(EMPTY, NO_COMMITS)
        commit = last_commit(attempt, context.before)
        if commit is None:
            roots = git(attempt, "rev-list", "--max-parents=0", "HEAD").split()
            first = min(committed_at(attempt, root) for root in roots)
            raise StudentStop(EMPTY, NO_COMMIT_BEFORE.format(before=iso(context.before), first=iso(first)))
        git(attempt, "-c", "advice.detachedHead=false", "checkout", "--quiet", "--detach", commit)
        notes: list[str] = []
        theirs, ours = _version(attempt.checkout / MANIFEST_FILE), context.course.version
        problems = overlay_official(attempt, attempt.checkout)
        if problems and theirs and theirs != ours:
            notes.append(OTHER_RELEASE.format(manifest=MANIFEST_FILE, theirs=theirs, ours=ours))
        report = _grade(attempt, attempt.checkout, name=LATEST, exercise_ids=[])
        latest = Snapshot(report, commit, committed_at(attempt, commit), f"{student.repository}@{commit[:12]}")
        on_time = _on_time(attempt, latest, notes)
    except StudentStop as stop:
        return build_row(
            name=student.name, repository=student.repository, course=context.course, lock=context.lock, latest=None,
            status=stop.status, detail=stop.detail,
        )
    return build_row(
        name=student.name, repository=student.repository, course=context.course, lock=context.lock, latest=latest,
        on_time=on_time, due=context.due, detail="; ".join(notes), problems=problems,
    )


def _regrade_safely(attempt: Attempt) -> tuple[Row, float]:
    """Never raises: an unexpected error is this student's failed row, in one line."""
    attempt.started = time.monotonic()
    try:
        remove_tree(attempt.reports)
        attempt.reports.mkdir(parents=True)
        row = regrade_student(attempt)
    except Exception as error:  # noqa: BLE001 - one student's failure must not end the others' regrade
        message = " ".join(f"{type(error).__name__}: {error}".split())[:MAX_DETAIL]
        context = attempt.context
        row = build_row(
            name=attempt.student.name, repository=attempt.student.repository, course=context.course, lock=context.lock,
            latest=None, status=FAILED, detail=CRASHED.format(error=message),
        )
    finally:
        remove_tree(attempt.checkout)
        remove_tree(attempt.scratch)
        if attempt.reports.is_dir() and not any(attempt.reports.iterdir()):
            attempt.reports.rmdir()  # nothing was cloned, nothing to keep
    return row, time.monotonic() - attempt.started


def unique_slugs(students: list[Student]) -> list[str]:
    """Each student's slug; a second "Ada L." beside "Ada L" gets "Ada-L-2", so no folder is shared."""
    seen: set[str] = set()
    slugs = []
    for student in students:
        slug, number = student.slug, 1
        while slug.lower() in seen:
            number += 1
            slug = f"{student.slug}-{number}"
        seen.add(slug.lower())
        slugs.append(slug)
    return slugs


def progress_line(row: Row, *, index: int, total: int, seconds: float) -> str:
    if row.status == GRADED:
        return PROGRESS_GRADED.format(
            index=index, total=total, name=row.student, points=row.points, max=row.max, percent=row.percent,
            seconds=seconds,
        )
    detail = f" ({row.detail})" if row.detail else ""
    return PROGRESS_OTHER.format(index=index, total=total, name=row.student, status=row.status, detail=detail)


def regrade_rows(
    *,
    course: Course,
    course_root: Path,
    lock: dict[str, str],
    students: list[Student],
    before: datetime | None,
    due: DueDates,
    jobs: int,
    timeout: float,
    work_dir: Path,
    reports_dir: Path,
    out: TextIO,
) -> list[Row]:
    """Every student's row, in roster order, with ``jobs`` students graded at once.

    The threads only wait on child processes (git, `course grade`); the work happens in the children.
    """
    context = Context(
        course=course, course_root=course_root, lock=lock, before=before, due=due, timeout=timeout,
        work_dir=work_dir, reports_dir=reports_dir, groups=ProcessGroups(),
        token=os.environ.get(ENV_GITHUB_TOKEN) or None,
    )
    rows: dict[Student, Row] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="regrade")
    try:
        futures = {
            pool.submit(_regrade_safely, Attempt(student, context, slug)): student
            for student, slug in zip(students, unique_slugs(students))
        }
        for index, future in enumerate(as_completed(futures), start=1):
            row, seconds = future.result()
            rows[futures[future]] = row
            print(progress_line(row, index=index, total=len(students), seconds=seconds), file=out, flush=True)
    except BaseException:
        # Ctrl-C reaches only this process: the children are in sessions of their own.
        pool.shutdown(wait=False, cancel_futures=True)
        context.groups.end_all()
        raise
    pool.shutdown()
    for folder in (work_dir / SCRATCH_DIR, work_dir):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return [rows[student] for student in students]
