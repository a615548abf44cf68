"""LocalStack's column of the backend agreement: every exercise's reference solution and untouched starter,
graded on moto and on LocalStack's community runtime run here as a host process (Python 3.13, no
Docker; harness/localstack_host.py), give each check the same verdict, or LocalStack says why it cannot
grade it (DynamoDB and Lambda code do not run there). docs/harness.md shows its own table.

Not in every `make test`: a first install takes 1-8 minutes and the gradings about 4-6 more on 2 cores.
CI runs it (.ci/run sets COURSE_AGREEMENT_LOCALSTACK=1), and so does `make agreement-localstack`; both keep
LocalStack's venv in ~/.cache, across clones.
"""

from __future__ import annotations

import os

import pytest
from backend_agreement import (
    DOC,
    KINDS,
    LOCALSTACK_BACKENDS,
    LOCALSTACK_BEGIN,
    LOCALSTACK_END,
    Grading,
    changed_rows,
    committed_section,
    grade_everywhere,
    render,
    undeclared_differences,
)
from support import REPO

from harness.localstack_host import find_python
from harness.manifest import load_course

ENABLE = "COURSE_AGREEMENT_LOCALSTACK"
pytestmark = [
    pytest.mark.xdist_group("backend-agreement-localstack"),
    pytest.mark.skipif(not os.environ.get(ENABLE), reason=f"LocalStack's agreement runs with `make agreement-localstack` ({ENABLE}=1)"),
]
EXERCISES = [exercise.id for exercise in load_course(REPO).exercises]
REWRITE = "Rewrite it: .venv/bin/python tests/backend_agreement.py --localstack --write"


@pytest.fixture(scope="module")
def gradings(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Grading]:
    # Asked for, so a missing Python 3.13 is a failure that says so, not a skip.
    assert find_python() is not None, "LocalStack's community runtime needs Python 3.13 (set COURSE_LOCALSTACK_PYTHON)"
    return grade_everywhere(tmp_path_factory.mktemp("agreement-localstack"), LOCALSTACK_BACKENDS)


def test_no_check_ends_in_a_harness_error_on_either_backend(gradings: dict[tuple[str, str], Grading]) -> None:
    assert set(gradings) == {(backend, kind) for backend in LOCALSTACK_BACKENDS for kind in KINDS}
    errors = [error for grading in gradings.values() for error in grading.harness_errors()]
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("exercise", EXERCISES)
def test_localstack_gives_each_check_the_embedded_backends_verdict_or_says_why_not(
    gradings: dict[tuple[str, str], Grading], exercise: str
) -> None:
    differences = [line for line in undeclared_differences(gradings) if f" {exercise} › " in line]
    assert not differences, "\n".join(differences)


def test_the_reference_solutions_get_every_point_localstack_can_grade(gradings: dict[tuple[str, str], Grading]) -> None:
    report = gradings[("localstack", "solution")].run.report
    assert report is not None
    short = [
        f"{exercise['id']} › {check['title']}: {check['outcome']} {check['message'][:300]}"
        for exercise in report["exercises"]
        for check in exercise["checks"]
        if check["outcome"] not in ("passed", "not_graded")
    ]
    assert not short, "\n".join(short)


def test_the_localstack_table_in_docs_harness_md_is_the_one_these_gradings_give(gradings: dict[tuple[str, str], Grading]) -> None:
    committed = committed_section(DOC.read_text(encoding="utf-8"), LOCALSTACK_BEGIN, LOCALSTACK_END)
    fresh = render(gradings)
    assert committed == fresh, (
        f"LocalStack's agreement table in {DOC.relative_to(REPO)} is out of date. {REWRITE}\n{changed_rows(committed, fresh)}"
    )
