"""Tamper evidence: graders.lock, the integrity verdict in every report, and the official overlay."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ci_support import clean_environment, copy_of_repository, course, make_tiny_course, read_report
from support import REPO

from harness.integrity import LOCK_FILE, check, read_lock, sha256_of, stale_entries, tracked_files, write_lock
from harness.manifest import load_course

LAB1_GRADER = "labs/lab1_inventory_status/test_lab1.py"
LAB1_HANDLER = "labs/lab1_inventory_status/inventory_status_lambda.py"
OVERLAY_SCRIPT = "scripts/overlay_official_graders.py"


def test_the_checked_in_lock_matches_the_tree() -> None:
    stale = stale_entries(REPO, load_course(REPO))
    assert not stale, f"{LOCK_FILE} is stale for {stale}: run `course lock` and commit {LOCK_FILE}"


def test_the_lock_covers_graders_harness_manifest_configuration_and_the_grading_workflow() -> None:
    locked = set(read_lock(REPO) or {})
    course = load_course(REPO)
    expected = {"course.toml", "pyproject.toml", "conftest.py", "harness/plugin.py", "harness/report.schema.json",
                ".github/workflows/grade.yml", ".github/workflows/grade-official.yml"}
    expected |= {f"{e.folder}/{name}" for e in course.exercises for name in e.graders}
    assert expected <= locked, expected - locked
    assert not any("__pycache__" in path or path.startswith("solutions/") for path in locked)


def test_sha256sum_accepts_the_lock_format(tmp_path: Path) -> None:
    root = make_tiny_course(tmp_path / "course")
    write_lock(root, load_course(root))
    done = subprocess.run(["sha256sum", "--check", "--strict", LOCK_FILE], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ex/one/test_one.py: OK" in done.stdout


# ------------------------------------------------------------------------ the verdict on a copy


@pytest.fixture(scope="module")
def repository_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the course as a clone has it, locked as a maintainer would before a release."""
    root = copy_of_repository(tmp_path_factory.mktemp("copy") / "course")
    write_lock(root, load_course(root))
    return root


@pytest.fixture
def fork(repository_copy: Path, tmp_path: Path) -> Path:
    """A student's copy of the locked course, free to be edited."""
    return Path(shutil.copytree(repository_copy, tmp_path / "fork"))


def grade_lab1(root: Path, reports: Path) -> dict:
    done = course("grade", "lab1", "--course-root", str(root), "--report-dir", str(reports))
    report = read_report(reports)
    assert report is not None, done.stdout + done.stderr
    return report


def test_editing_a_grader_in_a_copy_flips_the_verdict_to_modified_naming_that_file(fork: Path, tmp_path: Path) -> None:
    before = check(fork, load_course(fork), [load_course(fork).get("lab1")])
    assert (before.verdict, before.modified) == ("ok", [])
    grader = fork / LAB1_GRADER
    grader.write_text(grader.read_text().replace("@pytest.mark.points(2, hint=OK_HINT", "@pytest.mark.points(9, hint=OK_HINT"))
    integrity = grade_lab1(fork, tmp_path / "reports")["integrity"]
    assert integrity["verdict"] == "modified"
    assert integrity["modified"] == [LAB1_GRADER]
    assert integrity["hashes"][LAB1_GRADER] == sha256_of(grader)


def test_rewriting_the_lock_in_a_fork_still_shows_the_edit_in_the_reported_hashes(fork: Path, repository_copy: Path) -> None:
    grader = fork / LAB1_GRADER
    grader.write_text(grader.read_text() + "\n# loosened\n")
    write_lock(fork, load_course(fork))  # the student "fixes" the verdict
    integrity = check(fork, load_course(fork))
    assert integrity.verdict == "ok"
    official = read_lock(repository_copy) or {}
    assert integrity.hashes[LAB1_GRADER] != official[LAB1_GRADER]
    assert integrity.lock_sha256 != sha256_of(repository_copy / LOCK_FILE)


@pytest.mark.parametrize(
    "change, named",
    [
        ("a conftest.py added to an exercise folder", "labs/lab1_inventory_status/conftest.py"),
        ("a conftest.py added above the exercise folders", "labs/conftest.py"),
        ("a pytest.ini added at the root", "pytest.ini"),
        ("a module added to the harness", "harness/extra.py"),
        ("the grader deleted", LAB1_GRADER),
        ("the manifest edited", "course.toml"),
    ],
)
def test_every_way_of_changing_grading_files_is_named(fork: Path, change: str, named: str) -> None:
    if "deleted" in change:
        (fork / named).unlink()
    elif "manifest" in change:
        (fork / named).write_text((fork / named).read_text().replace("points = 31", "points = 1", 1))
    else:
        (fork / named).write_text("import pytest\n")
    integrity = check(fork, load_course(fork), [load_course(fork).get("lab1")])
    assert integrity.verdict == "modified" and named in integrity.modified, (change, integrity.modified)


def test_an_edit_to_another_exercises_grader_does_not_concern_this_run(tmp_path: Path) -> None:
    root = make_tiny_course(tmp_path / "course")
    course_ = load_course(root)
    write_lock(root, course_)
    (root / "ex/two/test_two.py").write_text("# changed\n")
    assert check(root, course_, [course_.get("one")]).verdict == "ok"
    assert check(root, course_, [course_.get("two")]).modified == ["ex/two/test_two.py"]


def test_without_a_lock_the_verdict_is_unlocked_and_the_hashes_are_still_there(tmp_path: Path) -> None:
    root = make_tiny_course(tmp_path / "course")
    integrity = check(root, load_course(root))
    assert integrity.verdict == "unlocked" and integrity.lock_sha256 is None
    assert set(integrity.hashes) == set(tracked_files(root, load_course(root)))


def test_course_lock_check_says_stale_until_course_lock_is_run(tmp_path: Path) -> None:
    root = make_tiny_course(tmp_path / "course")
    missing = course("lock", "--check", "--course-root", str(root))
    assert missing.returncode == 1 and "There is no graders.lock" in missing.stdout
    written = course("lock", "--course-root", str(root))
    assert written.returncode == 0 and "Wrote graders.lock" in written.stdout
    assert course("lock", "--check", "--course-root", str(root)).returncode == 0
    (root / "ex/one/test_one.py").write_text("# changed\n")
    stale = course("lock", "--check", "--course-root", str(root))
    assert stale.returncode == 1 and "ex/one/test_one.py" in stale.stdout


# ------------------------------------------------------------------------------------ the overlay


def run_overlay(official: Path, student: Path) -> subprocess.CompletedProcess[str]:
    script = official / OVERLAY_SCRIPT
    return subprocess.run(
        [sys.executable, str(script), str(student)], cwd=student, env=clean_environment(), capture_output=True, text=True
    )


def test_the_overlay_restores_official_graders_and_leaves_the_students_code(repository_copy: Path, fork: Path) -> None:
    grader = fork / LAB1_GRADER
    grader.write_text("import pytest\n\n@pytest.mark.points(31, hint='x')\ndef test_everything():\n    pass\n")
    (fork / "labs/lab1_inventory_status/conftest.py").write_text("# skips the real checks\n")
    (fork / "harness/plugin.py").write_text("# gutted\n")
    (fork / "pytest.ini").write_text("[pytest]\naddopts = -p no:harness.plugin\n")
    handler = fork / LAB1_HANDLER
    handler.write_text(handler.read_text() + "\n# the student's own work\n")
    student_code = handler.read_bytes()

    done = run_overlay(repository_copy, fork)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"restored {LAB1_GRADER}" in done.stdout and "restored harness/plugin.py" in done.stdout
    assert "removed  labs/lab1_inventory_status/conftest.py" in done.stdout and "removed  pytest.ini" in done.stdout
    assert grader.read_bytes() == (repository_copy / LAB1_GRADER).read_bytes()
    assert handler.read_bytes() == student_code
    assert check(fork, load_course(fork)).verdict == "ok"


def test_the_overlay_refuses_an_official_copy_whose_lock_is_stale(repository_copy: Path, tmp_path: Path) -> None:
    official = Path(shutil.copytree(repository_copy, tmp_path / "official"))
    (official / LAB1_GRADER).write_text("# edited after locking\n")
    done = run_overlay(official, Path(shutil.copytree(repository_copy, tmp_path / "student")))
    assert done.returncode == 2 and "does not match its own files" in done.stderr
