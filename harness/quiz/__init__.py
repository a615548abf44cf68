"""Exam practice: the DVA-C02 question bank in quizzes/bank/, and the quizzes and mock exams built on it.

``model`` holds the bank's types, ``bank`` reads and checks the YAML files (file and line for every error),
``lint`` holds the bank's quality rules (``python -m harness.quiz.lint`` prints them and the figures).
The engine: ``forms`` draws quizzes and assembles exam forms, ``session`` is one sitting (answers, flags,
the timer), ``scoring`` scores it, ``attempts`` stores attempts, ``ui`` is the terminal, ``commands`` the
`course quiz` and `course exam` commands. ``share`` writes the results a student shares (`course quiz
--share`), and ``practice`` reads them into the grade report, in the grading process (no PyYAML there).

The names below load on first use (PEP 562), so that `course --help` and `course grade`, which add the
quiz commands to their parser, do not import PyYAML.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .bank import BankError, load_bank, read_bank
    from .model import (
        Bank,
        BankFile,
        CheckReference,
        DocReference,
        Option,
        Problem,
        Question,
        ReadingReference,
        Source,
    )

_WHERE = {
    "BankError": "bank",
    "load_bank": "bank",
    "read_bank": "bank",
    **dict.fromkeys(
        ("Bank", "BankFile", "CheckReference", "DocReference", "Option", "Problem", "Question", "ReadingReference", "Source"),
        "model",
    ),
}

__all__ = [
    "Bank",
    "BankError",
    "BankFile",
    "CheckReference",
    "DocReference",
    "Option",
    "Problem",
    "Question",
    "ReadingReference",
    "Source",
    "load_bank",
    "read_bank",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
