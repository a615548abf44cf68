"""The question bank's loader and schema: typed questions, every structural error with its file and line,
the JSON Schema agreeing with the loader, and no need for jsonschema at run time."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from bank_support import bank_of, multiple, only, single, write_bank
from support import REPO

from harness.quiz import BankError, CheckReference, DocReference, ReadingReference, load_bank, read_bank
from harness.quiz.bank import BANK_DIR, shown_path

SCHEMA = json.loads((REPO / "quizzes" / "bank.schema.json").read_text(encoding="utf-8"))
BANK_FILES = sorted((REPO / BANK_DIR).glob("*.yaml"))


def schema_errors(data: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    return [error.message for error in validator.iter_errors(data)]


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize("path", BANK_FILES, ids=[path.name for path in BANK_FILES])
def test_every_bank_file_matches_the_schema(path: Path) -> None:
    assert not schema_errors(yaml.safe_load(path.read_text(encoding="utf-8")))


def test_the_bank_holds_one_file_per_course_week() -> None:
    assert [path.name for path in BANK_FILES] == [f"week{week}.yaml" for week in range(6)]


def test_the_real_bank_loads_into_typed_questions() -> None:
    bank = load_bank()
    question = bank.questions[0]
    assert question.source.path == "quizzes/bank/week0.yaml" and question.source.line > 1
    assert isinstance(question.options, tuple) and isinstance(question.weeks, tuple)
    assert len(question.keys) == question.choose
    kinds = {type(ref) for q in bank.questions for ref in q.references}
    assert {DocReference, CheckReference} <= kinds
    check = next(ref for q in bank.questions for ref in q.checks)
    assert check.id == f"{check.exercise}:{check.test}" and check.test.startswith("test_")
    assert bank.get(question.id) is question


def test_references_of_each_form_become_their_own_type(tmp_path: Path) -> None:
    question = single()
    question["references"] += [{"check": "kata2-ext:test_a_status_change_is_atomic"}, {"reading": "Kleppmann, ch. 7"}]
    refs = only(bank_of(tmp_path, question)).references
    assert [type(ref) for ref in refs] == [DocReference, CheckReference, ReadingReference]
    assert refs[1].exercise == "kata2-ext" and refs[1].test == "test_a_status_change_is_atomic"


MISMATCH = """\
questions:
  - id: w1-foo
    domain: 1
    task: "1.3"
    weeks: [1]
    stem: >-
      A developer must choose.
    choose: 2
    options:
      - {text: a, why: b, correct: true}
      - {text: c, why: d}
      - {text: e, why: f}
      - {text: g, why: h}
    references:
      - {title: t, url: "https://docs.aws.amazon.com/x.html"}
"""


def test_a_choose_that_disagrees_with_the_keys_is_reported_with_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "week1.yaml"
    path.write_text(MISMATCH, encoding="utf-8")
    with pytest.raises(BankError) as raised:
        load_bank(tmp_path)
    assert str(raised.value) == f"{path}, line 8: question w1-foo: choose is 2 but 1 option is correct"


def test_a_file_of_the_course_is_named_from_the_repository_root() -> None:
    assert shown_path(REPO / "quizzes" / "bank" / "week1.yaml") == "quizzes/bank/week1.yaml"


BROKEN = """\
questions:
  - id: W1_Bad
    domain: 3
    task: "1.1"
    task: "1.2"
    weeks: [1, 7]
    stem: ""
    choose: 1
    colour: blue
    options:
      - {text: a, why: b, correct: yes please}
      - {text: c}
    references:
      - {title: t, url: "http://example.com/page"}
      - {check: "lab2 test_x"}
      - {title: t}
  - id: w1-fine
    domain: 1
    task: 1.3
    weeks: [1]
    stem: A stem.
    choose: 1
    options: [{text: a, why: b, correct: true}, {text: c, why: d}]
    references: [{reading: "A book"}]
"""


def test_every_structural_error_of_a_file_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "week1.yaml").write_text(BROKEN, encoding="utf-8")
    bank, problems = read_bank(tmp_path)
    found = [(problem.source.line, problem.message.split(": ", 1)[1]) for problem in problems]
    expected_lines = {
        2: "id must match",
        5: "`task` appears twice",
        6: "weeks must be a list of course weeks 0-5",
        7: "stem must be non-empty text",
        9: "unknown key `colour`",
        11: "correct must be true or false",
        12: "missing why",
        14: "url must be an https:// AWS address",
        15: "check must read exercise:test_name",
        16: "must be one of {title, url} or {check} or {reading}",
        19: 'task must be a quoted task statement such as "1.2"',
    }
    for line, start in expected_lines.items():
        assert any(at == line and message.startswith(start) for at, message in found), (line, start, found)
    assert any(line == 5 and "task 1.2 belongs to domain 1, but domain is 3" in message for line, message in found)
    assert not bank.questions


def test_invalid_yaml_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "week1.yaml").write_text("questions:\n  - id: w1-a\n    stem: [unclosed\n", encoding="utf-8")
    _, problems = read_bank(tmp_path)
    assert len(problems) == 1 and "not valid YAML" in problems[0].message and problems[0].source.line >= 3


def test_an_empty_folder_is_a_problem(tmp_path: Path) -> None:
    _, problems = read_bank(tmp_path)
    assert problems and "no *.yaml question files" in problems[0].message


def test_sound_questions_of_a_file_load_beside_a_broken_one(tmp_path: Path) -> None:
    broken = single("w1-broken")
    broken["choose"] = 2
    write_bank(tmp_path, {"week1.yaml": [single("w1-good"), broken]})
    bank, problems = read_bank(tmp_path)
    assert [q.id for q in bank.questions] == ["w1-good"]
    assert len(problems) == 1 and "w1-broken: choose is 2 but 1 option is correct" in problems[0].message


def mutate(question: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(question)
    target = changed
    for step in path[:-1]:
        target = target[step]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return changed


DELETE = object()
SCHEMA_CASES = {
    "id pattern": (("id",), "w9-too-late"),
    "id case": (("id",), "w1-Upper"),
    "domain range": (("domain",), 5),
    "task unknown": (("task",), "3.5"),
    "task of another domain": (("task",), "2.1"),
    "task not quoted": (("task",), 1.3),
    "week range": (("weeks",), [6]),
    "weeks empty": (("weeks",), []),
    "stem missing": (("stem",), DELETE),
    "choose zero": (("choose",), 0),
    "option without why": (("options", 1, "why"), DELETE),
    "option correct not boolean": (("options", 0, "correct"), "yes"),
    "option unknown key": (("options", 0, "hint"), "x"),
    "reference url not https": (("references", 0, "url"), "http://docs.aws.amazon.com/x.html"),
    "reference url not aws": (("references", 0, "url"), "https://example.com/x.html"),
    "reference of mixed forms": (("references", 0, "check"), "lab2:test_x"),
    "check without test_": (("references", 0), {"check": "lab2:poison"}),
    "references empty": (("references",), []),
}


@pytest.mark.parametrize("case", SCHEMA_CASES, ids=list(SCHEMA_CASES))
def test_the_schema_and_the_loader_refuse_the_same_mistakes(tmp_path: Path, case: str) -> None:
    path, value = SCHEMA_CASES[case]
    bad = mutate(single(), path, value)
    assert schema_errors({"questions": [bad]}), case
    _, problems = read_bank(write_bank(tmp_path, {"week1.yaml": [bad]}))
    assert problems, case


def test_the_schema_and_the_loader_accept_every_reference_form(tmp_path: Path) -> None:
    question = multiple()
    question["references"] += [
        {"check": "kata2-ext:test_a_status_change_is_atomic"},
        {"reading": "Newman, Building Microservices, ch. 4"},
        {"title": "AWS re:Post Knowledge Center", "url": "https://repost.aws/knowledge-center/x"},
        {"title": "AWS blog", "url": "https://aws.amazon.com/blogs/compute/x/"},
    ]
    assert not schema_errors({"questions": [question]})
    assert only(bank_of(tmp_path, question)).multiple_response


def test_the_loader_and_the_lint_run_without_jsonschema() -> None:
    script = (
        "import sys; sys.modules['jsonschema'] = None\n"
        "from harness.quiz import load_bank\n"
        "from harness.quiz.lint import lint\n"
        "print(len(load_bank().questions), len(lint(rules=['checks'])))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    questions, problems = map(int, done.stdout.split())
    assert questions > 0 and problems == 0
