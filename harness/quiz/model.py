"""The question bank as types: what quizzes/bank.schema.json describes, as the loader hands it out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Union
from urllib.parse import urlsplit

# DVA-C02 task statements (exam guide v2.1), by domain: the first digit is the domain.
TASKS = {
    "1.1": "Develop code for applications hosted on AWS",
    "1.2": "Develop code for AWS Lambda",
    "1.3": "Use data stores in application development",
    "2.1": "Implement authentication and/or authorization",
    "2.2": "Implement encryption by using AWS services",
    "2.3": "Manage sensitive data in application code",
    "3.1": "Prepare application artifacts to be deployed to AWS",
    "3.2": "Test applications in development environments",
    "3.3": "Automate deployment testing",
    "3.4": "Deploy code by using AWS CI/CD services",
    "4.1": "Assist in a root cause analysis",
    "4.2": "Instrument code for observability",
    "4.3": "Optimize applications by using AWS services and features",
}
WEEKS = range(0, 6)
ID_PATTERN = re.compile(r"^w[0-5]-[a-z0-9]+(-[a-z0-9]+)*$")
# A grader check: the exercise id from course.toml, a colon, the test function's name.
CHECK_PATTERN = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*):(test_[A-Za-z0-9_]+)$")
DOCS_HOST = "docs.aws.amazon.com"
# Other AWS sites a reference may name (blogs, What's New, botocore's pages, re:Post Knowledge Center).
AWS_HOST = re.compile(r"^(?:(?:[a-z0-9-]+\.)*aws\.amazon\.com|(?:[a-z0-9-]+\.)*amazonaws\.com|repost\.aws)$")


def is_aws_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "https" and bool(AWS_HOST.match(parts.hostname or "")) and parts.path.startswith("/")


@dataclass(frozen=True)
class Source:
    """Where something is written: a path as shown in messages (repository-relative when it can be)."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}, line {self.line}"


@dataclass(frozen=True)
class Problem:
    source: Source
    message: str
    rule: str = "structure"

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


@dataclass(frozen=True)
class Option:
    text: str
    why: str
    correct: bool = False
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class DocReference:
    title: str
    url: str
    line: int = field(default=0, compare=False)

    @property
    def is_aws_documentation(self) -> bool:
        return urlsplit(self.url).hostname == DOCS_HOST


@dataclass(frozen=True)
class CheckReference:
    exercise: str
    test: str
    line: int = field(default=0, compare=False)

    @property
    def id(self) -> str:
        return f"{self.exercise}:{self.test}"


@dataclass(frozen=True)
class ReadingReference:
    reading: str
    line: int = field(default=0, compare=False)


Reference = Union[DocReference, CheckReference, ReadingReference]


@dataclass(frozen=True)
class Question:
    id: str
    domain: int
    task: str
    weeks: tuple[int, ...]
    stem: str
    choose: int
    options: tuple[Option, ...]
    references: tuple[Reference, ...]
    source: Source

    @property
    def keys(self) -> tuple[int, ...]:
        """Positions (0-based) of the correct options."""
        return tuple(index for index, option in enumerate(self.options) if option.correct)

    @property
    def multiple_response(self) -> bool:
        return self.choose > 1

    @property
    def checks(self) -> tuple[CheckReference, ...]:
        return tuple(ref for ref in self.references if isinstance(ref, CheckReference))

    @property
    def documents(self) -> tuple[DocReference, ...]:
        return tuple(ref for ref in self.references if isinstance(ref, DocReference))


@dataclass(frozen=True)
class BankFile:
    path: str  # as shown in messages
    name: str  # file name, e.g. week1.yaml
    questions: tuple[Question, ...]

    @property
    def week(self) -> int | None:
        """The week a file named week<N>.yaml holds; None for a file named otherwise."""
        found = re.fullmatch(r"week([0-5])\.yaml", self.name)
        return int(found.group(1)) if found else None


@dataclass(frozen=True)
class Bank:
    files: tuple[BankFile, ...]

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(question for bank_file in self.files for question in bank_file.questions)

    def get(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)
