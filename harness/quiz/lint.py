"""The bank lint (issue 16): the rules every question file must pass, beyond its structure.

``python -m harness.quiz.lint`` checks quizzes/bank/ and prints each problem with its file and line,
then the bank's figures; it exits 1 when a rule fails. tests/quiz/ runs the same rules.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from ..integrity import exercise_grader_files
from ..manifest import ManifestError, load_course
from ..settings import REPO_ROOT
from .bank import read_bank
from .figures import figures
from .measures import LONGEST, SHORTEST, Similarity, key_positions, length_bias, similar_pairs
from .model import TASKS, WEEKS, Bank, Problem, Question, Source

KEY_POSITION_SHARE = 0.35  # no position holds more than this share of a form's single-answer keys
LENGTH_BIAS_SHARE = 0.15  # keys uniquely longest (or shortest) in at most this share of questions
WEEK_MINIMUM = 10  # questions per course week
TASK_MINIMUM = 4  # questions per task statement, across the bank
SINGLE_OPTIONS = 4
MULTIPLE_MIN_OPTIONS = 5
# Near-duplicate stems: either measure at or above its limit (calibrated on the bank: see quizzes/README.md).
NEAR_DUPLICATE = Similarity(words=0.30, sequence=0.36)
# An option that answers by pointing at the others; "both of them" in a sentence about two policies is fine.
ABOVE = re.compile(r"\b(all|none|both|neither) of (the|these) (above|options|answers|other options)\b", re.I)
CHOOSE_PHRASE = re.compile(r"\(Choose (\w+)\.\)")
NUMBER_WORDS = {2: "two", 3: "three", 4: "four", 5: "five"}

Checks = dict[str, set[str]]  # exercise id -> test function names in its grader files
Rule = Callable[[Bank, Checks], list[Problem]]


def grader_checks(root: Path = REPO_ROOT) -> Checks:
    """Each exercise's checks: the test_* functions at the top of its grader files, found as the harness
    finds them (course.toml, then the folder's test_*.py or the entry's `graders`)."""
    found: Checks = {}
    for exercise in load_course(root).exercises:
        names: set[str] = set()
        for relative in exercise_grader_files(root, exercise):
            path = root / relative
            if path.suffix != ".py" or not path.name.startswith("test_"):
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            names |= {
                node.name
                for node in tree.body
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_")
            }
        found[exercise.id] = names
    return found


def _problem(rule: str, source: Source, message: str) -> Problem:
    return Problem(source=source, message=message, rule=rule)


def _about(question: Question, rule: str, message: str, line: int | None = None) -> Problem:
    source = Source(question.source.path, line or question.source.line)
    return _problem(rule, source, f"question {question.id}: {message}")


def unique_ids(bank: Bank, checks: Checks) -> list[Problem]:
    first: dict[str, Question] = {}
    problems = []
    for question in bank.questions:
        if question.id in first:
            problems.append(_about(question, "unique-ids", f"the id is already used at {first[question.id].source}"))
        else:
            first[question.id] = question
    return problems


def placement(bank: Bank, checks: Checks) -> list[Problem]:
    problems = []
    for bank_file in bank.files:
        for question in bank_file.questions:
            prefix = int(question.id[1])
            if prefix not in question.weeks:
                problems.append(
                    _about(question, "placement", f"the id says week {prefix}, weeks says {list(question.weeks)}")
                )
            elif bank_file.week is not None and prefix != bank_file.week:
                problems.append(_about(question, "placement", f"a week {prefix} question in {bank_file.name}"))
    return problems


def check_references(bank: Bank, checks: Checks) -> list[Problem]:
    problems = []
    for question in bank.questions:
        for ref in question.checks:
            if ref.exercise not in checks:
                known = ", ".join(sorted(checks))
                message = f"check {ref.id}: no exercise {ref.exercise!r} in course.toml (known: {known})"
            elif ref.test not in checks[ref.exercise]:
                message = f"check {ref.id}: {ref.exercise}'s grader has no function {ref.test}"
            else:
                continue
            problems.append(_about(question, "checks", message, ref.line))
    return problems


def option_counts(bank: Bank, checks: Checks) -> list[Problem]:
    problems = []
    for question in bank.questions:
        count = len(question.options)
        if question.choose == 1 and count != SINGLE_OPTIONS:
            message = f"a single-answer question has exactly {SINGLE_OPTIONS} options, this one {count}"
        elif question.choose > 1 and count < MULTIPLE_MIN_OPTIONS:
            message = f"a multiple-response question has {MULTIPLE_MIN_OPTIONS} or more options, this one {count}"
        else:
            continue
        problems.append(_about(question, "option-count", message))
    return problems


def choose_phrase(bank: Bank, checks: Checks) -> list[Problem]:
    problems = []
    for question in bank.questions:
        said = CHOOSE_PHRASE.findall(question.stem)
        expected = NUMBER_WORDS.get(question.choose)
        if question.choose == 1 and said:
            problems.append(_about(question, "choose-phrase", f"choose is 1 but the stem says (Choose {said[-1]}.)"))
        elif question.choose > 1 and (said != [expected] or not question.stem.rstrip().endswith(")")):
            message = f"choose is {question.choose}: the stem must end with (Choose {expected}.)"
            problems.append(_about(question, "choose-phrase", message))
    return problems


def no_all_or_none(bank: Bank, checks: Checks) -> list[Problem]:
    problems = []
    for question in bank.questions:
        for number, option in enumerate(question.options, start=1):
            found = ABOVE.search(option.text)
            if found:
                message = f'option {number} says "{found.group(0)}"; write each option as its own answer'
                problems.append(_about(question, "all-or-none", message, option.line))
    return problems


def _forms(bank: Bank) -> list[tuple[str, Source, tuple[Question, ...]]]:
    """Each file, then the whole bank: the sets of questions the balance rules hold for."""
    forms = [(bank_file.name, Source(bank_file.path, 1), bank_file.questions) for bank_file in bank.files]
    if len(bank.files) > 1:
        first = bank.files[0]
        forms.append(("the whole bank", Source(str(Path(first.path).parent), 0), bank.questions))
    return forms


def key_balance(bank: Bank, checks: Checks) -> list[Problem]:
    problems = []
    for name, source, questions in _forms(bank):
        positions = key_positions(questions)
        total = sum(positions.values())
        for position, count in sorted(positions.items()):
            if count > KEY_POSITION_SHARE * total:
                message = (
                    f"{name}: option {position + 1} is the key of {count} of {total} single-answer questions "
                    f"({count / total:.0%}; at most {KEY_POSITION_SHARE:.0%})"
                )
                problems.append(_problem("key-positions", source, message))
    return problems


def length_balance(bank: Bank, checks: Checks) -> list[Problem]:
    problems = []
    for name, source, questions in _forms(bank):
        biased = Counter(length_bias(question) for question in questions)
        for kind in (LONGEST, SHORTEST):
            if questions and biased[kind] > LENGTH_BIAS_SHARE * len(questions):
                share = biased[kind] / len(questions)
                message = (
                    f"{name}: the keys are uniquely {kind} in {biased[kind]} of {len(questions)} questions "
                    f"({share:.0%}; at most {LENGTH_BIAS_SHARE:.0%})"
                )
                problems.append(_problem("length-bias", source, message))
    return problems


def near_duplicates(bank: Bank, checks: Checks) -> list[Problem]:
    problems = []
    for first, second, similarity in similar_pairs(list(bank.questions), NEAR_DUPLICATE):
        message = (
            f"its stem is close to {first.id}'s at {first.source} (words {similarity.words:.2f}, "
            f"sequence {similarity.sequence:.2f}; limits {NEAR_DUPLICATE.words}, {NEAR_DUPLICATE.sequence})"
        )
        problems.append(_about(second, "near-duplicate", message))
    return problems


def week_sizes(bank: Bank, checks: Checks) -> list[Problem]:
    counts = Counter(week for question in bank.questions for week in question.weeks)
    files = {bank_file.week: bank_file for bank_file in bank.files}
    problems = []
    for week in WEEKS:
        if counts[week] < WEEK_MINIMUM:
            where = files[week].path if week in files else "quizzes/bank"
            message = f"week {week} has {counts[week]} questions; each week needs at least {WEEK_MINIMUM}"
            problems.append(_problem("week-size", Source(where, 1), message))
    return problems


def task_coverage(bank: Bank, checks: Checks) -> list[Problem]:
    counts = Counter(question.task for question in bank.questions)
    where = Source(str(Path(bank.files[0].path).parent) if bank.files else "quizzes/bank", 0)
    return [
        _problem("task-coverage", where, f"task {task} ({title}) has {counts[task]} questions; at least {TASK_MINIMUM}")
        for task, title in TASKS.items()
        if counts[task] < TASK_MINIMUM
    ]


def aws_documentation(bank: Bank, checks: Checks) -> list[Problem]:
    return [
        _about(
            question, "aws-docs", "no reference to AWS documentation (a title and a https://docs.aws.amazon.com/ url)"
        )
        for question in bank.questions
        if not any(ref.is_aws_documentation for ref in question.documents)
    ]


RULES: dict[str, Rule] = {
    "unique-ids": unique_ids,
    "placement": placement,
    "checks": check_references,
    "option-count": option_counts,
    "choose-phrase": choose_phrase,
    "all-or-none": no_all_or_none,
    "key-positions": key_balance,
    "length-bias": length_balance,
    "near-duplicate": near_duplicates,
    "week-size": week_sizes,
    "task-coverage": task_coverage,
    "aws-docs": aws_documentation,
}


def lint(directory: Path | None = None, *, root: Path = REPO_ROOT, rules: Iterable[str] | None = None) -> list[Problem]:
    """Every problem of the bank: its structure (the loader's), then each rule's, in RULES order."""
    bank, problems = read_bank(directory)
    try:
        checks = grader_checks(root)
    except (ManifestError, OSError, SyntaxError) as error:
        return [*problems, _problem("checks", Source("course.toml", 0), f"cannot list the graders' checks: {error}")]
    for name in RULES if rules is None else rules:
        problems += RULES[name](bank, checks)
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.quiz.lint", description=__doc__.splitlines()[0])
    parser.add_argument("--bank", type=Path, help="the folder of question files (default: quizzes/bank)")
    parser.add_argument("--no-figures", action="store_true", help="print the problems only")
    args = parser.parse_args(argv)
    problems = lint(args.bank)
    for problem in problems:
        print(f"{problem}  [{problem.rule}]")
    if not args.no_figures:
        bank, _ = read_bank(args.bank)
        print(("\n" if problems else "") + figures(bank, NEAR_DUPLICATE))
    print(f"\n{len(problems)} problem(s)." if problems else "\nThe bank passes every rule.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
