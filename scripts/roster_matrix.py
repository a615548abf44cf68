#!/usr/bin/env python3
"""A cohort roster as the JSON matrix of .github/workflows/regrade-cohort.yml: one job per student.

    python3 scripts/roster_matrix.py cohort/students.txt
    [{"name": "octocat", "line": "octocat, octocat/cloud-developer-accelerator", "slug": "octocat"}, ...]

`line` is what the job passes to `course regrade --student`, `slug` names its artifact. Standard
library only, so the roster job needs no install: instructor/roster.py is loaded by its path.
Exit status 0 with the JSON on stdout, 2 with the reason on stderr.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

ROSTER_MODULE = Path(__file__).resolve().parent.parent / "instructor" / "roster.py"
MAX_JOBS = 256  # GitHub Actions runs at most 256 jobs per matrix
TOO_MANY = (
    "{file} lists {count} students, but a matrix holds at most {limit} jobs: split it into rosters of at most "
    "{limit} students and run the workflow once per roster"
)
NO_ROSTER = "{file} does not exist: commit the roster to the repository and give its path (the workflow's roster input)"
SAME_SLUG = "{file}: {first!r} and {second!r} would share the artifact name regrade-{slug}: tell them apart by name"


def load_roster_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("course_roster", ROSTER_MODULE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def matrix(path: Path) -> list[dict[str, str]]:
    roster = load_roster_module()
    if not path.is_file():
        raise roster.RosterError(NO_ROSTER.format(file=path))
    students = roster.read_roster(path)
    if len(students) > MAX_JOBS:
        raise roster.RosterError(TOO_MANY.format(file=path.name, count=len(students), limit=MAX_JOBS))
    by_slug: dict[str, str] = {}
    entries = []
    for student in students:
        slug = student.slug
        if slug.lower() in by_slug:
            first = by_slug[slug.lower()]
            raise roster.RosterError(SAME_SLUG.format(file=path.name, first=first, second=student.name, slug=slug))
        by_slug[slug.lower()] = student.name
        # `NAME, REPOSITORY` reads back as the same student whatever the name holds (spaces, commas).
        entries.append({"name": student.name, "line": f"{student.name}, {student.repository}", "slug": slug})
    return entries


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        entries = matrix(Path(argv[0]))
    except (OSError, ValueError) as error:  # RosterError is a ValueError
        print(f"roster_matrix: {error}", file=sys.stderr)
        return 2
    print(json.dumps(entries, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
