"""The fixtures a grader asks for: the backend, the student's files, the call log, partial credit,
and what student code printed and logged. Registered by the plugin (harness/plugin.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import runtime
from .backends import Backend
from .exercise_files import ExerciseFiles
from .grading_run import NO_EMULATOR_IN_THIS_RUN, STATE, ensure_backend
from .kit.deployment_summary import UNREADABLE, empty_showcase, read_showcase
from .kit.logs import StudentLog
from .limits import StudentTimeout, time_limit
from .partial import PartialCredit
from .selection import exercise_of


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> Backend:
    """The AWS emulator this check runs against (name, endpoint, account_id, capabilities)."""
    state = request.config.stash[STATE]
    if not state.needs_emulator:
        raise RuntimeError(NO_EMULATOR_IN_THIS_RUN)
    return ensure_backend(state)


@pytest.fixture
def exercise(request: pytest.FixtureRequest) -> ExerciseFiles:
    """The student's files for the exercise this grader belongs to (or the reference solution's)."""
    state = request.config.stash[STATE]
    owner = exercise_of(request.node)
    if owner is None:
        raise RuntimeError("the exercise fixture is for graders inside an exercise folder")
    # No emulator for a run of exercises that call no AWS (course.toml aws = false): loading modules needs none.
    backend = request.getfixturevalue("backend") if state.needs_emulator else None
    return ExerciseFiles(owner, state.code_root / owner.folder, backend)


@pytest.fixture(scope="module")
def exercise_folder(request: pytest.FixtureRequest) -> Path:
    """Where the student's files for this grader's exercise are, known before the backend starts (for
    work a grader starts early, such as a template's lint: harness/kit/template_lint.py)."""
    owner = exercise_of(request.node)
    if owner is None:
        raise RuntimeError("the exercise_folder fixture is for graders inside an exercise folder")
    return request.config.stash[STATE].code_root / owner.folder


@pytest.fixture
def aws_calls(backend: Backend):  # type: ignore[no-untyped-def]
    """The AWS API calls made during this check (embedded backend only)."""
    from .checks import not_graded

    if backend.call_log is None:
        not_graded(f"{backend.name} cannot report which API calls your code made")
    backend.call_log.forget_calls()
    return backend.call_log


@pytest.fixture
def partial_credit(request: pytest.FixtureRequest) -> PartialCredit:
    """Split a check into parts: points are earned in proportion to the parts that pass."""
    credit = PartialCredit()
    request.node.stash[PARTIAL_KEY] = credit
    return credit


PARTIAL_KEY: pytest.StashKey[PartialCredit] = pytest.StashKey()
NOTE_KEY: pytest.StashKey[list[str]] = pytest.StashKey()
SHOWCASE_KEY: pytest.StashKey[dict[str, Any]] = pytest.StashKey()


@pytest.fixture
def report_note(request: pytest.FixtureRequest) -> list[str]:
    """Lines a check appends for the report even when it passes (a passed check's message is otherwise
    empty): what the grade depended on, such as the seed the heist's flags were derived from."""
    lines: list[str] = []
    request.node.stash[NOTE_KEY] = lines
    return lines


class ShowcaseRequest:
    """The stack a deploy check wants shown on the exercise's showcase page (``report_showcase.stack = ...``)."""

    stack: str | None = None


SHOWCASE_READ_LIMIT = 20.0  # seconds: the read happens outside the check's own limit, so it has one of its own


@pytest.fixture
def report_showcase(request: pytest.FixtureRequest, backend: Backend) -> Iterator[ShowcaseRequest]:
    """A deploy check names its stack (``report_showcase.stack = "parts-unlimited-orders"``); after the check,
    passed or failed and outside its time limit, the stack is read from the backend (never by running
    student code: harness/kit/deployment_summary.py). The report carries it as the exercise's
    ``showcase`` and the run writes reports/<exercise>-showcase.md from it."""
    wanted = ShowcaseRequest()
    yield wanted
    if wanted.stack is None:
        return
    try:
        with time_limit(SHOWCASE_READ_LIMIT, "Reading what was deployed"):
            found = read_showcase(wanted.stack, backend.endpoint)
    except (Exception, StudentTimeout) as error:  # noqa: BLE001 - a page that cannot be read never changes a grade
        found = empty_showcase(wanted.stack, UNREADABLE.format(what=f"the stack {wanted.stack}", error=error))
    request.node.stash[SHOWCASE_KEY] = dict(found)


@pytest.fixture
def student_log() -> StudentLog:
    """What student code printed and logged during this check (Lambda sends both to CloudWatch Logs)."""
    return runtime.check_log()
