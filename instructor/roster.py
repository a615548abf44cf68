"""The students of a cohort, from a roster file: one student per line.

    # comments and blank lines are ignored
    octocat/cloud-developer-accelerator          -> student "octocat"
    Ada Lovelace, ada/cda-fork                   -> student "Ada Lovelace"
    bob ../students/bob                          -> a local git repository (course regrade)

A repository is `owner/name` on GitHub, a git URL, or a local path. Without a name, the student is
the repository's owner (GitHub) or the folder's name (a path or URL).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

GITHUB_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")
BAD_LINE = "{file}, line {line}: expected 'REPOSITORY' or 'NAME, REPOSITORY', got {text!r}"
TWICE = "{file}, line {line}: student {name!r} is listed twice"
EMPTY = "{file} lists no students"


class RosterError(ValueError):
    pass


@dataclass(frozen=True)
class Student:
    name: str
    repository: str  # owner/name on GitHub, a git URL or a local path

    @property
    def on_github(self) -> bool:
        return bool(GITHUB_NAME.match(self.repository)) and not Path(self.repository).exists()

    @property
    def slug(self) -> str:
        """A file-name-safe id, unique as long as names are: for per-student files and artifacts."""
        return re.sub(r"[^A-Za-z0-9._-]+", "-", self.name).strip("-.") or "student"


def default_name(repository: str) -> str:
    if GITHUB_NAME.match(repository):
        return repository.split("/")[0]
    stem = PurePosixPath(repository.rstrip("/").replace("\\", "/")).name
    return stem[:-4] if stem.endswith(".git") else stem


def parse_student(text: str) -> Student:
    """`REPOSITORY`, `NAME, REPOSITORY` or `NAME REPOSITORY` (the repository is the last word)."""
    if "," in text:
        name, _, repository = (part.strip() for part in text.rpartition(","))
    else:
        name, _, repository = text.strip().rpartition(" ")
        name, repository = name.strip(), repository.strip()
    if not repository:
        raise RosterError(text)
    return Student(name or default_name(repository), repository)


def read_roster(path: Path) -> list[Student]:
    students: list[Student] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
        if not text:
            continue
        try:
            student = parse_student(text)
        except RosterError:
            raise RosterError(BAD_LINE.format(file=path.name, line=number, text=line)) from None
        if student.name in seen:
            raise RosterError(TWICE.format(file=path.name, line=number, name=student.name))
        seen.add(student.name)
        students.append(student)
    if not students:
        raise RosterError(EMPTY.format(file=path.name))
    return students
