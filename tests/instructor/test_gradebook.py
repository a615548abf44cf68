"""The gradebook's core: reports checked against the official lock, late points, roster, due dates, CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from gradebook_support import COURSE, DUE_WEEK_1, LOCK, report

from instructor.due_dates import BAD_DATE, BAD_DUE, parse_due_dates, parse_moment
from instructor.gradebook import (
    DIFFERS,
    FLAG_HARNESS,
    FLAG_LATE,
    FLAG_MISSING,
    FLAG_NOT_GRADED,
    FLAG_TAMPERED,
    GRADED,
    MISSING,
    NO_INTEGRITY,
    NOT_OFFICIAL,
    NOT_USED,
    Row,
    Snapshot,
    build_row,
    csv_columns,
    print_summary,
    read_rows,
    verify_report,
    write_csv,
    write_rows,
)
from instructor.roster import BAD_LINE, EMPTY, TWICE, RosterError, Student, read_roster


def snapshot(points: dict[str, float], at: datetime, **extra: Any) -> Snapshot:
    return Snapshot(report(points, **extra), "f" * 40, at, "https://example.invalid/run/1")


def row_of(latest: Snapshot | None, **kwargs: Any) -> Row:
    return build_row(name="ada", repository="ada/course", course=COURSE, lock=LOCK, latest=latest, **kwargs)


# ------------------------------------------------------------------------ verification


def test_a_report_made_with_the_official_files_verifies() -> None:
    assert verify_report(report({"one": 4, "two": 6, "extra": 2}), LOCK, COURSE) == []


def test_a_changed_grader_an_added_file_and_a_missing_harness_file_are_each_named() -> None:
    hashes = dict(LOCK)
    hashes["ex/one/test_one.py"] = "9" * 64
    hashes["ex/one/conftest.py"] = "8" * 64
    del hashes["harness/plugin.py"]
    problems = verify_report(report({"one": 4, "two": 6, "extra": 2}, hashes=hashes), LOCK, COURSE)
    assert problems == [
        NOT_OFFICIAL.format(path="ex/one/conftest.py"),
        DIFFERS.format(path="ex/one/test_one.py"),
        NOT_USED.format(path="harness/plugin.py"),
    ]


def test_the_graders_of_exercises_a_run_did_not_grade_are_not_required() -> None:
    hashes = {path: digest for path, digest in LOCK.items() if not path.startswith(("ex/two", "ex/extra"))}
    assert verify_report(report({"one": 4}, hashes=hashes), LOCK, COURSE) == []


def test_a_report_without_integrity_or_with_a_modified_verdict_is_not_verified() -> None:
    bare = report({"one": 4})
    del bare["integrity"]
    assert verify_report(bare, LOCK, COURSE) == [NO_INTEGRITY]
    assert verify_report(report({"one": 4, "two": 6, "extra": 2}, verdict="modified"), LOCK, COURSE)


# ------------------------------------------------------------------------ rows


def test_a_verified_row_totals_required_exercises_and_keeps_the_optional_one_apart() -> None:
    row = row_of(snapshot({"one": 4, "two": 3, "extra": 2}, DUE_WEEK_1))
    assert (row.status, row.points, row.max, row.percent) == (GRADED, 7, 10, 70)
    assert row.cells["extra"].points == 2 and row.integrity == "verified" and row.flags == []


def test_a_tampered_report_is_flagged_with_the_files_that_differ() -> None:
    hashes = dict(LOCK, **{"ex/two/test_two.py": "1" * 64})
    row = row_of(snapshot({"one": 4, "two": 6, "extra": 2}, DUE_WEEK_1, hashes=hashes))
    assert row.flags == [FLAG_TAMPERED] and row.integrity == "tampered"
    assert row.problems == [DIFFERS.format(path="ex/two/test_two.py")]


def test_points_earned_after_the_due_date_are_late_and_the_on_time_points_are_kept() -> None:
    on_time = snapshot({"one": 1, "two": 0, "extra": 0}, datetime(2026, 10, 10, tzinfo=timezone.utc))
    latest = snapshot({"one": 4, "two": 6, "extra": 2}, datetime(2026, 10, 20, tzinfo=timezone.utc))
    row = row_of(latest, on_time={1: on_time}, due={1: DUE_WEEK_1})
    assert row.late == ["one"] and FLAG_LATE in row.flags
    assert row.cells["one"].on_time == 1
    assert not row.cells["two"].late and row.cells["two"].on_time is None  # week 2 has no due date


def test_nothing_is_late_before_the_due_date_or_when_the_points_were_there_on_time() -> None:
    early = row_of(snapshot({"one": 4, "two": 6, "extra": 2}, datetime(2026, 10, 1, tzinfo=timezone.utc)),
                   due={1: DUE_WEEK_1})
    assert early.late == []
    kept = snapshot({"one": 4, "two": 0, "extra": 0}, datetime(2026, 10, 10, tzinfo=timezone.utc))
    later = row_of(snapshot({"one": 4, "two": 6, "extra": 2}, datetime(2026, 10, 20, tzinfo=timezone.utc)),
                   on_time={1: kept}, due={1: DUE_WEEK_1})
    assert later.late == [] and later.cells["one"].on_time == 4


def test_with_nothing_graded_by_the_due_date_every_point_is_late() -> None:
    latest = snapshot({"one": 2, "two": 0, "extra": 0}, datetime(2026, 10, 20, tzinfo=timezone.utc))
    row = row_of(latest, on_time={1: None}, due={1: DUE_WEEK_1})
    assert row.late == ["one"] and row.cells["one"].on_time == 0


def test_a_tampered_on_time_report_flags_the_row_too() -> None:
    hashes = dict(LOCK, **{"ex/one/test_one.py": "1" * 64})
    on_time = snapshot({"one": 4, "two": 0, "extra": 0}, datetime(2026, 10, 10, tzinfo=timezone.utc), hashes=hashes)
    latest = snapshot({"one": 4, "two": 6, "extra": 2}, datetime(2026, 10, 20, tzinfo=timezone.utc))
    assert FLAG_TAMPERED in row_of(latest, on_time={1: on_time}, due={1: DUE_WEEK_1}).flags


def test_not_graded_checks_and_harness_errors_are_flagged() -> None:
    row = row_of(snapshot({"one": 4, "two": 4, "extra": 0}, DUE_WEEK_1, not_graded={"two": 1},
                          harness_errors=["moto failed to start"]))
    assert row.flags == [FLAG_NOT_GRADED, FLAG_HARNESS]


def test_a_report_that_left_a_required_exercise_out_counts_it_as_zero_and_is_flagged() -> None:
    row = row_of(snapshot({"one": 4, "extra": 2}, DUE_WEEK_1))  # the run stopped before "two"
    assert (row.points, row.max) == (4, 4 + 6)
    assert "two" not in row.cells and row.flags == [FLAG_HARNESS]


def test_a_student_without_a_report_keeps_a_row_saying_why() -> None:
    row = row_of(None, status=MISSING, detail="not found")
    assert (row.status, row.detail, row.flags, row.cells) == (MISSING, "not found", [FLAG_MISSING], {})


def test_regrade_problems_flag_the_row_even_when_the_report_verifies() -> None:
    row = row_of(snapshot({"one": 4, "two": 6, "extra": 2}, DUE_WEEK_1), problems=["ex/one/test_one.py: changed"])
    assert row.flags == [FLAG_TAMPERED] and row.problems == ["ex/one/test_one.py: changed"]


# ------------------------------------------------------------------------ files


def test_the_csv_has_stable_columns_and_reads_back(tmp_path: Path) -> None:
    rows = [row_of(snapshot({"one": 4, "two": 3, "extra": 0}, DUE_WEEK_1)), row_of(None, status=MISSING)]
    rows[1].student = "bob"
    path = write_csv(rows, COURSE, tmp_path / "gradebook.csv")
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        records = list(reader)
    assert reader.fieldnames == csv_columns(COURSE)
    assert csv_columns(COURSE)[:6] == ["student", "repository", "status", "points", "max", "percent"]
    assert [(r["student"], r["status"], r["points"], r["one"], r["two"], r["flags"]) for r in records] == [
        ("ada", "graded", "7", "4", "3", ""),
        ("bob", "missing", "", "", "", "missing"),
    ]


def test_rows_written_as_json_merge_back_sorted_by_student(tmp_path: Path) -> None:
    first, second = row_of(snapshot({"one": 4, "two": 6, "extra": 2}, DUE_WEEK_1)), row_of(None, status=MISSING)
    first.student, second.student = "Zoe", "adam/x y"
    write_rows([first], tmp_path / "a")
    write_rows([second], tmp_path / "b")
    merged = read_rows([tmp_path / "a", tmp_path / "b"])
    assert [row.student for row in merged] == ["adam/x y", "Zoe"]
    assert merged[1].cells["one"].points == 4 and merged[1].to_json() == first.to_json()
    assert json.loads((tmp_path / "b" / "adam-x-y.json").read_text())["status"] == MISSING


def test_the_summary_lists_every_student_and_the_counts() -> None:
    out = io.StringIO()
    rows = [row_of(snapshot({"one": 4, "two": 3, "extra": 0}, DUE_WEEK_1)), row_of(None, status=MISSING)]
    rows[1].student = "bob"
    print_summary(rows, out)
    text = out.getvalue()
    assert "ada" in text and "7 / 10 (70%)" in text and "bob" in text and "missing" in text
    assert "2 students: 1 graded, 1 without a grade, 0 tampered, 0 late" in text


# ------------------------------------------------------------------------ roster and due dates


def test_a_roster_names_students_by_owner_folder_or_given_name(tmp_path: Path) -> None:
    roster = tmp_path / "students.txt"
    roster.write_text(
        "# cohort 1\n\noctocat/cloud-course\nAda Lovelace, ada/fork\nbob ../students/bob\nhttps://git.example/carol.git\n"
    )
    assert read_roster(roster) == [
        Student("octocat", "octocat/cloud-course"),
        Student("Ada Lovelace", "ada/fork"),
        Student("bob", "../students/bob"),
        Student("carol", "https://git.example/carol.git"),
    ]
    assert Student("Ada Lovelace", "ada/fork").slug == "Ada-Lovelace"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ada/x\nada/y\n", TWICE.format(file="r.txt", line=2, name="ada")),
        ("# nobody\n", EMPTY.format(file="r.txt")),
        ("Ada,\n", BAD_LINE.format(file="r.txt", line=1, text="Ada,")),
    ],
)
def test_a_bad_roster_says_which_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "r.txt").write_text(text)
    with pytest.raises(RosterError) as raised:
        read_roster(tmp_path / "r.txt")
    assert str(raised.value) == message


def test_due_dates_take_a_day_or_a_moment_with_an_offset() -> None:
    due = parse_due_dates(["1=2026-10-11", "2=2026-10-18T12:00+02:00", "3=2026-10-25T08:00Z"])
    assert due == {
        1: DUE_WEEK_1,
        2: datetime(2026, 10, 18, 10, 0, tzinfo=timezone.utc),
        3: datetime(2026, 10, 25, 8, 0, tzinfo=timezone.utc),
    }
    assert parse_moment("2026-10-11T10:00") == datetime(2026, 10, 11, 10, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["week1=2026-10-11"], BAD_DUE.format(text="week1=2026-10-11")),
        (["1=next friday"], BAD_DATE.format(text="next friday")),
        (["1=2026-10-11", "1=2026-10-12"], "week 1 has two due dates"),
    ],
)
def test_a_bad_due_date_is_refused_with_an_example(items: list[str], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_due_dates(items)
    assert str(raised.value) == message


# ------------------------------------------------------------------------ merging rows (the regrade workflow's last job)


def merge(tmp_path: Path, *options: str) -> tuple[int, str, str]:
    from harness.cli import main

    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stdout", out)
        patch.setattr("sys.stderr", err)
        status = main(["gradebook", "--course-root", str(tmp_path / "course"), *options])
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def tiny_course_with_rows(tmp_path: Path) -> Path:
    from ci_support import make_tiny_course

    make_tiny_course(tmp_path / "course")
    done = row_of(snapshot({"one": 4, "two": 6, "extra": 2}, DUE_WEEK_1))
    write_rows([done], tmp_path / "regrade" / "ada" / "rows")
    return tmp_path


def test_merged_rows_with_the_roster_list_a_student_whose_job_wrote_no_row(tiny_course_with_rows: Path) -> None:
    from instructor.cohort import NO_ROW

    tmp_path = tiny_course_with_rows
    (tmp_path / "roster.txt").write_text("ada/course\nbob/course\n")
    status, out, _ = merge(tmp_path, "--rows", str(tmp_path / "regrade" / "ada" / "rows"),
                           "--students", str(tmp_path / "roster.txt"), "--out", str(tmp_path / "book"))
    assert status == 0, out
    with (tmp_path / "book" / "gradebook.csv").open(newline="") as handle:
        records = {record["student"]: record for record in csv.DictReader(handle)}
    assert records["ada"]["status"] == "graded"
    assert (records["bob"]["status"], records["bob"]["flags"], records["bob"]["detail"]) == ("failed", "missing", NO_ROW)
    assert "2 students: 1 graded, 1 without a grade" in out


def test_merging_rows_refuses_github_sources_and_nothing_at_all(tiny_course_with_rows: Path) -> None:
    from instructor.cohort import GITHUB_SOURCES, NO_STUDENTS, ROWS_WITH_GITHUB

    tmp_path = tiny_course_with_rows
    status, _, err = merge(tmp_path, "--rows", str(tmp_path / "regrade"), "--org", "school")
    assert status == 2 and ROWS_WITH_GITHUB in err
    status, _, err = merge(tmp_path, "--out", str(tmp_path / "book"))
    assert status == 2 and NO_STUDENTS.format(sources=GITHUB_SOURCES) in err


def test_regrade_refuses_two_students_whose_files_would_share_a_name(tmp_path: Path) -> None:
    from ci_support import make_tiny_course

    from harness.cli import main
    from instructor.cohort import SAME_FILE_NAME

    make_tiny_course(tmp_path / "course")
    err = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sys.stderr", err)
        status = main(["regrade", "--course-root", str(tmp_path / "course"), "--student", "Ada Lovelace, a/x",
                       "--student", "Ada-Lovelace, b/x", "--out", str(tmp_path / "out")])
    assert status == 2
    assert SAME_FILE_NAME.format(names="Ada Lovelace and Ada-Lovelace", slug="Ada-Lovelace") in err.getvalue()
