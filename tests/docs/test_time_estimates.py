"""The time an exercise takes reads the same in its week's guide and on its README's `**Time:**` line.

A guide's exercise table gives it as `45 min`, `1 h` or `1 h 30`; a README in words ("about an hour and a
half"). Rows that link to the same README are that folder's exercises in course.toml order (Kata 2, then its
extensions), and so are the first durations on that README's `**Time:**` line; later ones are asides
("two hours if shell scripts are new to you").
"""

from __future__ import annotations

import re

import pytest
from support import REPO

from harness.manifest import Exercise, load_course

EXERCISES = load_course(REPO).exercises
GUIDE_TIME = re.compile(r"^(?:(\d+) h(?: (\d+))?|(\d+) min)$")
ROW = re.compile(r"^\|[^|]*\]\(\.\./(?P<folder>[^)#]+)/README\.md(?:#[^)]*)?\)[^|]*\|\s*(?P<time>[^|]+?)\s*\|")
COUNTS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
WORDS = re.compile(r"\b(\d+|an?|one|two|three|four|five) (hours?|minutes)(?: and a (half|quarter))?\b")
FRACTION = {None: 0, "half": 30, "quarter": 15}


def guide_minutes(text: str) -> int:
    found = GUIDE_TIME.match(text)
    assert found, f"{text!r} is not a time as the guides write it (`45 min`, `1 h`, `1 h 30`)"
    hours, minutes, only_minutes = found.groups()
    return int(only_minutes) if only_minutes else int(hours) * 60 + int(minutes or 0)


def words_minutes(text: str) -> list[int]:
    durations = []
    for count, unit, fraction in WORDS.findall(text):
        number = int(count) if count.isdigit() else COUNTS[count]
        durations.append(number * 60 + FRACTION[fraction or None] if unit.startswith("hour") else number)
    return durations


def guide_times(week: int) -> dict[str, list[int]]:
    """Minutes per exercise folder, in the order of the week guide's rows."""
    times: dict[str, list[int]] = {}
    for line in (REPO / "docs" / f"week{week}.md").read_text(encoding="utf-8").splitlines():
        row = ROW.match(line)
        if row:
            times.setdefault(row["folder"], []).append(guide_minutes(row["time"]))
    return times


def readme_times(folder: str) -> list[int]:
    lines = [line for line in (REPO / folder / "README.md").read_text(encoding="utf-8").splitlines() if line.startswith("**Time:**")]
    assert len(lines) == 1, f"{folder}/README.md needs one `**Time:**` line, has {len(lines)}"
    return words_minutes(lines[0])


def sharing(exercise: Exercise) -> list[Exercise]:
    return [other for other in EXERCISES if other.folder == exercise.folder]


@pytest.mark.parametrize("exercise", EXERCISES, ids=[exercise.id for exercise in EXERCISES])
def test_the_week_guide_and_the_readme_give_the_same_time(exercise: Exercise) -> None:
    position = sharing(exercise).index(exercise)
    in_guide = guide_times(exercise.week).get(exercise.folder, [])
    in_readme = readme_times(exercise.folder)
    guide, readme = f"docs/week{exercise.week}.md", f"{exercise.folder}/README.md"
    assert len(in_guide) > position, f"{guide} has no row with a time for {exercise.id} (a link to {readme})"
    assert len(in_readme) > position, f"{readme}'s `**Time:**` line gives no time for {exercise.id}"
    assert in_guide[position] == in_readme[position], (
        f"{exercise.id}: {guide} says {in_guide[position]} min, {readme} says {in_readme[position]} min"
    )


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("**Time:** about 90 minutes.", [90]),
        ("**Time:** about an hour and a half; two hours if shell scripts are new to you.", [90, 120]),
        ("**Time:** about an hour for the kata, an hour more for the extensions.", [60, 60]),
        ("**Time:** about an hour and a quarter.", [75]),
    ],
)
def test_readme_durations_are_read_in_words(text: str, minutes: list[int]) -> None:
    assert words_minutes(text) == minutes


@pytest.mark.parametrize(("text", "minutes"), [("45 min", 45), ("1 h", 60), ("1 h 30", 90), ("2 h", 120)])
def test_guide_durations_are_read_as_the_guides_write_them(text: str, minutes: int) -> None:
    assert guide_minutes(text) == minutes
