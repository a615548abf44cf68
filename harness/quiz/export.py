"""`course quiz --export json`: the whole bank as one JSON document, for an LMS import or a review.

The shape is documented in quizzes/README.md ("Export"); EXPORT_VERSION changes when it does. Options are
in the bank's order, lettered A, B, ...; a check reference carries the check's title as the scoreboard
shows it; each question says which mock exam forms hold it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..manifest import EXAM_DOMAINS, ManifestError, load_course
from .figures import EXAM_WEIGHTS
from .forms import EXAM_SIZE, EXAM_SPLIT, FORM_SEED, LETTERS, assemble_forms
from .model import TASKS, Bank, CheckReference, DocReference, Question
from .references import CheckTitles, check_titles
from .scoring import MAX_SCALED, MIN_SCALED, PASS_SCALED, TIME_LIMIT

EXPORT_FORMAT = "course-quiz-bank"
EXPORT_VERSION = 1


def _reference(reference: Any, titles: CheckTitles) -> dict[str, str]:
    if isinstance(reference, DocReference):
        return {"kind": "documentation", "title": reference.title, "url": reference.url}
    if isinstance(reference, CheckReference):
        return {
            "kind": "check", "exercise": reference.exercise, "test": reference.test,
            "title": titles.get(reference.id, reference.test),
        }
    return {"kind": "reading", "text": reference.reading}


def _question(question: Question, titles: CheckTitles, forms: list[int]) -> dict[str, Any]:
    return {
        "id": question.id,
        "domain": question.domain,
        "task": question.task,
        "task_title": TASKS[question.task],
        "weeks": list(question.weeks),
        "type": "multiple" if question.multiple_response else "single",
        "choose": question.choose,
        "stem": " ".join(question.stem.split()),
        "options": [
            {"letter": LETTERS[index], "text": " ".join(option.text.split()), "correct": option.correct,
             "why": " ".join(option.why.split())}
            for index, option in enumerate(question.options)
        ],
        "answer": "".join(LETTERS[index] for index in question.keys),
        "references": [_reference(reference, titles) for reference in question.references],
        "forms": forms,
        "source": f"{question.source.path}:{question.source.line}",
    }


def export(bank: Bank, root: Path) -> dict[str, Any]:
    titles = check_titles(root)
    try:
        course = load_course(root)
        about = {"name": course.name, "version": course.version}
    except (OSError, ManifestError):
        about = {"name": None, "version": None}
    forms = assemble_forms(bank)
    ids = [{question.id for question in form} for form in forms]
    form_of = {q.id: [number for number, held in enumerate(ids, start=1) if q.id in held] for q in bank.questions}
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "course": about,
        "exam": {
            "code": "DVA-C02",
            "questions": EXAM_SIZE,
            "minutes": TIME_LIMIT // 60,
            "scaled_score": {"min": MIN_SCALED, "max": MAX_SCALED, "pass": PASS_SCALED},
            "form_seed": FORM_SEED,
            "domains": [
                {
                    "domain": domain, "name": name, "weight_percent": EXAM_WEIGHTS[domain],
                    "questions_per_form": EXAM_SPLIT[domain],
                    "tasks": [{"task": task, "title": title} for task, title in TASKS.items() if task[0] == str(domain)],
                }
                for domain, name in EXAM_DOMAINS.items()
            ],
        },
        "forms": {str(number): [question.id for question in form] for number, form in enumerate(forms, start=1)},
        "questions": [_question(question, titles, form_of[question.id]) for question in bank.questions],
    }


def export_text(bank: Bank, root: Path) -> str:
    return json.dumps(export(bank, root), indent=1, ensure_ascii=False) + "\n"
