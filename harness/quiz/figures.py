"""The bank's figures as text: counts per domain, task statement and week, key positions, length bias,
the closest pair of stems. `python -m harness.quiz.lint` prints them; a release note can quote them."""

from __future__ import annotations

from collections import Counter

from ..manifest import EXAM_DOMAINS
from .measures import (
    LONGEST,
    POSITIONS,
    SHORTEST,
    Similarity,
    key_length_rank,
    key_positions,
    length_bias,
    similar_pairs,
)
from .model import TASKS, WEEKS, Bank, Question

EXAM_WEIGHTS = {1: 32, 2: 26, 3: 24, 4: 18}  # % of the scored questions, DVA-C02 exam guide v2.1


def _share(count: int, total: int) -> str:
    return f"{count / total:4.0%}" if total else "   -"


def _counts(bank: Bank) -> list[str]:
    questions = bank.questions
    total = len(questions)
    multiple = sum(question.multiple_response for question in questions)
    lines = [
        f"Question bank: {total} questions in {len(bank.files)} files "
        f"({total - multiple} single answer, {multiple} multiple response)",
        "",
        "By domain                                    questions  share  exam",
    ]
    domains = Counter(question.domain for question in questions)
    for domain, name in EXAM_DOMAINS.items():
        label = f"  {domain} {name}"
        lines.append(f"{label:<46}{domains[domain]:>7}  {_share(domains[domain], total)}  {EXAM_WEIGHTS[domain]:3}%")
    lines += ["", "By task statement"]
    tasks = Counter(question.task for question in questions)
    for task, title in TASKS.items():
        lines.append(f"  {task} {title:<58}{tasks[task]:>4}")
    lines += ["", "By week (a question counts in each week it lists)"]
    weeks = Counter(week for question in questions for week in question.weeks)
    lines.append("  " + "  ".join(f"week {week}: {weeks[week]}" for week in WEEKS))
    return lines


def _positions(name: str, questions: tuple[Question, ...]) -> str:
    positions = key_positions(questions)
    total = sum(positions.values())
    cells = "  ".join(f"{positions[index]:>3} {_share(positions[index], total)}" for index in range(len(POSITIONS)))
    return f"  {name:<16}{total:>5}  {cells}"


def _lengths(name: str, questions: tuple[Question, ...]) -> str:
    biased = Counter(length_bias(question) for question in questions)
    total = len(questions)
    return (
        f"  {name:<16}{total:>5}  {biased[LONGEST]:>3} {_share(biased[LONGEST], total)}"
        f"  {biased[SHORTEST]:>3} {_share(biased[SHORTEST], total)}"
    )


def _closest(bank: Bank, limit: Similarity) -> list[str]:
    pairs = similar_pairs(list(bank.questions), Similarity(0.0, 0.0))
    if not pairs:
        return []
    by_words = max(pairs, key=lambda pair: pair[2].words)
    by_sequence = max(pairs, key=lambda pair: pair[2].sequence)
    return [
        "",
        f"Closest stems (near-duplicate limits: words {limit.words:.2f}, sequence {limit.sequence:.2f})",
        f"  by words     {by_words[2].words:.2f}  {by_words[0].id} / {by_words[1].id}",
        f"  by sequence  {by_sequence[2].sequence:.2f}  {by_sequence[0].id} / {by_sequence[1].id}",
    ]


def figures(bank: Bank, limit: Similarity) -> str:
    forms = [(bank_file.name, bank_file.questions) for bank_file in bank.files] + [("whole bank", bank.questions)]
    lines = _counts(bank)
    header = "  ".join(f"{letter:>8}" for letter in POSITIONS)
    lines += ["", f"Key positions (single answer)  n {header}"]
    lines += [_positions(name, questions) for name, questions in forms]
    lines += ["", "Length bias (keys uniquely)     n   longest    shortest"]
    lines += [_lengths(name, questions) for name, questions in forms]
    ranks = Counter(key_length_rank(question) for question in bank.questions)
    ranked = sum(ranks[rank] for rank in range(4))
    cells = "  ".join(
        f"{name} {ranks[rank]} ({_share(ranks[rank], ranked).strip()})"
        for rank, name in enumerate(("longest", "2nd", "3rd", "shortest"))
    )
    lines += ["", "Key's length rank among its options (single answer, a tie counts as the longer rank)", f"  {cells}"]
    lines += _closest(bank, limit)
    checked = [question for question in bank.questions if question.checks]
    distinct = {ref.id for question in checked for ref in question.checks}
    lines += ["", f"Grader checks: {len(checked)} questions name {len(distinct)} distinct checks"]
    return "\n".join(lines)
