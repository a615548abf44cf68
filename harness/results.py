"""One check's result and the totals built from many: the single place where points are counted."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from .manifest import Course, Exercise
from .report_types import CheckReport, ExerciseReport, Totals

PASSED = "passed"
PARTIAL = "partial"  # some of a fractional check's parts passed
FAILED = "failed"
BLOCKED = "blocked"  # a prerequisite check failed: "finish X first"
NOT_GRADED = "not_graded"  # the backend lacks what the check needs: out of the maximum
ERROR = "error"  # the harness or a grader broke, not the student's code
OUTCOMES = (PASSED, PARTIAL, FAILED, BLOCKED, NOT_GRADED, ERROR)


@dataclass
class CheckResult:
    exercise: str
    id: str
    title: str
    outcome: str
    points: float
    max: float
    message: str = ""
    hint: str = ""
    read: str = ""
    duration: float = 0.0
    file: str = ""  # the student's file at fault, repo-relative, when the harness can tell
    line: int | None = None
    order: tuple[int, str] = (0, "")  # line in the grader file, then id: a stable order under xdist

    @property
    def counts_towards_max(self) -> bool:
        return self.outcome != NOT_GRADED

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("order")
        data.pop("exercise")
        if not self.file:  # optional in the report: only checks that point somewhere carry them
            data.pop("file")
            data.pop("line")
        elif self.line is None:
            data.pop("line")
        return data

    @classmethod
    def from_json(cls, exercise: str, data: CheckReport, order: tuple[int, str] = (0, "")) -> CheckResult:
        return cls(exercise=exercise, order=order, **data)


@dataclass
class ExerciseScore:
    exercise: Exercise
    checks: list[CheckResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # e.g. a grader file that failed to load
    incomplete: bool = False  # checks were selected that never reported: the run stopped early

    @property
    def points(self) -> float:
        return round(sum(c.points for c in self.checks if c.counts_towards_max), 2)

    @property
    def max(self) -> float:
        """The checks' points; for a run that stopped early, at least the manifest's (never a false 100 %)."""
        graded = round(sum(c.max for c in self.checks if c.counts_towards_max), 2)
        if not self.incomplete:
            return graded
        left_out = sum(c.max for c in self.checks if c.outcome == NOT_GRADED)
        return round(max(graded, self.exercise.points - left_out), 2)

    @property
    def not_graded(self) -> int:
        return sum(1 for c in self.checks if c.outcome == NOT_GRADED)

    @property
    def status(self) -> str:
        if self.errors or any(c.outcome == ERROR for c in self.checks):
            return "error"
        if self.max and self.points >= self.max:
            return "complete"
        if self.points > 0:
            return "in progress"
        return "not started"


def percent(points: float, maximum: float) -> float:
    return round(100.0 * points / maximum, 1) if maximum else 0.0


def totals_of(exercises: list[ExerciseReport]) -> Totals:
    """A report's totals from its exercises: optional extensions counted apart, outside points/max."""
    required = [e for e in exercises if not e.get("optional")]
    extensions = [e for e in exercises if e.get("optional")]
    points = round(sum(e["points"] for e in required), 2)
    maximum = round(sum(e["max"] for e in required), 2)
    checks = [c for e in exercises for c in e["checks"]]
    return {
        "points": points,
        "max": maximum,
        "percent": percent(points, maximum),
        "checks": len(checks),
        "passed": sum(1 for c in checks if c["outcome"] == PASSED),
        "not_graded": sum(1 for c in checks if c["outcome"] == NOT_GRADED),
        "optional_points": round(sum(e["points"] for e in extensions), 2),
        "optional_max": round(sum(e["max"] for e in extensions), 2),
    }


def score_exercises(
    course: Course,
    results: list[CheckResult],
    errors: dict[str, list[str]],
    selected: set[str],
    expected_checks: dict[str, int] | None = None,
) -> list[ExerciseScore]:
    """Exercises in manifest order, checks in grader order; only exercises that were graded or selected.

    ``expected_checks``: how many checks were selected per exercise; an exercise with fewer results
    (the run stopped early) is marked incomplete and says so in its errors."""
    scores = []
    for exercise in course.exercises:
        checks = sorted((r for r in results if r.exercise == exercise.id), key=lambda r: r.order)
        if checks or exercise.id in selected or errors.get(exercise.id):
            score = ExerciseScore(exercise, checks, list(errors.get(exercise.id, [])))
            expected = (expected_checks or {}).get(exercise.id)
            if expected is not None and len(checks) < expected:
                score.incomplete = True
                score.errors.append(
                    NO_CHECK_RAN if not checks else INCOMPLETE_EXERCISE.format(ran=len(checks), expected=expected)
                )
            scores.append(score)
    return scores


NO_CHECK_RAN = (
    "None of its checks ran: its grader is missing or yields no check, so this is not a grade. "
    "Restore the exercise's grader file (git checkout -- <file>) and grade again."
)
INCOMPLETE_EXERCISE = (
    "Only {ran} of its {expected} checks reported a result: the grading run stopped early, so this is not a grade. "
    "Grade again; if it happens again, the output above names the harness error."
)


def format_failure(exercise_title: str, check_title: str, message: str, hint: str, read: str) -> str:
    """The student-facing text of a failed check (see shared STYLE: checked, expected/got, hint, read)."""
    lines = [f"{exercise_title} › {check_title}", message.strip()]
    if hint:
        lines.append(f"Hint: {hint}")
    if read:
        lines.append(f"Read: {read}")
    return "\n".join(lines)
