"""`course grade`: run the grader plugin in this process on some exercises and judge the run by its report."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from .manifest import Course, Exercise
from .options import GRADING_OPTIONS
from .settings import REPORT_JSON, REPORT_JUNIT
from .status import read_report, report_directory, shown

EXIT_GRADED = 0  # grading ran and wrote a report, whatever the score: unstarted labs are not a failure
EXIT_BELOW_THRESHOLD = 1
EXIT_HARNESS = 2
EXIT_INTEGRITY = 3  # only with --strict-integrity: grading files differ from graders.lock

# The scoreboard the plugin prints is what a student reads; pytest's own output stays out of its way.
# unraisableexception: its end-of-run gc passes cost ~0.2 s, and a student never reads its warnings.
QUIET_PYTEST = ("-q", "--tb=no", "-rN", "-p", "no:cacheprovider", "-p", "no:unraisableexception", "-p", "harness.plugin")

MISSING_FOLDER = "The folder of exercise {id!r} ({folder}) does not exist: is your copy of the course complete?"
NO_CHECKS = "No grader checks were found in {folders}; nothing was graded."
NO_REPORT_WRITTEN = (
    "Grading ended (pytest exit code {code}) but wrote no report at {path}, so the result is unknown. "
    "Drop --no-report if you passed it; otherwise the harness failed: see the output above."
)
HARNESS_FAILED = (
    "The grading harness failed (see 'Harness error' above), so this run does not count: fix that and grade again."
)
BELOW_THRESHOLD = "Total {percent:g}% is below --fail-under {threshold:g}%."
INTEGRITY_FAILED = (
    "Strict integrity: grading files differ from graders.lock ({files}), so this run does not count. "
    "Restore them (`git checkout -- <file>`) and grade again."
)
INTEGRITY_UNLOCKED = "graders.lock is missing"


def select(course: Course, exercise_ids: Sequence[str]) -> list[Exercise]:
    """The exercises named (manifest order when none are named); ManifestError names the known ids."""
    if not exercise_ids:
        return list(course.exercises)
    chosen: list[Exercise] = []
    for exercise_id in exercise_ids:
        exercise = course.get(exercise_id)
        if exercise not in chosen:
            chosen.append(exercise)
    return chosen


def pytest_arguments(
    *, course_root: Path, folders: Sequence[str], options: Mapping[str, Any], extra: Sequence[str]
) -> list[str]:
    """pytest's arguments: the shared grading options given (by their dest names), then extra, then folders."""
    args = [*QUIET_PYTEST, "--rootdir", str(course_root), "--course-root", str(course_root)]
    for option in GRADING_OPTIONS:
        args += option.forwarded(options.get(option.dest))
    return [*args, *extra, *folders]


MAX_AUTO_JOBS = 4
AUTO_JOBS = 0  # `--jobs auto`
# Where several exercises are graded in parallel workers by default: the embedded backend, one per worker.
# LocalStack is one shared emulator (workers would reset each other's state between checks); MiniStack
# is a process per worker, heavier than the core it would save.
PARALLEL_BACKENDS = ("moto",)
SEQUENTIAL_BACKEND = (
    "course grade: --jobs {jobs} ignored: the {backend} backend is one emulator shared by every worker, so "
    "the checks would reset each other's state; grading in one process."
)


# A worker costs a fixed ~3 s of CPU (its interpreter, pytest, the graders' collection, its own emulator):
# worth it when the exercises chosen add up to more work than that on each core.
MIN_PARALLEL_SECONDS = 12.0
# pytest options that need the checks in this process (a debugger's prompt, output straight to the terminal).
IN_THIS_PROCESS = ("--pdb", "--trace", "-s", "--capture=no")


def default_jobs(exercises: Sequence[Exercise], *, official: bool, backend: str | None, extra: Sequence[str] = ()) -> int:
    """Workers when `--jobs` is not given: one per CPU (`auto`) on the embedded backend when the exercises'
    expected time (course.toml `grading_seconds`) is worth it; one process for official grading (`--ci`,
    `--gradescope`; the regrade passes `--jobs 1`). Official grading stays sequential: the hostile corpus
    (tests/harness/hostile) is proven in one grading process; in workers, a student's root-level module
    named like the standard library's reaches xdist's bootstrap before the import guard. A student's own
    run is no grade of record, so it takes the faster road; its report is the same."""
    if official or backend not in PARALLEL_BACKENDS or any(arg in IN_THIS_PROCESS for arg in extra):
        return 1
    return AUTO_JOBS if sum(exercise.grading_seconds for exercise in exercises) >= MIN_PARALLEL_SECONDS else 1


def parallel_arguments(exercise_count: int, jobs: int | None, extra: Sequence[str]) -> list[str]:
    """pytest-xdist's arguments for ``jobs`` workers (AUTO_JOBS: one per CPU, up to 4; only for more
    than one exercise), each grader file on one worker (its prerequisites live there); none when the
    pytest arguments already say (-n, -p no:xdist)."""
    if any(arg in ("-n", "--numprocesses", "no:xdist") or arg.startswith(("-n", "--numprocesses=")) for arg in extra):
        return []
    if jobs == AUTO_JOBS:
        jobs = min(os.cpu_count() or 1, MAX_AUTO_JOBS) if exercise_count > 1 else 1
    workers = min(jobs or 1, exercise_count)  # a worker per grader file at most: more would wait for nothing
    return ["-n", str(workers), "--dist", "loadfile"] if workers > 1 else []


def _jobs_for(
    course_root: Path, exercises: Sequence[Exercise], options: Mapping[str, Any], jobs: int | None, *,
    official: bool, extra: Sequence[str], out: TextIO,
) -> int:
    from .settings import SettingError, resolve_backend

    try:
        backend: str | None = resolve_backend(options.get("backend"), root=course_root).value
    except SettingError:
        backend = None  # the plugin says what is wrong with it
    if jobs is None:
        return default_jobs(exercises, official=official, backend=backend, extra=extra)
    if jobs != 1 and backend == "localstack":
        print(SEQUENTIAL_BACKEND.format(jobs=jobs if jobs else "auto", backend=backend), file=out)
        return 1
    return jobs


def _stamp(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def grade(
    *,
    course: Course,
    course_root: Path,
    exercise_ids: Sequence[str],
    options: Mapping[str, Any] | None = None,
    fail_under: float | None = None,
    ci: str | None = None,
    strict_integrity: bool = False,
    gradescope: str | None = None,
    extra: Sequence[str] = (),
    jobs: int | None = None,
    out: TextIO,
) -> int:
    """Grade; raises ManifestError for an unknown exercise id. Returns the command's exit code.

    options are the shared grading options (harness/options.py) by dest name: code_root, report_dir and
    gradescope must be absolute, as pytest runs from the course root.
    ci="github" also writes JUnit XML beside the reports, the job summary, annotations and step outputs.
    """
    exercises = select(course, exercise_ids)
    for exercise in exercises:
        if not (course_root / exercise.folder).is_dir():
            return _no_report(MISSING_FOLDER.format(id=exercise.id, folder=exercise.folder), ci=ci, out=out)
    options = dict(options or {})
    jobs = _jobs_for(course_root, exercises, options, jobs, official=bool(ci or gradescope), extra=extra, out=out)
    report_path = report_directory(course_root, options.get("report_dir")) / REPORT_JSON
    before = _stamp(report_path)
    folders = [target for exercise in exercises for target in exercise.targets]
    extra = [*parallel_arguments(len(exercises), jobs, extra), *extra]
    if ci:
        extra = [*extra, f"--junitxml={report_path.with_name(REPORT_JUNIT)}"]
    args = pytest_arguments(course_root=course_root, folders=folders, options=options, extra=extra)

    import pytest  # only here: `course status` and `course --help` stay quick

    cwd = os.getcwd()
    os.chdir(course_root)  # node ids and paths in messages read relative to the course
    try:
        code = int(pytest.main(args))
    finally:
        os.chdir(cwd)
    out.flush()

    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        return _no_report(NO_CHECKS.format(folders=", ".join(folders)), ci=ci, out=out)
    if code in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR):
        if ci:  # pytest has said why in the log; the summary says where to look
            from .github_actions import publish_failure

            publish_failure(f"Grading stopped (pytest exit code {int(code)}); the step's log says why.", out=out)
        return EXIT_HARNESS
    after = _stamp(report_path)
    if after is None or after == before:
        return _no_report(NO_REPORT_WRITTEN.format(code=code, path=shown(report_path, course_root)), ci=ci, out=out)
    try:
        report = read_report(report_path)
    except ValueError as error:
        return _no_report(NO_REPORT_WRITTEN.format(code=code, path=f"a readable report ({error})"), ci=ci, out=out)
    if ci:
        from .github_actions import publish

        publish(report, out=out)
    if gradescope:
        from .gradescope import write_results

        write_results(report, Path(gradescope))
    return judge(report, fail_under=fail_under, strict_integrity=strict_integrity, out=out)


def judge(report: dict, *, fail_under: float | None, strict_integrity: bool, out: TextIO) -> int:
    """The exit code of a run that wrote its report."""
    if report.get("harness_errors"):
        print(HARNESS_FAILED, file=out)
        return EXIT_HARNESS
    integrity = report.get("integrity") or {}
    if strict_integrity and integrity.get("verdict") != "ok":
        files = ", ".join(integrity.get("modified") or []) or INTEGRITY_UNLOCKED
        print(INTEGRITY_FAILED.format(files=files), file=out)
        return EXIT_INTEGRITY
    percent = float(report["totals"]["percent"])
    if fail_under is not None and percent < fail_under:
        print(BELOW_THRESHOLD.format(percent=percent, threshold=fail_under), file=out)
        return EXIT_BELOW_THRESHOLD
    return EXIT_GRADED


def _no_report(message: str, *, ci: str | None, out: TextIO) -> int:
    print(message, file=out)
    if ci:
        from .github_actions import publish_failure

        publish_failure(message, out=out)
    return EXIT_HARNESS
