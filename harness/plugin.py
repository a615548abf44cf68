"""The pytest plugin: backends, sandbox, points, crash containment and the grade reports.

Active in any pytest run from the repository (root conftest.py); it grades only tests that live in
an exercise folder listed in course.toml and leaves every other test alone.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from . import botocore_files, collector, early_work, fixtures, import_guard, integrity, locations, progress, runtime, script_replay
from .backends import BackendUnavailable, LeftoversNotCleaned, LocalStack
from .checks import NOT_GRADED_PREFIX
from .grading_run import STATE, GradingState, ensure_backend, ensure_students, shutdown
from .judging import BACKEND_ERROR, BLOCKED_PREFIX, MISSING_POINTS, judge
from .limits import clip, time_limit
from .manifest import load_course
from .options import COURSE_ROOT_HELP, NO_REPORT, add_grading_options
from .quiz.practice import read_practice
from .report import build_report, write_reports
from .report_types import GradeReport
from .results import BLOCKED, ERROR, FAILED, NOT_GRADED, PARTIAL, PASSED, CheckResult, format_failure, score_exercises
from .scoreboard import print_scoreboard
from .selection import (
    exercise_of,
    named_by_arguments,
    owning_exercise,
    partially_selected,
    prerequisite_problems,
    required_checks,
    title_for,
)
from .settings import (
    REPO_ROOT,
    REPORT_JSON,
    REPORT_MARKDOWN,
    SettingError,
    resolve_backend,
    resolve_check_timeout,
    resolve_report_dir,
)
from .student_files import is_grader_name, set_display_roots
from .unavailable import reason_not_graded

RESULT_KEY = "course_check"
SHOWCASE_PROPERTY = "course_showcase"  # what a deploy check found deployed (the report_showcase fixture)
ENDPOINT_KEY = "course_endpoint"  # where the process that ran a check had its backend (xdist workers each start one)
RESULT_COLLECTOR = "course-result-collector"
POINTS_MARKER = (
    "points(n, *, hint=None, read=None, requires=None): this grader check is worth n points; "
    "hint is shown when it fails, read names where to read (default: the exercise README), "
    "requires names checks (test function names) that must pass first."
)
NEEDS_MARKER = "needs(*capabilities): the check is 'not graded on this backend' unless the backend has them."
AHEAD_MARKER = (
    "start_ahead(*, student_processes=True, lambda_runtime=False): what this grader's first check starts to warm "
    "up on the other core. student_processes=False: no check loads the student's Python into a student process "
    "(it is deployed, or run by scripts), so their zygote is not started (by default it is, when the exercise's "
    "folder holds the student's Python). lambda_runtime=True: its checks deploy and invoke functions whatever the "
    "student wrote, so the Lambda runtime's zygote starts with the backend, not at the first function created "
    "(measure it: three interpreters importing boto3 at once slow a two-core machine)."
)
RUN_STOPPED = (
    "The grading run stopped before every selected check had run (pytest exit status {code}; incomplete: "
    "{exercises}), so this report is not a grade."
)

# ----------------------------------------------------------------------------------------- options


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("course", "Cloud Developer Accelerator grading")
    add_grading_options(group.addoption)
    NO_REPORT.add_to(group.addoption)
    group.addoption("--course-root", default=None, help=COURSE_ROOT_HELP)


def pytest_configure(config: pytest.Config) -> None:
    collector.tune()
    botocore_files.install()
    config.addinivalue_line("markers", POINTS_MARKER)
    config.addinivalue_line("markers", NEEDS_MARKER)
    config.addinivalue_line("markers", AHEAD_MARKER)
    course_root_as_given = Path(os.path.abspath(config.getoption("course_root") or REPO_ROOT))
    course_root = course_root_as_given.resolve()
    try:
        backend = resolve_backend(config.getoption("backend"), root=course_root)
        timeout = resolve_check_timeout(config.getoption("check_timeout"), root=course_root)
    except SettingError as error:
        raise pytest.UsageError(str(error)) from None
    code_root = course_root
    if config.getoption("solutions"):
        code_root = course_root / "solutions"
    elif config.getoption("code_root"):
        code_root = Path(config.getoption("code_root")).resolve()
    report_dir = None if config.getoption("no_report") else resolve_report_dir(config.getoption("report_dir"), course_root)
    state = GradingState(
        course=load_course(course_root),
        course_root=course_root,
        course_root_as_given=course_root_as_given,
        backend_name=backend.value,
        backend_source=backend.source,
        code_root=code_root,
        report_dir=report_dir,
        check_timeout=timeout.value,
        is_worker=hasattr(config, "workerinput"),
    )
    config.stash[STATE] = state
    script_replay.forget()  # recordings belong to one grading session
    early_work.forget()
    if not config.pluginmanager.is_registered(fixtures):
        config.pluginmanager.register(fixtures, "course-fixtures")
    if not state.is_worker and state.report_dir is not None:
        state.files_at_start = integrity.current_hashes(course_root, state.course)
    config.pluginmanager.register(ResultCollector(state), RESULT_COLLECTOR)
    set_display_roots(code_root, course_root)
    # The folders pytest will put on sys.path to import harness hold student files: never import those here.
    import_guard.install([course_root, code_root, *(root / e.folder for root in {course_root, code_root} for e in state.course.exercises)])
    # One broken grader file must not stop the other exercises from being graded.
    config.option.continue_on_collection_errors = True


def pytest_report_header(config: pytest.Config) -> list[str]:
    state = config.stash[STATE]
    if state.backend_name == "localstack":
        try:
            where = LocalStack.from_environment().endpoint
        except ValueError as error:
            where = str(error)
    elif state.backend_name == "ministack":
        where = "MiniStack in a process of its own on 127.0.0.1 (free port), no Docker"
    else:
        where = "embedded moto server on 127.0.0.1 (free port), no Docker"
    return [
        f"course backend: {state.backend_name} ({where}); chosen by {state.backend_source}",
        f"course code graded: {_shown_code_root(state)}",
    ]


# ------------------------------------------------------------------------------- which tests grade


class ResultCollector:
    """Gathers check results where reports arrive (the xdist controller, or the only process)."""

    def __init__(self, state: GradingState) -> None:
        self.state = state

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if not (report.failed and report.fspath):
            return
        exercise = owning_exercise(self.state, report.fspath)
        relative = os.path.relpath(os.path.abspath(report.fspath), self.state.course_root_as_given)
        if exercise is not None:
            summary = str(report.longrepr).strip().splitlines()[-1] if report.longrepr else "collection failed"
            self.state.collect_errors.setdefault(exercise.id, []).append(
                f"The grader {relative} could not be loaded: {summary}"
            )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        for key, value in report.user_properties:
            if key == ENDPOINT_KEY:
                self.state.check_endpoints.add(str(value))
            if key == RESULT_KEY:
                data = dict(value)
                exercise_id = data.pop("exercise")
                order = tuple(data.pop("order"))
                self.state.results.append(CheckResult.from_json(exercise_id, data, order=order))  # type: ignore[arg-type]
            if key == SHOWCASE_PROPERTY:
                self.state.showcases[value["exercise"]] = value["showcase"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Before -k/-m deselection: how many checks each exercise has, to tell a partial run."""
    state = config.stash[STATE]
    state.collected_checks.clear()
    for exercise in filter(None, map(exercise_of, items)):
        state.collected_checks[exercise.id] = state.collected_checks.get(exercise.id, 0) + 1


@pytest.hookimpl(trylast=True, specname="pytest_collection_modifyitems")
def pytest_collection_modifyitems_selected(config: pytest.Config, items: list[pytest.Item]) -> None:
    """After -k/-m deselection: which exercises, and how many of their checks, this run must grade."""
    state = config.stash[STATE]
    state.expected_checks.clear()
    for item in items:
        exercise = exercise_of(item)
        if exercise is not None:
            state.selected.add(exercise.id)
            state.expected_checks[exercise.id] = state.expected_checks.get(exercise.id, 0) + 1
    # An exercise the command line names whose grader yielded no check at all (deleted, emptied) must not
    # vanish from the report: it is reported with none of its checks run, which is not a grade.
    for exercise in named_by_arguments(config, state):
        if exercise.id not in state.selected and exercise.id not in state.deselected and not state.collect_errors.get(exercise.id):
            state.selected.add(exercise.id)
            state.expected_checks[exercise.id] = 1
    # Kata 1 alone starts no emulator; a run with any exercise that calls AWS starts one for all.
    state.needs_emulator = any(state.course.get(exercise_id).calls_aws for exercise_id in state.selected) or not state.selected


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        state = items[0].config.stash[STATE]
        state.deselected.update(exercise.id for exercise in map(exercise_of, items) if exercise is not None)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: Any, ids: list[str]) -> None:
    """Under xdist the controller collects nothing itself: every worker reports the same node ids."""
    state = node.config.stash[STATE]
    counts: dict[str, int] = {}
    for node_id in ids:
        exercise = owning_exercise(state, Path(node.config.rootpath) / node_id.split("::", 1)[0])
        if exercise is not None:
            counts[exercise.id] = counts.get(exercise.id, 0) + 1
    state.selected.update(counts)
    state.expected_checks = counts


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Prerequisites are looked up in the worker's own results: keep each grader file on one worker, and
    hand the longest files out first (harness/longest_first.py).

    --dist loadgroup too: pytest-xdist 3.8 groups `xdist_group` tests by renaming their node ids, which
    pytest 9 ignores, so the pages of tests/docs/test_docs.py (one group) were scattered over workers.
    Every group in this repository is one file, so one file per worker keeps each group together.
    """
    if config.getoption("dist") in ("load", "loadgroup", "loadfile"):
        from .longest_first import LongestFirst

        state = config.stash[STATE]

        def seconds(file_id: str) -> float:
            exercise = owning_exercise(state, Path(config.rootpath) / file_id)
            return exercise.grading_seconds if exercise is not None else 0.0

        return LongestFirst(config, log, seconds)
    return None


# ----------------------------------------------------------------------------- backend and sandbox


# --------------------------------------------------------------------------------- running a check


@functools.lru_cache(maxsize=None)
def _has_student_modules(folder: Path) -> bool:
    """Whether checks of this exercise may load the student's Python (Lab 3 has only JSON and a script)."""
    return any(not is_grader_name(path.name) for path in folder.rglob("*.py"))


@contextmanager
def _guarded(state: GradingState, what: str) -> Iterator[None]:
    with time_limit(state.check_timeout, what):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    state = item.config.stash[STATE]
    exercise = exercise_of(item)
    if exercise is None:
        yield
        return
    locations.start_check()
    marker = item.get_closest_marker("points")
    if marker is None:
        pytest.fail(MISSING_POINTS.format(check=item.nodeid), pytrace=False)
    for problem in prerequisite_problems(item):
        pytest.fail(problem, pytrace=False)
    if state.backend is None and state.backend_error is None:  # a worker knows only its current check's file
        early_work.start([item] if state.is_worker else item.session.items, state.code_root)
    backend = None
    ahead = item.get_closest_marker("start_ahead")
    wanted = ahead.kwargs if ahead is not None else {}
    loads_student_modules = wanted.get("student_processes", True) and _has_student_modules(state.code_root / exercise.folder)
    try:
        if state.needs_emulator:
            backend = ensure_backend(state, warm_students=loads_student_modules)
        else:
            ensure_students(state)
    except BackendUnavailable as error:
        pytest.fail(BACKEND_ERROR.format(error=error), pytrace=False)
    if wanted.get("lambda_runtime") and hasattr(backend, "warm_lambda_runtime"):
        backend.warm_lambda_runtime()  # type: ignore[union-attr]
    runtime.start_check_log()
    if state.pool is not None:
        if loads_student_modules:
            state.pool.warm_up()
        state.pool.start_check()
    # Checked first: a check this backend cannot grade stays out of the maximum, prerequisite or not.
    needs = item.get_closest_marker("needs")
    capabilities = backend.capabilities if backend is not None else frozenset()
    missing = [cap for cap in (needs.args if needs else ()) if cap not in capabilities]
    if missing:
        pytest.skip(f"{NOT_GRADED_PREFIX}{state.backend_name} lacks {', '.join(missing)}")
    for name in required_checks(marker):
        why = state.unavailable_checks.get((exercise.id, name))
        if why:  # what it builds on could not run here, so neither can it (a cached script run, a deployment)
            state.unavailable_checks[(exercise.id, item.name)] = why  # nor what builds on this one, in turn
            pytest.skip(f"{NOT_GRADED_PREFIX}{why} (this check builds on '{title_for(item, name)}')")
        outcome = state.outcomes.get((exercise.id, name))
        if outcome in (FAILED, PARTIAL, BLOCKED, ERROR):
            pytest.skip(f"{BLOCKED_PREFIX}finish '{title_for(item, name)}' first; this check builds on it")
    # Reset only for a check that runs: a skipped one's verdict must not depend on whether the reset (a
    # LocalStack cleanup of the previous check's resources) worked, and it saves the reset's time.
    try:
        if backend is not None:
            backend.reset()
    except LeftoversNotCleaned as error:
        state.unavailable_checks[(exercise.id, item.name)] = str(error)  # nor what builds on it
        pytest.skip(f"{NOT_GRADED_PREFIX}{error}")
    except BackendUnavailable as error:
        pytest.fail(BACKEND_ERROR.format(error=error), pytrace=False)
    with _guarded(state, "This check"):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    state = item.config.stash[STATE]
    if exercise_of(item) is None:
        yield
        return
    with _guarded(state, "This check"):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    """The check's student processes, and whatever they started, end with the check."""
    state = item.config.stash[STATE]
    if exercise_of(item) is not None and state.pool is not None:
        state.pool.end_check()
    yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    exercise = exercise_of(item)
    if exercise is not None and report.when == "teardown" and fixtures.SHOWCASE_KEY in item.stash:
        # read by the report_showcase fixture after the check: the exercise's, carried to the controller
        report.user_properties.append((SHOWCASE_PROPERTY, {"exercise": exercise.id, "showcase": item.stash[fixtures.SHOWCASE_KEY]}))
    if exercise is None or report.when == "teardown" or (report.when == "setup" and report.passed):
        return
    state = item.config.stash[STATE]
    unavailable = reason_not_graded(state.backend) if report.when in ("setup", "call") and not report.skipped else None
    if unavailable:  # it called a service this backend cannot provide: whatever happened proves nothing
        report.outcome, report.longrepr = "skipped", (str(item.path), item.location[1] or 0, NOT_GRADED_PREFIX + unavailable)
        state.unavailable_checks[(exercise.id, item.name)] = unavailable
    result = judge(item, report, call, exercise, state)
    if result.outcome not in (PASSED, NOT_GRADED):
        report.outcome = "failed"  # partial credit and "finish X first" still show as not done
        report.longrepr = format_failure(exercise.title, result.title, result.message, result.hint, result.read)
    state.outcomes[(exercise.id, item.name)] = result.outcome
    report.user_properties.append((RESULT_KEY, {"exercise": exercise.id, "order": [item.location[1] or 0, result.id], **result.to_json()}))
    if state.endpoint:
        report.user_properties.append((ENDPOINT_KEY, state.endpoint))
    _clip_sections(report)


def pytest_report_teststatus(report: pytest.TestReport | pytest.CollectReport, config: pytest.Config) -> tuple[str, str, tuple[str, dict]] | None:
    """A check waiting on another ("finish X first") is counted as waiting, not as an error, in
    pytest's own lines (`3 failed, 5 passed, 4 waiting`); it still makes the run fail."""
    for key, value in getattr(report, "user_properties", ()):  # collection reports have none
        if key == RESULT_KEY and value.get("outcome") == BLOCKED:
            return "waiting", "w", ("WAITING", {"yellow": True})
    return None


def _clip_sections(report: pytest.TestReport) -> None:
    """Megabytes of printed output must not flood the terminal or the report."""
    report.sections = [(name, clip(content)) for name, content in report.sections]


# ---------------------------------------------------------------------------------------- reports


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash[STATE]
    shutdown(state)
    if state.is_worker or state.report_dir is None or session.config.option.collectonly:
        return
    if not (state.results or state.collect_errors or state.selected):
        return
    scores = score_exercises(state.course, state.results, state.collect_errors, state.selected, state.expected_checks)
    harness_errors = [state.backend_error] if state.backend_error else []
    stopped = [score.exercise.id for score in scores if score.incomplete]
    if stopped or exitstatus in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.INTERRUPTED):
        harness_errors.append(RUN_STOPPED.format(code=int(exitstatus), exercises=", ".join(stopped) or "none missing"))
    report = build_report(
        course=state.course,
        scores=scores,
        backend={"name": state.backend_name, "chosen_by": state.backend_source, "endpoint": _endpoints(state)},
        code_root=_shown_code_root(state),
        started=state.started,
        finished=datetime.now(timezone.utc),
        harness_errors=harness_errors,
        commit_root=state.course_root,
        integrity=integrity.check(
            state.course_root, state.course, [score.exercise for score in scores], before=state.files_at_start
        ).to_json(),
        partial=partially_selected(session.config, state),
        untouched=progress.untouched(state.course_root, state.code_root, state.course),
        practice=read_practice(state.course_root),
        showcases=state.showcases,
    )
    remembered = progress.record(report, state.report_dir, code_root=state.code_root, course=state.course)
    graded = [exercise["id"] for exercise in report["exercises"]]
    summary = progress.merged_view(state.course, remembered, this_run=graded, code_root=state.code_root) or report
    summary["practice"] = report["practice"]
    write_reports(report, state.report_dir, REPORT_JSON, REPORT_MARKDOWN, summary=summary)
    session.config.stash[REPORT_KEY] = (report, summary)


REPORT_KEY: pytest.StashKey[tuple[GradeReport, GradeReport]] = pytest.StashKey()  # this run's, every exercise's latest


def _endpoints(state: GradingState) -> str:
    """Where the checks' AWS calls went: this process's backend, or under --jobs/-n the workers' own
    (the controller starts none), comma-separated; empty when no check reached a backend."""
    return ", ".join(sorted(state.check_endpoints | ({state.endpoint} if state.endpoint else set())))


def _shown_code_root(state: GradingState) -> str:
    if state.code_root.is_relative_to(state.course_root):
        return state.code_root.relative_to(state.course_root).as_posix() or "."
    return "(another directory)"


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    reports = config.stash.get(REPORT_KEY, None)
    if reports is None:
        return
    report, view = reports
    state = config.stash[STATE]
    shown_dir = str(state.report_dir)
    if state.report_dir and state.report_dir.is_relative_to(state.course_root):
        shown_dir = state.report_dir.relative_to(state.course_root).as_posix()
    print_scoreboard(report, terminalreporter, report_dir=shown_dir, view=view, show_all=config.getoption("all_failures"))


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE, None)
    if state is not None:
        shutdown(state)
    collector = config.pluginmanager.get_plugin(RESULT_COLLECTOR)
    if collector is not None:
        config.pluginmanager.unregister(collector)

