"""Tamper evidence: SHA-256 of every file that decides a grade, checked against graders.lock.

`course lock` (maintainers) writes graders.lock in `sha256sum` format, so `sha256sum --check
graders.lock` verifies a tree without the course installed. Every grade report carries the hashes of
the files the run used and a verdict: "ok", "modified" (naming the files that differ from the lock,
were added, or are missing) or "unlocked" (no lock to compare with). Editing the lock in a fork
hides nothing from an instructor: the report carries the hashes themselves, and the lock's own hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

from .manifest import Course, Exercise
from .settings import MANIFEST_FILE
from .student_files import is_grader_name

LOCK_FILE = "graders.lock"
HARNESS_DIR = "harness"
GRADING_WORKFLOWS = (".github/workflows/grade.yml", ".github/workflows/grade-official.yml")
# What installs and starts the harness, and pytest's own configuration: each can change a grade.
CONFIG_FILES = ("pyproject.toml", "constraints.txt", "Makefile", "conftest.py")
# Files pytest or pip would read if they existed; the course has none, so their appearance is an edit.
UNEXPECTED_CONFIG = ("pytest.ini", ".pytest.ini", "tox.ini", "setup.cfg", "setup.py")
SKIPPED_PARTS = {"__pycache__", ".pytest_cache"}
SKIPPED_SUFFIXES = {".pyc", ".pyo"}

LOCK_WRITTEN = "Wrote {path}: SHA-256 of {count} files (graders, harness, manifest, configuration, grading workflows)."
LOCK_CURRENT = "{path} is up to date ({count} files)."
LOCK_STALE = "{path} does not match the tree: {files}. Run `course lock` and commit {path}."
LOCK_MISSING = "There is no {path}. Run `course lock` and commit {path}."
MAX_LISTED = 10

OK = "ok"
MODIFIED = "modified"
UNLOCKED = "unlocked"
VERDICTS = (OK, MODIFIED, UNLOCKED)


@dataclass(frozen=True)
class Integrity:
    verdict: str
    modified: list[str]  # repo-relative, sorted
    hashes: dict[str, str]  # repo-relative path -> sha256 of the file used
    lock_sha256: str | None  # the lock file's own hash, None without one

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "modified": self.modified,
            "hashes": self.hashes,
            "lock_sha256": self.lock_sha256,
        }


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _keep(path: Path, root: Path) -> bool:
    parts = path.relative_to(root).parts
    return path.is_file() and not SKIPPED_PARTS.intersection(parts) and path.suffix not in SKIPPED_SUFFIXES


def exercise_grader_files(root: Path, exercise: Exercise) -> set[str]:
    """The grader files pytest loads for an exercise, including any conftest.py above its folder."""
    folder = root / exercise.folder
    found: set[str] = set()
    if folder.is_dir():
        for path in folder.rglob("*.py"):
            if not _keep(path, root):
                continue
            relative = path.relative_to(folder)
            named = exercise.graders and len(relative.parts) == 1 and relative.name in exercise.graders
            if named or path.name == "conftest.py" or (not exercise.graders and is_grader_name(path.name)):
                found.add(path.relative_to(root).as_posix())
    found |= {f"{exercise.folder}/{name}" for name in exercise.fixtures if (folder / name).is_file()}
    for parent in PurePosixPath(exercise.folder).parents:
        if parent != PurePosixPath(".") and (root / parent / "conftest.py").is_file():
            found.add(f"{parent}/conftest.py")
    return found


def common_files(root: Path) -> set[str]:
    """Files every grading run depends on: the harness, the manifest, configuration, workflows."""
    found = {
        name
        for name in (MANIFEST_FILE, *CONFIG_FILES, *UNEXPECTED_CONFIG, *GRADING_WORKFLOWS)
        if (root / name).is_file()
    }
    harness = root / HARNESS_DIR
    if harness.is_dir():
        found |= {path.relative_to(root).as_posix() for path in harness.rglob("*") if _keep(path, root)}
    return found


def tracked_files(root: Path, course: Course, exercises: Iterable[Exercise] | None = None) -> list[str]:
    """Every file that can change a grade of these exercises (all of the course's by default)."""
    chosen = course.exercises if exercises is None else tuple(exercises)
    found = common_files(root)
    for exercise in chosen:
        found |= exercise_grader_files(root, exercise)
    return sorted(found)


def lock_text(root: Path, course: Course) -> str:
    """graders.lock for a tree: `sha256  path` per line, sorted, as `sha256sum` writes it."""
    return "".join(f"{sha256_of(root / path)}  {path}\n" for path in tracked_files(root, course))


def write_lock(root: Path, course: Course) -> Path:
    path = root / LOCK_FILE
    path.write_text(lock_text(root, course), encoding="utf-8")
    return path


class LockFormatError(ValueError):
    pass


def read_lock(root: Path) -> dict[str, str] | None:
    path = root / LOCK_FILE
    return read_lock_file(path) if path.is_file() else None


def read_lock_file(path: Path) -> dict[str, str]:
    """A lock in `sha256sum` format, under any name (an instructor may keep graders-v0.1.0.lock)."""
    entries: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        digest, separator, name = line.partition("  ")
        if not separator or len(digest) != 64 or not name:
            raise LockFormatError(f"{path.name}, line {number}: expected '<sha256>  <path>', got {line!r}")
        entries[name] = digest
    return entries


def in_scope(path: str, course: Course, exercises: Iterable[Exercise]) -> bool:
    """A lock entry concerns this run if it is common to all runs or a grader of a graded exercise."""
    owner = _exercise_folder_of(path, course)
    return owner is None or any(exercise.folder == owner for exercise in exercises)


def _exercise_folder_of(path: str, course: Course) -> str | None:
    parts = PurePosixPath(path).parts
    for exercise in course.exercises:
        folder = PurePosixPath(exercise.folder).parts
        if parts[: len(folder)] == folder:
            return exercise.folder
    return None


def symlinked(root: Path, path: str) -> bool:
    """The file, or a folder on its way from the root, is a symbolic link (its content lives elsewhere)."""
    current = root
    for part in PurePosixPath(path).parts:
        current = current / part
        if current.is_symlink():
            return True
    return False


def current_hashes(root: Path, course: Course) -> dict[str, str]:
    """Every grading file's hash now: taken before grading starts, compared when the report is written."""
    return {path: sha256_of(root / path) for path in tracked_files(root, course)}


def check(
    root: Path, course: Course, exercises: Iterable[Exercise] | None = None, *, before: dict[str, str] | None = None
) -> Integrity:
    """Hash the files a run of these exercises uses and compare them with graders.lock.

    A locked file that is missing or reached through a symbolic link counts as modified whichever
    exercises ran: deleting a grader must not make its exercise quietly vanish from the report. ``before``
    (hashes taken when grading started): a file changed during the run counts as modified too."""
    chosen = tuple(course.exercises if exercises is None else exercises)
    hashes = {path: sha256_of(root / path) for path in tracked_files(root, course, chosen)}
    lock_path = root / LOCK_FILE
    if not lock_path.is_file():
        return Integrity(UNLOCKED, [], hashes, None)
    try:
        lock = read_lock(root) or {}
    except (LockFormatError, UnicodeDecodeError):
        lock = {}  # an unreadable lock vouches for nothing: every file counts as modified
    differing = {path for path, digest in hashes.items() if lock.get(path) != digest}
    missing = {path for path in lock if not (root / path).is_file()}
    linked = {path for path in set(lock) | set(hashes) if symlinked(root, path)}
    changed = set() if before is None else {path for path, digest in before.items() if current_hashes_of(root, path) != digest}
    forged = set(forged_bytecode(root, course))
    modified = sorted(differing | missing | linked | changed | forged)
    return Integrity(MODIFIED if modified else OK, modified, hashes, sha256_of(lock_path))


PYC_FLAGS = slice(4, 8)
PYC_SOURCE_HASH = slice(8, 16)
HASH_BASED, CHECK_SOURCE = 0b01, 0b10


def forged_bytecode(root: Path, course: Course) -> list[str]:
    """Compiled files Python would load without looking at their source: an unchecked hash-based .pyc
    (Python never writes one by itself), or a checked one whose source hash differs from the source's."""
    import importlib.util

    places = [root / HARNESS_DIR, root, *(root / exercise.folder for exercise in course.exercises)]
    found = []
    for place in places:
        caches = place.rglob("__pycache__/*.pyc") if place != root else place.glob("__pycache__/*.pyc")
        for compiled in caches:
            try:
                header = compiled.read_bytes()[:16]
            except OSError:
                continue
            flags = int.from_bytes(header[PYC_FLAGS], "little") if len(header) == 16 else 0
            if not flags & HASH_BASED:
                continue  # timestamp-based: Python checks it against the source's mtime and size itself
            source = compiled.parent.parent / (compiled.name.split(".", 1)[0] + ".py")
            try:
                expected = importlib.util.source_hash(source.read_bytes())
            except OSError:
                expected = b""
            if not flags & CHECK_SOURCE or header[PYC_SOURCE_HASH] != expected:
                found.append(compiled.relative_to(root).as_posix())
    return sorted(set(found))


def current_hashes_of(root: Path, path: str) -> str | None:
    try:
        return sha256_of(root / path)
    except OSError:
        return None


def stale_entries(root: Path, course: Course) -> list[str]:
    """Paths whose lock entry does not match the tree (empty: the lock is up to date)."""
    try:
        lock = read_lock(root) or {}
    except LockFormatError:
        lock = {}
    current = {path: sha256_of(root / path) for path in tracked_files(root, course)}
    return sorted(
        {path for path in current if lock.get(path) != current[path]} | {path for path in lock if path not in current}
    )


def lock(*, course: Course, course_root: Path, check_only: bool, out: TextIO) -> int:
    """`course lock`: write graders.lock, or with --check only say whether it is current (exit 1 if not)."""
    count = len(tracked_files(course_root, course))
    if not check_only:
        write_lock(course_root, course)
        from .progress import STARTERS_LOCK, starters_text  # what "not started" means: the starters untouched

        (course_root / STARTERS_LOCK).write_text(starters_text(course_root, course), encoding="utf-8")
        print(LOCK_WRITTEN.format(path=LOCK_FILE, count=count), file=out)
        return 0
    if not (course_root / LOCK_FILE).is_file():
        print(LOCK_MISSING.format(path=LOCK_FILE), file=out)
        return 1
    stale = stale_entries(course_root, course)
    if stale:
        shown = ", ".join(stale[:MAX_LISTED]) + (
            f" and {len(stale) - MAX_LISTED} more" if len(stale) > MAX_LISTED else ""
        )
        print(LOCK_STALE.format(path=LOCK_FILE, files=shown), file=out)
        return 1
    print(LOCK_CURRENT.format(path=LOCK_FILE, count=count), file=out)
    return 0
