"""The gradebook's exam practice columns: reports with and without a practice section, reports from before it
existed (schema version 1), a section a student forged, and the rule that practice never touches a grade."""

from __future__ import annotations

import copy
import csv
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from gradebook_support import COURSE, LOCK, SHARED_PRACTICE, report

from instructor.gradebook import MISSING, Row, Snapshot, build_row, csv_columns, read_rows, write_csv, write_rows
from instructor.gradebook_practice import (
    BAD_SECTION,
    NOT_RECORDED,
    NOT_SHARED,
    PRACTICE_COLUMNS,
    SHARED,
    UNUSABLE,
    practice_of,
)

AT = datetime(2026, 10, 10, 12, 0, tzinfo=timezone.utc)
POINTS = {"one": 4, "two": 3, "extra": 1}


def row_with(practice: Any = None, *, old: bool = False, points: dict[str, float] = POINTS) -> Row:
    made = report(points) if old else report(points, practice=practice)
    return build_row(name="ada", repository="ada/course", course=COURSE, lock=LOCK,
                     latest=Snapshot(made, "f" * 40, AT, "https://example.invalid/run/1"))


def forged(change) -> dict[str, Any]:
    section = copy.deepcopy(SHARED_PRACTICE)
    change(section)
    return section


def grade_of(row: Row) -> tuple[Any, ...]:
    return row.points, row.max, row.percent, row.cells, row.flags, row.integrity, row.problems, row.status


# ------------------------------------------------------------------------ never a grade


@pytest.mark.parametrize(
    "practice",
    [
        SHARED_PRACTICE,
        forged(lambda s: s["exams"][0]["best"].update(right=65, scaled=1000, passed=True)),
        forged(lambda s: s.update(problem="the file is broken")),
        {"points": 1000, "exercises": [{"id": "two", "points": 6, "max": 6}]},  # a section that tries to be a report
        "a string",
    ],
)
def test_no_practice_section_changes_a_rows_points_cells_flags_or_integrity(practice: Any) -> None:
    assert grade_of(row_with(practice)) == grade_of(row_with(None)) == grade_of(row_with(old=True))
    assert (row_with(practice).points, row_with(practice).max) == (7, 10)  # one 4 + two 3; extra is optional


# ------------------------------------------------------------------------ what a report says of practice


def test_each_kind_of_report_gets_its_state() -> None:
    assert (row_with(old=True).practice_state, row_with(old=True).practice) == (NOT_RECORDED, None)
    assert (row_with(None).practice_state, row_with(None).practice) == (NOT_SHARED, None)
    shared = row_with(SHARED_PRACTICE)
    assert shared.practice_state == SHARED and shared.practice == SHARED_PRACTICE
    unusable = row_with(forged(lambda s: s.update(problem="it is not JSON")))
    assert unusable.practice_state == UNUSABLE and unusable.practice["problem"] == "it is not JSON"
    assert unusable.practice["quizzes"] == [] and unusable.practice["self_reported"] is True


def test_a_forged_section_is_recomputed_from_its_counts_or_refused() -> None:
    inflated = row_with(forged(lambda s: s["domains"][1].update(percent=100, meets=True)))
    assert inflated.practice_state == SHARED and inflated.practice["domains"][1]["percent"] == 60.0
    assert inflated.practice["domains"][1]["meets"] is False
    impossible = row_with(forged(lambda s: s["quizzes"][0]["best"].update(right=13)))
    assert impossible.practice_state == UNUSABLE
    assert impossible.practice["problem"] == BAD_SECTION.format(error="quizzes[0].best.right must be a whole number from 0 to 12")
    assert practice_of({"practice": ["not", "an", "object"]})[0] == UNUSABLE  # type: ignore[typeddict-item]


# ------------------------------------------------------------------------ the CSV and the rows' files


def read_csv(path: Path) -> tuple[list[str], dict[str, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), {record["student"]: record for record in reader}


def test_the_csv_ends_with_a_column_per_quiz_the_best_exam_and_readiness_per_domain(tmp_path: Path) -> None:
    assert PRACTICE_COLUMNS == (
        "practice", "practice_shared_at", *(f"practice_quiz_w{week}" for week in range(6)), "practice_exam_scaled",
        *(f"practice_ready_d{domain}" for domain in range(1, 5)),
    )
    assert csv_columns(COURSE)[-len(PRACTICE_COLUMNS):] == list(PRACTICE_COLUMNS)
    assert csv_columns(COURSE).index("detail") < csv_columns(COURSE).index("practice")  # after every grade column
    rows = [row_with(SHARED_PRACTICE), row_with(None), row_with(old=True), row_with(forged(lambda s: s.update(problem="x")))]
    rows.append(build_row(name="eve", repository="eve/course", course=COURSE, lock=LOCK, latest=None, status=MISSING))
    for row, name in zip(rows, ("ada", "bob", "cyd", "dee", "eve")):
        row.student = name
    columns, records = read_csv(write_csv(rows, COURSE, tmp_path / "gradebook.csv"))
    assert columns == csv_columns(COURSE)
    practice = {name: [record[column] for column in PRACTICE_COLUMNS] for name, record in records.items()}
    assert practice["ada"] == ["shared", "2026-10-09T20:15:00+00:00", "75", "", "91.7", "", "", "", "751", "75", "60", "", ""]
    assert practice["bob"] == ["not-shared"] + [""] * 12
    assert practice["cyd"] == ["not-recorded"] + [""] * 12  # a schema version 1 report: read, no practice
    assert practice["dee"] == ["unusable"] + [""] * 12
    assert practice["eve"] == [""] * 13  # no grade, no report
    assert all(records[name]["points"] == "7" for name in ("ada", "bob", "cyd", "dee"))


def test_rows_keep_their_practice_through_json_and_rows_written_before_it_still_read(tmp_path: Path) -> None:
    row = row_with(SHARED_PRACTICE)
    write_rows([row], tmp_path / "rows")
    (merged,) = read_rows([tmp_path / "rows"])
    assert merged.to_json() == row.to_json() and merged.practice_state == SHARED
    older = {key: value for key, value in row.to_json().items() if not key.startswith("practice")}
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "ada.json").write_text(json.dumps(older))
    (read,) = read_rows([tmp_path / "old"])
    assert (read.practice_state, read.practice, read.points) == ("", None, 7)
