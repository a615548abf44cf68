"""gradebook.html's second table: the exam practice students shared, apart from the grades and labelled
self-reported. Plain cells, no heat-map colours: nothing here may read as points."""

from __future__ import annotations

from html import escape
from typing import Any

from harness.manifest import EXAM_DOMAINS
from harness.quiz.model import WEEKS
from harness.quiz.scoring import PASS_SCALED, PASS_SHARE

from .gradebook import GRADED, Row
from .gradebook_practice import (
    EXAM_COLUMN,
    NOT_RECORDED,
    NOT_SHARED,
    QUIZ_COLUMN,
    READY_COLUMN,
    SHARED,
    UNUSABLE,
    best_exam,
)

PRACTICE_TITLE = "Exam practice"
PRACTICE_LABEL = "self-reported by students, not part of any grade"
PRACTICE_NOTE = (
    "What each student chose to share with <code>course quiz --share</code> (a committed <code>quizzes/results.json</code>): "
    "the best score of each week's quiz, the best mock exam's scaled score ({passing} passes), and readiness per exam "
    "domain, the share of the questions seen whose latest answer was right (✓ from {share:.1f}%, the pass mark's share). "
    "A student can write any numbers in that file: read them as a conversation starter, not as evidence. "
    "The grading run recomputes every percentage from the counts; attempts answered from a file are left out."
)
STATE_TEXT = {
    SHARED: "shared",
    NOT_SHARED: "not shared",
    UNUSABLE: "unusable",
    NOT_RECORDED: "older report",
}
STATE_HELP = {
    NOT_SHARED: "the student has not shared practice results (course quiz --share)",
    NOT_RECORDED: "the report comes from a release before exam practice was reported (schema version 1)",
}

CSS = """
h2{font-size:1.2rem;margin:28px 0 4px}h2 small{font-weight:normal;color:#495057;font-size:.85rem}
p.note{color:#495057;font-size:.8rem;max-width:1100px;margin:0 0 10px}
table.practice td.practice{text-align:center;min-width:44px;font-variant-numeric:tabular-nums;background:#f8f9fa;color:#343a40;border-radius:3px}
table.practice td.meets{font-weight:600}table.practice th{background:#edf2ff}
"""


def _attr(**values: str) -> str:
    return "".join(f' {name.replace("_", "-")}="{escape(text)}"' for name, text in values.items())


def _n(value: float) -> str:
    return f"{value:g}"


def _score(score: dict[str, Any]) -> str:
    return f"{score['right']}/{score['questions']} ({_n(score['percent'])}%) on {score['finished_at'][:10]}"


def _cell(key: str, shown: str, sort: str, tip: str, meets: bool = False) -> str:
    classes = "practice meets" if meets else "practice"
    return f'<td class="{classes}"{_attr(data_key=key, data_sort=sort, title=tip)}>{escape(shown)}</td>'


def _empty(key: str) -> str:
    return f'<td class="practice"{_attr(data_key=key, data_sort="")}></td>'


def _cells(practice: dict[str, Any]) -> list[str]:
    quizzes = {quiz["week"]: quiz for quiz in practice["quizzes"]}
    cells = []
    for week in WEEKS:
        key, quiz = QUIZ_COLUMN.format(week=week), quizzes.get(week)
        if quiz is None:
            cells.append(_empty(key))
            continue
        tip = f"Week {week} quiz: best {_score(quiz['best'])}; latest {_score(quiz['latest'])}; {quiz['attempts']} attempt(s)"
        cells.append(_cell(key, f"{_n(round(quiz['best']['percent']))}%", _n(quiz["best"]["percent"]), tip))
    exam = best_exam(practice)  # type: ignore[arg-type]
    if exam is None:
        cells.append(_empty(EXAM_COLUMN))
    else:
        passed = exam["scaled"] >= PASS_SCALED
        tip = f"Mock exam, form {exam['form']}: best {exam['scaled']} ({'pass' if passed else 'fail'}), {_score(exam)}"
        tip += "".join(
            f"\nform {entry['form']}: best {entry['best']['scaled']}, latest {entry['latest']['scaled']}, {entry['attempts']} attempt(s)"
            for entry in practice["exams"]
        )
        cells.append(_cell(EXAM_COLUMN, f"{exam['scaled']}{' ✓' if passed else ''}", str(exam["scaled"]), tip, passed))
    domains = {domain["domain"]: domain for domain in practice["domains"]}
    for number, name in EXAM_DOMAINS.items():
        key, domain = READY_COLUMN.format(domain=number), domains.get(number)
        if domain is None:
            cells.append(_empty(key))
            continue
        tip = f"Domain {number}, {name}: {domain['right']} of the {domain['questions']} questions seen right at their latest answer"
        shown = f"{_n(round(domain['percent']))}%{' ✓' if domain['meets'] else ''}"
        cells.append(_cell(key, shown, _n(domain["percent"]), tip, domain["meets"]))
    return cells


def _row(row: Row) -> str:
    name = f'<td{_attr(data_key="student", data_sort=row.student, title=row.repository)}>{escape(row.student)}</td>'
    columns = len(WEEKS) + 1 + len(EXAM_DOMAINS)
    practice = row.practice
    if row.status != GRADED:
        state = f'<td{_attr(data_key="practice", data_sort="")}></td>'
        rest = f'<td class="nograde" colspan="{columns}">no grade, no report to read</td>'
    elif row.practice_state == SHARED and practice is not None:
        shared_at, source = str(practice.get("shared_at") or ""), str(practice.get("source", ""))
        tip = f"shared {shared_at} in {source}"
        state = f'<td{_attr(data_key="practice", data_sort=shared_at, title=tip)}>{escape(shared_at[:10])}</td>'
        rest = "".join(_cells(practice))
    else:
        why = str((practice or {}).get("problem") or STATE_HELP.get(row.practice_state, ""))
        text = STATE_TEXT.get(row.practice_state, row.practice_state)
        state = f'<td{_attr(data_key="practice", data_sort="", title=why)}>{escape(text)}</td>'
        rest = f'<td class="nograde" colspan="{columns}"{_attr(title=why)}>{escape(why if row.practice_state == UNUSABLE else "")}</td>'
    return f'<tr{_attr(data_flags=" ".join(row.flags))}>{name}{state}{rest}</tr>'


def _header() -> str:
    cells = ['<th data-key="student" data-type="text">Student</th>', '<th data-key="practice" data-type="text">Shared on</th>']
    cells += [
        f'<th{_attr(data_key=QUIZ_COLUMN.format(week=week), data_type="num", title=f"week {week} quiz: best score")}>Quiz {week}<small>best</small></th>'
        for week in WEEKS
    ]
    cells.append(f'<th{_attr(data_key=EXAM_COLUMN, data_type="num", title="mock exam: best scaled score of either form")}>Mock exam<small>best scaled</small></th>')
    cells += [
        f'<th{_attr(data_key=READY_COLUMN.format(domain=number), data_type="num", title=f"readiness in domain {number}: {name}")}>D{number}<small>{escape(name.split()[0].lower())}</small></th>'
        for number, name in EXAM_DOMAINS.items()
    ]
    return "".join(cells)


def practice_table(rows: list[Row]) -> str:
    """The section under the grades: a heading that says what it is, then one row per student."""
    if not rows:
        return ""
    note = PRACTICE_NOTE.format(passing=PASS_SCALED, share=100 * PASS_SHARE)
    body = "\n".join(_row(row) for row in rows)
    return (
        f"<h2>{PRACTICE_TITLE} <small>{PRACTICE_LABEL}</small></h2>\n<p class=\"note\">{note}</p>\n"
        f'<table id="practice" class="sortable practice">\n<thead><tr>{_header()}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>'
    )
