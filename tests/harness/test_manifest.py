"""course.toml parsing: exercise lookup, shared folders for optional extensions, bad entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.manifest import ManifestError, load_course

ENTRY = '[[exercise]]\nid = "{id}"\ntitle = "T"\nweek = 1\nfolder = "{folder}"\npoints = 1\ndomain = 1\n{extra}\n'


def course_file(tmp_path: Path, *entries: str) -> Path:
    (tmp_path / "course.toml").write_text('[course]\nname = "C"\nversion = "1"\n\n' + "\n".join(entries))
    return tmp_path


def test_a_path_belongs_to_the_exercise_whose_folder_holds_it(tmp_path: Path) -> None:
    course = load_course(course_file(tmp_path, ENTRY.format(id="lab1", folder="labs/lab1", extra="")))
    assert course.owning("labs/lab1/test_lab1.py").id == "lab1"
    assert course.owning("labs/lab10/test_lab10.py") is None
    assert course.get("lab1").targets == ["labs/lab1"]


def test_an_optional_extension_shares_its_folder_through_its_own_grader_files(tmp_path: Path) -> None:
    root = course_file(
        tmp_path,
        ENTRY.format(id="kata2", folder="katas/kata2", extra='graders = ["test_kata2.py"]'),
        ENTRY.format(id="kata2-ext", folder="katas/kata2", extra='graders = ["test_kata2_extensions.py"]\noptional = true'),
    )
    course = load_course(root)
    assert course.owning("katas/kata2/test_kata2.py").id == "kata2"
    assert course.owning("katas/kata2/test_kata2_extensions.py").id == "kata2-ext"
    assert course.owning("katas/kata2/order_manager.py") is None
    assert course.get("kata2-ext").optional and not course.get("kata2").optional
    assert course.get("kata2-ext").targets == ["katas/kata2/test_kata2_extensions.py"]


def test_a_shared_folder_without_distinct_grader_files_is_refused(tmp_path: Path) -> None:
    root = course_file(
        tmp_path,
        ENTRY.format(id="a", folder="labs/x", extra=""),
        ENTRY.format(id="b", folder="labs/x", extra='graders = ["test_b.py"]'),
    )
    with pytest.raises(ManifestError, match="a, b share labs/x"):
        load_course(root)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('domain = 7', "use 1-4"),
        ('graders = "test_x.py"', "graders must be a list"),
        ('grading_seconds = "long"', "grading_seconds must be a number of seconds"),
        ("grading_seconds = -1", "grading_seconds must be a number of seconds"),
        ('aws = "no"', "aws must be true or false"),
    ],
)
def test_a_bad_entry_says_what_is_wrong(tmp_path: Path, extra: str, message: str) -> None:
    entry = ENTRY.format(id="x", folder="labs/x", extra=extra).replace("domain = 1\n", "" if "domain" in extra else "domain = 1\n")
    with pytest.raises(ManifestError, match=message):
        load_course(course_file(tmp_path, entry))


def test_a_missing_key_and_a_repeated_id_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="lacks points"):
        load_course(course_file(tmp_path, ENTRY.format(id="x", folder="f", extra="").replace("points = 1\n", "")))
    with pytest.raises(ManifestError, match="appears twice"):
        load_course(course_file(tmp_path, ENTRY.format(id="x", folder="f", extra=""), ENTRY.format(id="x", folder="g", extra="")))


def test_grading_seconds_and_aws_are_read_with_their_defaults(tmp_path: Path) -> None:
    root = course_file(
        tmp_path,
        ENTRY.format(id="kata", folder="k", extra="aws = false\ngrading_seconds = 1.5"),
        ENTRY.format(id="lab", folder="l", extra=""),
    )
    course = load_course(root)
    assert (course.get("kata").grading_seconds, course.get("kata").calls_aws) == (1.5, False)
    assert (course.get("lab").grading_seconds, course.get("lab").calls_aws) == (0.0, True)
