"""What the lint measures in a question or a set of questions, and the figures it prints.

Length bias, precisely: an option's length is its text's characters once runs of whitespace are one
space. The keys are "uniquely longest" when every key is longer than every distractor, and "uniquely
shortest" when every key is shorter than every distractor: a learner who picks the longest (or shortest)
option, or for "choose N" the N longest (shortest), gets the question right, and no tie hides it. For a
single-answer question this is the key being longer (shorter) than each of the other three options.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from .model import Question

LONGEST, SHORTEST = "longest", "shortest"
POSITIONS = "ABCD"  # a single-answer question has four options
_WORD = re.compile(r"[a-z0-9]+")
# Words every scenario uses: left out of the word-set comparison so that they do not make stems look alike.
_COMMON = frozenset(
    "a an the of to and or in on for with is are be by that this it its as at from which what when how "
    "should must can does do not no so their they them his her developer developers team".split()
)


def text_length(text: str) -> int:
    return len(" ".join(text.split()))


def length_bias(question: Question) -> str | None:
    """LONGEST or SHORTEST when the keys give themselves away by length (see the module's docstring)."""
    keys = [text_length(option.text) for option in question.options if option.correct]
    others = [text_length(option.text) for option in question.options if not option.correct]
    if not keys or not others:
        return None
    if min(keys) > max(others):
        return LONGEST
    if max(keys) < min(others):
        return SHORTEST
    return None


def key_length_rank(question: Question) -> int | None:
    """Where a single-answer key falls when the options are ordered longest first (0 = longest, 3 = shortest);
    a tie ranks the key with the longer group. None for multiple response."""
    if question.choose != 1 or not question.keys:
        return None
    lengths = [text_length(option.text) for option in question.options]
    return sorted(lengths, reverse=True).index(lengths[question.keys[0]])


def key_positions(questions: Iterable[Question]) -> Counter[int]:
    """How many single-answer questions have their key at each position (0-based)."""
    return Counter(question.keys[0] for question in questions if question.choose == 1 and question.keys)


@dataclass(frozen=True)
class Similarity:
    words: float  # Jaccard index of the stems' sets of words, common words left out
    sequence: float  # difflib's ratio of the stems' word sequences

    def exceeds(self, other: Similarity) -> bool:
        return self.words >= other.words or self.sequence >= other.sequence


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def stem_similarity(first: str, second: str) -> Similarity:
    a, b = _words(first), _words(second)
    set_a, set_b = set(a) - _COMMON, set(b) - _COMMON
    union = set_a | set_b
    words = len(set_a & set_b) / len(union) if union else 1.0
    return Similarity(words=words, sequence=difflib.SequenceMatcher(None, a, b, autojunk=False).ratio())


def similar_pairs(questions: list[Question], limit: Similarity) -> list[tuple[Question, Question, Similarity]]:
    """Pairs of questions whose stems reach either limit, most alike first."""
    words = [_words(question.stem) for question in questions]
    found = []
    for i, first in enumerate(questions):
        matcher = difflib.SequenceMatcher(None, autojunk=False)
        matcher.set_seq2(words[i])
        for j in range(i + 1, len(questions)):
            matcher.set_seq1(words[j])
            set_a, set_b = set(words[i]) - _COMMON, set(words[j]) - _COMMON
            union = set_a | set_b
            similarity = Similarity(
                words=len(set_a & set_b) / len(union) if union else 1.0,
                sequence=matcher.ratio() if matcher.real_quick_ratio() >= limit.sequence else 0.0,
            )
            if similarity.exceeds(limit):
                found.append((first, questions[j], similarity))
    return sorted(found, key=lambda pair: -max(pair[2].words, pair[2].sequence))


def most_similar(questions: list[Question]) -> tuple[Question, Question, Similarity] | None:
    """The most alike pair of stems by each measure's share of its limit (for the figures)."""
    pairs = similar_pairs(questions, Similarity(0.0, 0.0))
    return pairs[0] if pairs else None
