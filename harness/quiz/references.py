"""A question's references as the student reads them, with each `check:` named by the check's title.

A check's title is what the scoreboard calls it: the first line of the test function's docstring (its name
in words when it has none), read from the grader files without importing them.
"""

from __future__ import annotations

import ast
from pathlib import Path

from ..integrity import exercise_grader_files
from ..manifest import ManifestError, load_course
from ..settings import REPO_ROOT
from .model import CheckReference, DocReference, Question

CheckTitles = dict[str, str]  # "lab2:test_..." -> "queue redrives to order-events-dlq after 3 receives ..."


def check_titles(root: Path = REPO_ROOT) -> CheckTitles:
    titles: CheckTitles = {}
    try:
        exercises = load_course(root).exercises
    except (OSError, ManifestError):
        return titles
    for exercise in exercises:
        for relative in sorted(exercise_grader_files(root, exercise)):
            path = root / relative
            if path.suffix != ".py" or not path.name.startswith("test_"):
                continue
            try:
                tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            except (OSError, SyntaxError, UnicodeDecodeError):
                continue
            for node in tree.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
                    titles[f"{exercise.id}:{node.name}"] = title_of(node.name, ast.get_docstring(node))
    return titles


def title_of(name: str, doc: str | None) -> str:
    """As harness.selection titles a check: the docstring's first line, else the name in words."""
    if doc and doc.strip():
        return doc.strip().splitlines()[0].rstrip(".")
    return name.removeprefix("test_").replace("_", " ")


def check_line(reference: CheckReference, titles: CheckTitles) -> str:
    title = titles.get(reference.id) or title_of(reference.test, None)
    return f'see: {reference.exercise}, check "{title}"'


def reference_lines(question: Question, titles: CheckTitles) -> list[str]:
    lines = []
    for reference in question.references:
        if isinstance(reference, DocReference):
            lines.append(f"{reference.title}: {reference.url}")
        elif isinstance(reference, CheckReference):
            lines.append(check_line(reference, titles))
        else:
            lines.append(f"reading: {reference.reading}")
    return lines
