"""The course manifest (course.toml): one entry per exercise, read by the plugin, the CLI and reports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .settings import MANIFEST_FILE, REPO_ROOT, tomllib

EXAM_DOMAINS = {
    1: "Development with AWS Services",
    2: "Security",
    3: "Deployment",
    4: "Troubleshooting and Optimization",
}


class ManifestError(ValueError):
    pass


@dataclass(frozen=True)
class Exercise:
    id: str
    title: str
    week: int
    folder: str  # repo-relative, POSIX separators
    points: int
    domain: int
    # Grader files of this exercise when its folder holds another exercise's too (an optional
    # extension graded separately); empty: every grader in the folder.
    graders: tuple[str, ...] = ()
    optional: bool = False  # reported on its own, outside the course total
    # Files in the folder the grader reads as the truth (expected results): locked like the grader itself.
    fixtures: tuple[str, ...] = ()
    # About how long its checks take on the reference solution (course.toml `grading_seconds`; 0: unknown):
    # parallel workers start the longest first, and decide whether a run is worth workers at all.
    grading_seconds: float = 0.0
    # False (course.toml `aws = false`): its checks call no AWS, so grading it alone starts no emulator.
    calls_aws: bool = True

    @property
    def targets(self) -> list[str]:
        """What pytest is given to grade this exercise alone."""
        return [f"{self.folder}/{name}" for name in self.graders] or [self.folder]

    def grades(self, parts: tuple[str, ...]) -> bool:
        """Whether a repo-relative path (split in parts) belongs to this exercise."""
        folder = PurePosixPath(self.folder).parts
        if parts[: len(folder)] != folder:
            return False
        return not self.graders or (len(parts) > len(folder) and parts[len(folder)] in self.graders)

    @property
    def domain_name(self) -> str:
        return EXAM_DOMAINS[self.domain]

    @property
    def readme(self) -> str:
        return f"{self.folder}/README.md"


@dataclass(frozen=True)
class Course:
    name: str
    version: str
    exercises: tuple[Exercise, ...]

    def get(self, exercise_id: str) -> Exercise:
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        known = ", ".join(e.id for e in self.exercises)
        raise ManifestError(f"No exercise {exercise_id!r} in {MANIFEST_FILE}; known exercises: {known}.")

    def owning(self, relative_path: str) -> Exercise | None:
        """The exercise a repo-relative path (a grader file) belongs to, if any."""
        parts = PurePosixPath(relative_path).parts
        for exercise in self.exercises:
            if exercise.grades(parts):
                return exercise
        return None


REQUIRED_KEYS = ("id", "title", "week", "folder", "points", "domain")


def load_course(root: Path = REPO_ROOT) -> Course:
    path = root / MANIFEST_FILE
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    meta = data.get("course", {})
    exercises = []
    seen: set[str] = set()
    for index, entry in enumerate(data.get("exercise", []), start=1):
        missing = [key for key in REQUIRED_KEYS if key not in entry]
        if missing:
            raise ManifestError(f"{MANIFEST_FILE}: exercise #{index} lacks {', '.join(missing)}.")
        if entry["id"] in seen:
            raise ManifestError(f"{MANIFEST_FILE}: exercise id {entry['id']!r} appears twice.")
        graders = entry.get("graders", [])
        fixtures = entry.get("fixtures", [])
        for key, names in (("graders", graders), ("fixtures", fixtures)):
            if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
                raise ManifestError(f"{MANIFEST_FILE}: exercise {entry['id']!r}: {key} must be a list of file names.")
        seconds = entry.get("grading_seconds", 0)
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise ManifestError(f"{MANIFEST_FILE}: exercise {entry['id']!r}: grading_seconds must be a number of seconds.")
        if not isinstance(entry.get("aws", True), bool):
            raise ManifestError(f"{MANIFEST_FILE}: exercise {entry['id']!r}: aws must be true or false.")
        if entry["domain"] not in EXAM_DOMAINS:
            raise ManifestError(f"{MANIFEST_FILE}: exercise {entry['id']!r} has domain {entry['domain']!r}; use 1-4.")
        seen.add(entry["id"])
        exercises.append(
            Exercise(
                id=entry["id"],
                title=entry["title"],
                week=int(entry["week"]),
                folder=str(PurePosixPath(entry["folder"])),
                points=int(entry["points"]),
                domain=int(entry["domain"]),
                graders=tuple(graders),
                fixtures=tuple(fixtures),
                optional=bool(entry.get("optional", False)),
                grading_seconds=float(seconds),
                calls_aws=entry.get("aws", True),
            )
        )
    _check_shared_folders(exercises)
    return Course(name=meta.get("name", "course"), version=str(meta.get("version", "0")), exercises=tuple(exercises))


def _check_shared_folders(exercises: list[Exercise]) -> None:
    """Two exercises may share a folder only when each names its own, distinct grader files."""
    by_folder: dict[str, list[Exercise]] = {}
    for exercise in exercises:
        by_folder.setdefault(exercise.folder, []).append(exercise)
    for folder, sharing in by_folder.items():
        if len(sharing) < 2:
            continue
        names = [name for exercise in sharing for name in exercise.graders]
        if any(not exercise.graders for exercise in sharing) or len(names) != len(set(names)):
            ids = ", ".join(exercise.id for exercise in sharing)
            raise ManifestError(f"{MANIFEST_FILE}: {ids} share {folder}; each must list distinct `graders` files.")
