"""Put the official grading files over a student's checkout, so edits to them cannot change a grade.

The reusable grading workflow (.github/workflows/grade-official.yml) checks out the student's repository,
then the course at a pinned tag, and runs scripts/overlay_official_graders.py from the course's copy.
"Official files" are the ones graders.lock lists; the lock itself comes along. Grading files the
student added (a conftest.py, a module in harness/, a pytest.ini) are removed; their own code is untouched.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from harness.integrity import HARNESS_DIR, LOCK_FILE, read_lock, stale_entries, tracked_files
from harness.manifest import load_course

OFFICIAL_LOCK_MISSING = "The official copy at {root} has no {lock}; overlaying it would vouch for nothing."
OFFICIAL_LOCK_STALE = "The official copy's {lock} does not match its own files ({files}); refusing to overlay it."


class OverlayError(RuntimeError):
    pass


@dataclass
class Overlay:
    restored: list[str] = field(default_factory=list)  # differed from the official file, or were missing
    removed: list[str] = field(default_factory=list)  # grading files the official copy does not have
    unchanged: int = 0


def _bytecode_caches(root: Path, course: object) -> set[Path]:
    """__pycache__ folders and stray .pyc files at the root, under harness/ and in exercise folders."""
    places = [root / HARNESS_DIR, *(root / exercise.folder for exercise in course.exercises)]  # type: ignore[attr-defined]
    found = {path for path in root.glob("*.pyc")} | ({root / "__pycache__"} if (root / "__pycache__").exists() else set())
    for place in places:
        if place.is_dir() and not place.is_symlink():
            found |= {path for path in place.rglob("__pycache__")} | {path for path in place.rglob("*.pyc")}
    return {path for path in found if not any(parent in found for parent in path.parents)}


def overlay(official: Path, student: Path) -> Overlay:
    """Copy every file graders.lock lists from official to student; delete grading files it does not list."""
    course = load_course(official)
    lock = read_lock(official)
    if lock is None:
        raise OverlayError(OFFICIAL_LOCK_MISSING.format(root=official, lock=LOCK_FILE))
    stale = stale_entries(official, course)
    if stale:
        raise OverlayError(OFFICIAL_LOCK_STALE.format(lock=LOCK_FILE, files=", ".join(stale)))
    result = Overlay()
    # Compiled files beside the grading files would be imported instead of them: none may come from the student.
    for cache in sorted(_bytecode_caches(student, course)):
        shutil.rmtree(cache) if cache.is_dir() and not cache.is_symlink() else cache.unlink()
        result.removed.append(cache.relative_to(student).as_posix())
    # The official manifest decides which folders hold graders, whatever the student's says.
    for path in sorted(set(tracked_files(student, course)) - set(lock)):
        (student / path).unlink()
        result.removed.append(path)
    for path in sorted(lock) + [LOCK_FILE]:
        source, target = official / path, student / path
        if target.is_file() and target.read_bytes() == source.read_bytes():
            result.unchanged += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        result.restored.append(path)
    return result
