"""Exam practice: the DVA-C02 question bank in quizzes/bank/, loaded into typed questions.

``model`` holds the types, ``bank`` reads and checks the YAML files (file and line for every error),
``lint`` holds the bank's quality rules (``python -m harness.quiz.lint`` prints them and the figures).
"""

from __future__ import annotations

from .bank import BankError, load_bank, read_bank
from .model import Bank, BankFile, CheckReference, DocReference, Option, Problem, Question, ReadingReference, Source

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
