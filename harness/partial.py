"""Partial credit: a check split into parts, each passing or failing on its own."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from . import locations
from .checks import CheckFailed
from .loader import StudentCodeError, student_error_summary

MAX_LISTED_FAILURES = 5


class PartialCredit:
    """``with credit.part("quantity=0"): ...``: a failing part costs its share of the points only."""

    def __init__(self) -> None:
        self.results: list[tuple[str, str | None]] = []  # (label, failure message or None)
        self.hint: str | None = None

    @contextmanager
    def part(self, label: str) -> Iterator[None]:
        try:
            yield
        except CheckFailed as error:
            self._fail(label, error.message, error.hint, error)
        except StudentCodeError as error:
            self._fail(label, str(error), None, error)
        except AssertionError as error:
            self._fail(label, str(error).split("\nassert ", 1)[0], None, error)
        except Exception as error:  # the student's code raised: that part fails, the others still run
            self._fail(label, f"your code raised {student_error_summary(error)}", None, error)
        else:
            self.results.append((label, None))

    def _fail(self, label: str, message: str, hint: str | None, error: BaseException) -> None:
        locations.part_failed(error)
        if not self.failures:  # a specific hint speaks to the first failure listed, or not at all
            self.hint = hint
        self.results.append((label, message))

    @property
    def passed(self) -> int:
        return sum(1 for _, failure in self.results if failure is None)

    @property
    def failures(self) -> list[tuple[str, str]]:
        return [(label, failure) for label, failure in self.results if failure is not None]

    @property
    def fraction(self) -> float:
        return self.passed / len(self.results) if self.results else 0.0

    def fraction_of_planned(self) -> float:
        """When the check stopped early, the part it stopped in counts as failed too."""
        return self.passed / (len(self.results) + 1)

    def summary(self) -> str:
        failures = self.failures
        lines = [f"{self.passed} of {len(self.results)} cases passed. Failing:"]
        lines += [f"- {label}: {message}" for label, message in failures[:MAX_LISTED_FAILURES]]
        if len(failures) > MAX_LISTED_FAILURES:
            lines.append(f"- ... and {len(failures) - MAX_LISTED_FAILURES} more")
        return "\n".join(lines)
