"""Parallel workers take the longest grader files first (course.toml `grading_seconds`), so that they
finish together instead of one worker starting the capstone when the others are done."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from xdist.scheduler import LoadFileScheduling


class LongestFirst(LoadFileScheduling):
    """One grader file per work unit (its prerequisites stay on one worker), handed out longest first;
    files of equal cost (every non-grader test: 0) keep xdist's order."""

    def __init__(self, config: pytest.Config, log: Any, seconds: Callable[[str], float]) -> None:
        super().__init__(config, log)
        self._seconds = seconds
        self._ordered = False

    def _assign_work_unit(self, node: Any) -> None:
        if not self._ordered:  # the queue is built from the workers' collection just before the first unit goes
            ordered = sorted(self.workqueue.items(), key=lambda unit: -self._seconds(unit[0]))
            self.workqueue.clear()
            self.workqueue.update(ordered)
            self._ordered = True
        super()._assign_work_unit(node)
