"""`course publish-template`: the repository a cohort forks, built once from a released copy of the course."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
import yaml
from ci_support import course, lint, read_report
from docs_commands import (
    assert_every_command_exited_0,
    console_commands,
    on_port,
    session_script,
    student_environment,
)
from support import GradeRun, copy_of_repository, free_port

from harness.integrity import LOCK_CURRENT, LOCK_FILE, tracked_files, write_lock
from harness.manifest import load_course
from harness.settings import ENV_BACKGROUND_PORT
from instructor.doclinks import broken_links_on_disk
from instructor.template import (
    BAD_REF,
    BAD_UPSTREAM,
    BROKEN_LINKS,
    COHORT_INTRO,
    COMMIT_MESSAGE,
    DROP_MARKER,
    DROP_WITHOUT_END,
    END_MARKER,
    END_WITHOUT_DROP,
    EXAMPLE_REF,
    EXAMPLE_UPSTREAM,
    GIT_EMAIL,
    GIT_NAME,
    LEFT_OUT,
    LEFT_OUT_GROUP,
    LOCK_NOT_CURRENT,
    MARKER_PROBLEM,
    NESTED_DROP,
    OFFICIAL_WORKFLOW,
    OUT_IS_REPOSITORY,
    OUT_NOT_EMPTY,
    OUT_OVERLAPS,
    PINNED,
    TAG_ELSEWHERE,
    TAG_MISSING,
    UNKNOWN_MARKER,
    WORKFLOW,
    WORKFLOW_EXAMPLE,
    TemplateError,
    checkout_files,
    cohort_workflow,
    drop_marked,
    left_out_entry,
    publish_template,
    tag_note,
    with_cohort_intro,
)

UPSTREAM = "acme-training/cloud-developer-accelerator"
REF = "v9.8.7"
LAB1_GRADER = "labs/lab1_inventory_status/test_lab1.py"
# The Makefile's answer to `make test` where tests/ is absent.
MAKE_TEST_IN_A_COHORT_COPY = "make test: this is a cohort copy without the course's own tests; `make grade` grades your work"
# What only the course itself may hold; the template must have none of it.
INSTRUCTOR_ONLY = (
    "solutions", "tests", ".ci", ".github/workflows/ci.yml", ".github/workflows/grade-official.yml", "gradescope",
    "scripts/gradescope_bundle.py", "docs/instructors.md", "docs/maintainers.md", "docs/examples", "instructor",
)


def git(*args: str, cwd: Path) -> str:
    identity = ("-c", "user.name=Maintainer", "-c", "user.email=maintainer@example.invalid", "-c", "commit.gpgsign=false")
    done = subprocess.run(["git", *identity, *args], cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout.strip()


def files_of(root: Path) -> set[str]:
    """Every file of a tree but git's own and what runs leave behind (.gitignore'd caches)."""
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and ".git" not in path.relative_to(root).parts and "__pycache__" not in path.parts
    }


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course as a maintainer releases it: a git checkout with a current lock, tagged REF."""
    root = copy_of_repository(tmp_path_factory.mktemp("release") / "course")
    write_lock(root, load_course(root))
    git("init", "-q", "-b", "main", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "release", cwd=root)
    git("tag", REF, cwd=root)
    return root


@dataclass
class Published:
    root: Path
    output: str
    files: set[str]  # as written, before any test ran something in it


@pytest.fixture(scope="module")
def published(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Published:
    out_dir = tmp_path_factory.mktemp("published") / "cohort-template"
    out = StringIO()
    code = publish_template(course_root=release, out_dir=out_dir, upstream=UPSTREAM, ref=REF, init_git=True, out=out)
    assert code == 0, out.getvalue()
    return Published(out_dir, out.getvalue(), files_of(out_dir))


def publish(course_root: Path, out_dir: Path, *, upstream: str = UPSTREAM, ref: str = REF, **options: bool) -> tuple[int, str]:
    out = StringIO()
    code = publish_template(course_root=course_root, out_dir=out_dir, upstream=upstream, ref=ref, out=out, **options)
    return code, out.getvalue()


def copy_of(release: Path, target: Path) -> Path:
    return Path(shutil.copytree(release, target, symlinks=True))


# ------------------------------------------------------------------------------------ what it holds


def test_the_template_is_the_release_without_solutions_tests_or_instructor_files(release: Path, published: Published) -> None:
    assert not [path for path in INSTRUCTOR_ONLY if (published.root / path).exists()]
    kept = {path for path in checkout_files(release) if left_out_entry(path) is None}
    assert published.files == kept
    assert {"README.md", LAB1_GRADER, "harness/plugin.py", "course.toml", WORKFLOW, LOCK_FILE} <= published.files


def test_shared_exam_practice_in_the_checkout_stays_out_and_the_question_bank_goes_in() -> None:
    assert left_out_entry("quizzes/results.json") == "quizzes/results.json"
    assert left_out_entry("quizzes/bank/week1.yaml") is None and left_out_entry("quizzes/README.md") is None


def test_the_output_counts_what_was_left_out_and_names_the_pin(release: Path, published: Published) -> None:
    solutions = [path for path in checkout_files(release) if path.startswith("solutions/")]
    assert solutions, "the release has reference solutions to leave out"
    assert LEFT_OUT_GROUP.format(entry="solutions/", count=len(solutions), why=LEFT_OUT["solutions/"]) in published.output
    official = OFFICIAL_WORKFLOW.format(upstream=UPSTREAM, ref=REF)
    assert PINNED.format(workflow=WORKFLOW, official=official, upstream=UPSTREAM, ref=REF) in published.output
    assert "Note:" not in published.output, "the release is tagged REF at HEAD: nothing to warn about"


def test_course_lock_check_passes_in_the_template(published: Published) -> None:
    done = course("lock", "--check", cwd=published.root)
    assert done.returncode == 0, done.stdout + done.stderr
    count = len(tracked_files(published.root, load_course(published.root)))
    assert done.stdout.strip() == LOCK_CURRENT.format(path=LOCK_FILE, count=count)


def test_grade_yml_calls_the_upstream_workflow_at_the_tag_with_the_same_pin_and_actionlint_accepts_it(
    release: Path, published: Published
) -> None:
    text = (published.root / WORKFLOW).read_text(encoding="utf-8")
    assert f"Generated by `course publish-template` for {UPSTREAM}@{REF}" in text.splitlines()[0]
    job = yaml.safe_load(text)["jobs"]["grade"]
    assert job["uses"] == f"{UPSTREAM}/.github/workflows/grade-official.yml@{REF}"
    assert (job["with"]["course-repository"], job["with"]["course-ref"]) == (UPSTREAM, REF)
    example = (release / WORKFLOW_EXAMPLE).read_text(encoding="utf-8")
    body = example[example.index("\nname:") + 1 :]
    assert text.endswith(body.replace(EXAMPLE_UPSTREAM, UPSTREAM).replace(EXAMPLE_REF, REF)), "the example, pinned"
    done = lint(published.root / WORKFLOW, cwd=published.root)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_readme_opens_with_the_cohort_section_and_has_none_of_the_upstream_only_passages(
    release: Path, published: Published
) -> None:
    readme = (published.root / "README.md").read_text(encoding="utf-8")
    intro = (release / COHORT_INTRO).read_text(encoding="utf-8").replace("{upstream}", UPSTREAM).replace("{ref}", REF)
    title, first_paragraph = readme.split("\n\n")[:2]
    assert title.startswith("# ") and first_paragraph.startswith("A five-week")
    assert readme.startswith(f"{title}\n\n{first_paragraph}\n\n{intro.strip()}\n\n## Quick start\n")
    assert f"[{UPSTREAM}](https://github.com/{UPSTREAM}/tree/{REF}) at `{REF}`" in intro
    _, dropped = drop_marked((release / "README.md").read_text(encoding="utf-8"), source="README.md")
    assert len(dropped) >= 4, "the upstream README marks its maintainers' passages"
    assert not [passage for passage in dropped if passage.strip() in readme]
    for upstream_only in ("make test", "--solutions", "docs/maintainers.md", "docs/instructors.md", "solutions/"):
        assert upstream_only not in readme, upstream_only


def test_no_markdown_of_the_template_keeps_a_marker_or_a_broken_relative_link(published: Published) -> None:
    pages = sorted(published.root.rglob("*.md"))
    assert len(pages) >= 10
    assert not [page for page in pages if "<!-- template:" in page.read_text(encoding="utf-8")]
    broken = {page.name: broken_links_on_disk(published.root, page) for page in pages}
    assert not {page: links for page, links in broken.items() if links}


def test_the_graders_work_out_of_the_box_in_the_template(published: Published, tmp_path: Path) -> None:
    done = course("grade", "kata1", "lab1", "--report-dir", str(tmp_path), cwd=published.root)
    report = read_report(tmp_path)
    assert report is not None, done.stdout + done.stderr
    run = GradeRun(done.returncode, done.stdout + done.stderr, report)
    for exercise_id in ("kata1", "lab1"):
        assert run.exercise(exercise_id)["checks"], f"{exercise_id} was not graded"
        run.assert_sane(exercise_id)
    assert report["harness_errors"] == []
    assert report["integrity"]["verdict"] == "ok", report["integrity"]["modified"]
    assert 0 < report["totals"]["max"] and report["totals"]["points"] < report["totals"]["max"], "starters score low"
    # The template's own files graded it: its grade.yml (the caller) is the grading workflow hashed.
    caller = hashlib.sha256((published.root / WORKFLOW).read_bytes()).hexdigest()
    assert report["integrity"]["hashes"][WORKFLOW] == caller
    assert ".github/workflows/grade-official.yml" not in report["integrity"]["hashes"]


def test_the_commands_of_the_template_readme_run_and_make_test_says_what_a_cohort_copy_is(
    published: Published, tmp_path: Path
) -> None:
    copy = Path(shutil.copytree(published.root, tmp_path / "student", ignore=shutil.ignore_patterns(".git", "__pycache__")))
    # Every command, the background emulator's block too: on a free port (as tests/docs does), so a port 4566
    # held by anything else on this machine cannot fail it.
    port = free_port()
    runnable = on_port([c for c in console_commands(copy / "README.md", copy) if not c.needs], port)
    assert {"make grade", "course grade lab1", "course backend up", "course backend down"} <= {c.text for c in runnable}
    env = student_environment() | {"COURSE_COPY": str(copy), ENV_BACKGROUND_PORT: str(port)}
    script = session_script(runnable)
    try:
        done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=900, check=False)
    finally:  # a session that stopped half-way must not leave the background emulator running
        if (copy / ".venv" / "bin" / "course").exists():
            subprocess.run([str(copy / ".venv" / "bin" / "course"), "backend", "down"], env=env, cwd=copy,
                           capture_output=True, timeout=60, check=False)
    assert_every_command_exited_0(done, runnable)

    make_test = subprocess.run(["make", "test"], cwd=copy, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert make_test.returncode == 2
    assert MAKE_TEST_IN_A_COHORT_COPY in make_test.stderr

    # The students' CLI, installed from the copy: their commands only, no instructor's or maintainer's.
    shown = subprocess.run([str(copy / ".venv" / "bin" / "course"), "--help"], cwd=copy, env=env, capture_output=True,
                           text=True, timeout=60, check=True).stdout
    listed = set(re.findall(r"^    ([a-z-]+)\b", shown, re.M))
    assert listed == {"grade", "status", "quiz", "exam", "doctor", "sam-cli", "backend"}, shown


def test_git_makes_one_commit_of_the_whole_template_on_main_by_a_fixed_identity(published: Published) -> None:
    root = published.root
    assert git("rev-list", "--count", "HEAD", cwd=root) == "1"
    assert git("symbolic-ref", "--short", "HEAD", cwd=root) == "main"
    course_meta = load_course(root)
    message = COMMIT_MESSAGE.format(name=course_meta.name, version=course_meta.version, upstream=UPSTREAM, ref=REF)
    assert git("log", "-1", "--format=%an <%ae>|%cn <%ce>|%s", cwd=root) == (
        f"{GIT_NAME} <{GIT_EMAIL}>|{GIT_NAME} <{GIT_EMAIL}>|{message}"
    )
    assert set(git("ls-files", cwd=root).splitlines()) == published.files
    assert git("status", "--porcelain", cwd=root) == ""


# ------------------------------------------------------------------------------------------ refusals


def test_a_non_empty_out_dir_is_refused_without_force_and_written_into_with_it(release: Path, tmp_path: Path) -> None:
    out_dir = tmp_path / "busy"
    out_dir.mkdir()
    (out_dir / "notes.txt").write_text("mine\n")
    code, output = publish(release, out_dir)
    assert (code, output) == (2, OUT_NOT_EMPTY.format(out=out_dir.resolve()) + "\n")
    assert [path.name for path in out_dir.iterdir()] == ["notes.txt"]
    code, output = publish(release, out_dir, force=True)
    assert code == 0, output
    assert (out_dir / "notes.txt").read_text() == "mine\n" and (out_dir / WORKFLOW).is_file()


@pytest.mark.parametrize("upstream", ["", "acme", "acme/", "acme/cda/extra", "https://github.com/acme/cda", "acme/.."])
def test_an_upstream_that_is_not_owner_slash_name_is_refused(upstream: str, release: Path, tmp_path: Path) -> None:
    assert publish(release, tmp_path / "out", upstream=upstream) == (2, BAD_UPSTREAM.format(upstream=upstream) + "\n")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("ref", ["", "v1 0", "../v1", "v1/", "-v1"])
def test_an_empty_or_malformed_ref_is_refused(ref: str, release: Path, tmp_path: Path) -> None:
    assert publish(release, tmp_path / "out", ref=ref) == (2, BAD_REF.format(ref=ref) + "\n")


def test_a_stale_lock_is_refused_naming_the_file(release: Path, tmp_path: Path) -> None:
    stale = copy_of(release, tmp_path / "stale")
    grader = stale / LAB1_GRADER
    grader.write_text(grader.read_text() + "\n# edited after the lock\n")
    code, output = publish(stale, tmp_path / "out")
    assert (code, output) == (2, LOCK_NOT_CURRENT.format(lock=LOCK_FILE, files=LAB1_GRADER) + "\n")
    assert not (tmp_path / "out").exists()


def test_an_out_dir_inside_the_course_or_containing_it_is_refused(release: Path) -> None:
    for out_dir in (release / "build" / "template", release.parent):
        code, output = publish(release, out_dir, force=True)
        assert (code, output) == (2, OUT_OVERLAPS.format(out=out_dir.resolve(), root=release.resolve()) + "\n")
    assert not (release / "build").exists()


def test_git_into_an_existing_repository_is_refused(release: Path, published: Published) -> None:
    code, output = publish(release, published.root, force=True, init_git=True)
    assert (code, output) == (2, OUT_IS_REPOSITORY.format(out=published.root.resolve()) + "\n")


def test_a_link_into_a_left_out_file_outside_markers_is_refused_before_anything_is_written(
    release: Path, tmp_path: Path
) -> None:
    course_copy = copy_of(release, tmp_path / "course")
    week0 = course_copy / "docs" / "week0.md"
    week0.write_text(week0.read_text() + "\nSee [maintaining](maintainers.md).\n")
    code, output = publish(course_copy, tmp_path / "out")
    assert (code, output) == (2, BROKEN_LINKS.format(links="docs/week0.md → maintainers.md") + "\n")
    assert not (tmp_path / "out").exists()


def test_an_unclosed_marker_is_refused_naming_the_file_and_line(release: Path, tmp_path: Path) -> None:
    course_copy = copy_of(release, tmp_path / "course")
    week1 = course_copy / "docs" / "week1.md"
    lines = week1.read_text().splitlines(keepends=True)
    week1.write_text("".join(lines[:2] + [DROP_MARKER + "\n"] + lines[2:]))
    code, output = publish(course_copy, tmp_path / "out")
    problem = MARKER_PROBLEM.format(source="docs/week1.md", line=3, problem=DROP_WITHOUT_END)
    assert (code, output) == (2, problem + "\n")


# ------------------------------------------------------------------------------------- the pieces


def test_marked_passages_go_with_their_markers_and_leave_one_blank_line() -> None:
    text = f"intro\n\n{DROP_MARKER}\nupstream only\n\n{END_MARKER}\n\nafter\n{DROP_MARKER}\nlast\n{END_MARKER}\n"
    assert drop_marked(text, source="page.md") == ("intro\n\nafter\n", ["upstream only\n\n", "last\n"])


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        (f"a\n{DROP_MARKER}\n{DROP_MARKER}\n{END_MARKER}\n", 3, NESTED_DROP.format(opened=2)),
        (f"a\n{END_MARKER}\n", 2, END_WITHOUT_DROP),
        ("a\n<!-- template: dorp -->\n", 2, UNKNOWN_MARKER.format(marker="<!-- template: dorp -->")),
    ],
)
def test_markers_that_do_not_pair_up_say_where(text: str, line: int, problem: str) -> None:
    with pytest.raises(TemplateError) as raised:
        drop_marked(text, source="page.md")
    assert str(raised.value) == MARKER_PROBLEM.format(source="page.md", line=line, problem=problem)


def test_the_cohort_section_goes_right_after_the_first_paragraph() -> None:
    readme = "# Title\n\nFirst line,\nsecond line.\n\n## Next\n"
    assert with_cohort_intro(readme, "## Cohort\n\nText.\n") == (
        "# Title\n\nFirst line,\nsecond line.\n\n## Cohort\n\nText.\n\n## Next\n"
    )


def test_a_tag_that_reads_like_part_of_the_upstream_name_is_pinned_once() -> None:
    example = f"# comment\nname: Grade\njobs:\n  grade:\n    uses: {EXAMPLE_UPSTREAM}/x.yml@{EXAMPLE_REF}\n"
    pinned = cohort_workflow(example, upstream=f"acme/course-{EXAMPLE_REF}", ref="v2")
    assert pinned.endswith(f"    uses: acme/course-{EXAMPLE_REF}/x.yml@v2\n")
    assert "# comment" not in pinned


def test_the_tag_note_warns_when_the_checkout_is_not_the_tagged_release(release: Path, tmp_path: Path) -> None:
    assert tag_note(release, ref=REF) is None
    assert tag_note(release, ref="v0.0.0-never") == TAG_MISSING.format(ref="v0.0.0-never")
    moved = copy_of(release, tmp_path / "moved")
    git("commit", "-q", "--allow-empty", "-m", "after the release", cwd=moved)
    assert tag_note(moved, ref=REF) == TAG_ELSEWHERE.format(ref=REF)
