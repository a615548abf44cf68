"""Read the question bank (quizzes/bank/*.yaml) into typed questions, with every structural error's file and line.

The checks here are the ones quizzes/bank.schema.json states, plus what a schema cannot say (a task
statement belongs to its domain; "choose N" equals the number of correct options), so that run time
needs PyYAML only. A mapping read from YAML remembers the line of each of its keys.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path
from typing import Any

import yaml

from ..settings import REPO_ROOT
from .model import (
    CHECK_PATTERN,
    ID_PATTERN,
    TASKS,
    WEEKS,
    Bank,
    BankFile,
    CheckReference,
    DocReference,
    Option,
    Problem,
    Question,
    ReadingReference,
    Reference,
    Source,
    is_aws_url,
)

BANK_DIR = Path("quizzes") / "bank"
QUESTION_KEYS = ("id", "domain", "task", "weeks", "stem", "choose", "options", "references")
OPTION_KEYS = ("text", "why", "correct")
REFERENCE_FORMS = (("title", "url"), ("check",), ("reading",))


class BankError(ValueError):
    """The bank has structural errors; ``problems`` lists each with its file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


class _Mapping(dict):
    """A YAML mapping that knows its own line and the line of each key (1-based)."""

    line: int = 0
    lines: dict[Any, int]
    duplicates: list[tuple[Any, int]]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Mapping:
    loader.flatten_mapping(node)
    mapping = _Mapping()
    mapping.line, mapping.lines, mapping.duplicates = node.start_mark.line + 1, {}, []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(None, None, "a key that is not text", key_node.start_mark)
        line = key_node.start_mark.line + 1
        if key in mapping:
            mapping.duplicates.append((key, line))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = line
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def shown_path(path: Path) -> str:
    """A bank file's path as messages show it: repository-relative when it is in this checkout."""
    try:
        return path.resolve().relative_to(REPO_ROOT).as_posix()
    except ValueError:
        return str(path)


def load_bank(directory: Path | None = None) -> Bank:
    """The whole bank, or BankError listing every structural error."""
    bank, problems = read_bank(directory)
    if problems:
        raise BankError(problems)
    return bank


def read_bank(directory: Path | None = None) -> tuple[Bank, list[Problem]]:
    """Every *.yaml file of the bank directory (quizzes/bank/ by default): the questions that are sound,
    and the problems of the others."""
    folder = REPO_ROOT / BANK_DIR if directory is None else Path(directory)
    paths = sorted(folder.glob("*.yaml"))
    if not paths:
        return Bank(files=()), [Problem(Source(shown_path(folder), 0), "no *.yaml question files here")]
    files, problems = [], []
    for path in paths:
        bank_file, found = read_file(path)
        files.append(bank_file)
        problems += sorted(found, key=lambda problem: problem.source.line)
    return Bank(files=tuple(files)), problems


def read_file(path: Path) -> tuple[BankFile, list[Problem]]:
    reader = _FileReader(shown_path(path))
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - a SafeLoader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reader.problem(mark.line + 1 if mark else 0, f"not valid YAML: {error.problem or error}")
        data = None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        reader.problem(0, f"cannot be read: {error}")
        data = None
    questions = reader.questions(data) if reader.ok else ()
    return BankFile(path=reader.path, name=path.name, questions=questions), reader.problems


class _FileReader:
    """Turns one file's YAML into questions, noting each problem with its line."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(Source(self.path, line), message))

    def questions(self, data: Any) -> tuple[Question, ...]:
        if not isinstance(data, _Mapping) or set(data) != {"questions"}:
            self.problem(getattr(data, "line", 1), "a bank file is a mapping with one key, `questions`")
            return ()
        self._duplicates(data, "the file")
        items = data["questions"]
        if not isinstance(items, list) or not items:
            self.problem(data.lines["questions"], "`questions` must be a list of one or more questions")
            return ()
        found = []
        for number, item in enumerate(items, start=1):
            question = self._question(item, number, data.lines["questions"])
            if question is not None:
                found.append(question)
        return tuple(found)

    def _duplicates(self, mapping: _Mapping, what: str) -> None:
        for key, line in mapping.duplicates:
            self.problem(line, f"{what}: `{key}` appears twice (YAML keeps only the last)")

    def _keys(self, mapping: _Mapping, what: str, required: tuple[str, ...], allowed: tuple[str, ...]) -> bool:
        """Note missing and unknown keys (and keys written twice); whether the keys are all as expected."""
        self._duplicates(mapping, what)
        missing = [key for key in required if key not in mapping]
        unknown = [str(key) for key in mapping if key not in allowed]
        if missing:
            self.problem(mapping.line, f"{what}: missing {', '.join(missing)}")
        for key in unknown:
            self.problem(mapping.lines[key], f"{what}: unknown key `{key}` (allowed: {', '.join(allowed)})")
        return not missing and not unknown

    def _question(self, item: Any, number: int, list_line: int) -> Question | None:
        if not isinstance(item, _Mapping):
            self.problem(list_line, f"question #{number}: must be a mapping (id, domain, task, ...)")
            return None
        raw_id = item.get("id")
        name = f"question {raw_id}" if isinstance(raw_id, str) and raw_id else f"question #{number}"
        before = len(self.problems)
        self._keys(item, name, QUESTION_KEYS, QUESTION_KEYS)
        at = item.lines
        if "id" in item and (not isinstance(raw_id, str) or not ID_PATTERN.match(raw_id)):
            self.problem(at["id"], f"{name}: id must match {ID_PATTERN.pattern} (w<week>-kebab-case-words)")
        domain, task = item.get("domain"), item.get("task")
        if "domain" in item and (not _is_int(domain) or domain not in range(1, 5)):
            self.problem(at["domain"], f"{name}: domain must be 1, 2, 3 or 4, not {domain!r}")
        if "task" in item and (not isinstance(task, str) or task not in TASKS):
            self.problem(at["task"], f'{name}: task must be a quoted task statement such as "1.2", not {task!r}')
        elif "task" in item and _is_int(domain) and task[0] != str(domain):
            self.problem(at["task"], f"{name}: task {task} belongs to domain {task[0]}, but domain is {domain}")
        weeks = item.get("weeks")
        if "weeks" in item and (
            not isinstance(weeks, list) or not weeks or not all(_is_int(w) and w in WEEKS for w in weeks)
        ):
            self.problem(at["weeks"], f"{name}: weeks must be a list of course weeks 0-5, such as [1]")
        elif "weeks" in item and len(set(weeks)) != len(weeks):
            self.problem(at["weeks"], f"{name}: weeks lists a week twice")
        if "stem" in item and not _is_text(item["stem"]):
            self.problem(at["stem"], f"{name}: stem must be non-empty text")
        options = self._options(item["options"], name, at["options"]) if "options" in item else None
        references = self._references(item["references"], name, at["references"]) if "references" in item else None
        choose = item.get("choose")
        if "choose" in item and (not _is_int(choose) or choose < 1):
            self.problem(at["choose"], f"{name}: choose must be a whole number, 1 or more, not {choose!r}")
        elif "choose" in item and options is not None:
            correct = sum(option.correct for option in options)
            if correct != choose:
                self.problem(at["choose"], f"{name}: choose is {choose} but {_count(correct, 'option')} correct")
        if len(self.problems) > before or options is None or references is None:
            return None
        return Question(
            id=raw_id,
            domain=domain,
            task=task,
            weeks=tuple(weeks),
            stem=item["stem"],
            choose=choose,
            options=options,
            references=references,
            source=Source(self.path, item.line),
        )

    def _options(self, items: Any, name: str, line: int) -> tuple[Option, ...] | None:
        if not isinstance(items, list) or len(items) < 2:
            self.problem(line, f"{name}: options must be a list of two or more options")
            return None
        options, sound = [], True
        for number, item in enumerate(items, start=1):
            what = f"{name}, option {number}"
            if not isinstance(item, _Mapping):
                self.problem(line, f"{what}: must be a mapping with text, why and (for a key) correct: true")
                sound = False
                continue
            if not self._keys(item, what, ("text", "why"), OPTION_KEYS):
                sound = False
                continue
            for key in ("text", "why"):
                if not _is_text(item[key]):
                    self.problem(item.lines[key], f"{what}: {key} must be non-empty text")
                    sound = False
            correct = item.get("correct", False)
            if not isinstance(correct, bool):
                self.problem(item.lines["correct"], f"{what}: correct must be true or false, not {correct!r}")
                sound = False
            options.append(Option(text=item["text"], why=item["why"], correct=correct is True, line=item.line))
        return tuple(options) if sound else None

    def _references(self, items: Any, name: str, line: int) -> tuple[Reference, ...] | None:
        if not isinstance(items, list) or not items:
            self.problem(line, f"{name}: references must be a list of one or more references")
            return None
        references: list[Reference] = []
        for number, item in enumerate(items, start=1):
            reference = self._reference(item, f"{name}, reference {number}", line)
            if reference is not None:
                references.append(reference)
        return tuple(references) if len(references) == len(items) else None

    def _reference(self, item: Any, what: str, line: int) -> Reference | None:
        forms = " or ".join("{" + ", ".join(form) + "}" for form in REFERENCE_FORMS)
        if not isinstance(item, _Mapping) or frozenset(item) not in {frozenset(form) for form in REFERENCE_FORMS}:
            self.problem(getattr(item, "line", line), f"{what}: must be one of {forms}")
            return None
        self._duplicates(item, what)
        values = {key: item[key] for key in item}
        for key, value in values.items():
            if not _is_text(value):
                self.problem(item.lines[key], f"{what}: {key} must be non-empty text")
                return None
        if "url" in values:
            if not is_aws_url(values["url"]):
                self.problem(item.lines["url"], f"{what}: url must be an https:// AWS address, not {values['url']}")
                return None
            return DocReference(title=values["title"], url=values["url"], line=item.line)
        if "check" in values:
            found = CHECK_PATTERN.match(values["check"])
            if not found:
                message = f"{what}: check must read exercise:test_name, such as lab2:test_..., not {values['check']}"
                self.problem(item.lines["check"], message)
                return None
            return CheckReference(exercise=found.group(1), test=found.group(2), line=item.line)
        return ReadingReference(reading=values["reading"], line=item.line)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _count(number: int, noun: str) -> str:
    return f"{number} {noun} is" if number == 1 else f"{number} {noun}s are"
