"""Run the hostile corpus: a two-exercise copy of the course, a case laid over it, graded by the real CLI.

Every case is a folder of files, named as they sit in the course, that `lay_over` writes over a copy whose
student code is the reference solutions. A trailing ``.hostile`` is dropped from a file's name as it is
laid over, so a case's conftest.py lies in this repository as ``conftest.py.hostile`` and never joins the
repository's own test run. The copy's course.toml lists only kata1 (the target of almost every case) and
kata2 (the other exercise graded in the same run), and its graders.lock is regenerated, so the copy is
an untouched course for the integrity check: whatever a report flags, the case did.
"""

from __future__ import annotations

import importlib.util
import json
import os
import py_compile
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
from support import REPO, GradeRun, copy_of_repository

from harness.integrity import write_lock
from harness.manifest import load_course
from harness.settings import tomllib
from harness.student.reaper import descendants
from instructor.gradebook import Row

HOSTILE = Path(__file__).resolve().parent
EDITS_SUFFIX = ".edits.toml"
SCHEMA = json.loads((REPO / "harness" / "report.schema.json").read_text(encoding="utf-8"))
HOSTILE_SUFFIX = ".hostile"

TARGET = "kata1"
OTHER = "kata2"
FOLDERS = {TARGET: "katas/kata1_clean_code", OTHER: "katas/kata2_dynamodb"}
TARGET_FILE = f"{FOLDERS[TARGET]}/order_pricing.py"
TARGET_GRADER = f"{FOLDERS[TARGET]}/test_kata1.py"

# kata1's checks (katas/kata1_clean_code/test_kata1.py): one import check, six that price the frozen
# cases (each needs the import check), five that judge the code's structure (each needs TYPICAL).
IMPORTS = "test_order_pricing_imports_and_keeps_price_order"
TYPICAL = "test_typical_orders_are_priced_as_before"
TIERS_COUPONS = "test_loyalty_tiers_and_coupons_keep_their_rules"  # the only group with the tier "bronze"
TAX_SHIPPING = "test_tax_and_shipping_are_unchanged"  # the only group with regions like " ca "
BEHAVIOUR = (
    TYPICAL, "test_edge_cases_keep_their_results", "test_volume_discounts_keep_their_bands", TIERS_COUPONS,
    TAX_SHIPPING, "test_half_cents_still_round_half_up",
)
STRUCTURE = (
    "test_no_function_is_too_long", "test_every_function_is_simple_enough", "test_no_magic_numbers_in_function_bodies",
    "test_names_say_what_they_hold", "test_public_functions_have_docstrings",
)
KATA1_CHECKS = (IMPORTS, *BEHAVIOUR, *STRUCTURE)
KATA1_POINTS = float(load_course(REPO).get(TARGET).points)
KATA2_POINTS = float(load_course(REPO).get(OTHER).points)
HONEST_KATA1 = 29.0  # kata1 with the forgers' one honest mistake (" ca " is not "CA"): tax and shipping (2 points) lost
HONEST_LOSS = {TAX_SHIPPING: ("failed", "Expected the legacy results for all")}

CHECK_TIMEOUT = 5  # seconds per check, for the cases whose student code never returns
RUN_TIMEOUT = 300  # seconds: the bound on one grading (or regrade) child process
FORGER_WAIT = 6  # seconds to wait after a run for a forger that sleeps 4 s before writing

GIT = [
    "git", "-c", "user.name=Student", "-c", "user.email=student@example.invalid", "-c", "init.defaultBranch=main",
    "-c", "commit.gpgsign=false",
]


def clean_environment() -> dict[str, str]:
    """The child's environment: nothing of whoever runs these tests (pytest, course settings, CI) leaks in."""
    return {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "COURSE_", "GITHUB_"))
        and key not in ("AWS_ENDPOINT_URL", "LOCALSTACK_AUTH_TOKEN")
    }


# ------------------------------------------------------------------------------------------ trees


def trim_manifest(text: str, keep: tuple[str, ...]) -> str:
    """course.toml with only the [[exercise]] entries whose id is in ``keep``."""
    head, *entries = text.split("[[exercise]]")
    kept = [entry for entry in entries if any(f'id = "{exercise_id}"' in entry for exercise_id in keep)]
    assert len(kept) == len(keep), f"course.toml has no entry for some of {keep}"
    return head + "".join("[[exercise]]" + entry for entry in kept)


def official_course(root: Path) -> Path:
    """The course as handed out (starter code), restricted to kata1 and kata2, with its own graders.lock."""
    root.mkdir(parents=True, exist_ok=True)
    copy_of_repository(root)
    manifest = root / "course.toml"
    manifest.write_text(trim_manifest(manifest.read_text(encoding="utf-8"), (TARGET, OTHER)), encoding="utf-8")
    write_lock(root, load_course(root))
    return root


def with_solutions(root: Path) -> Path:
    """The reference solutions copied over both exercise folders: a student who got everything right."""
    for folder in FOLDERS.values():
        for source in (REPO / "solutions" / folder).iterdir():
            if source.is_file() and source.suffix != ".zip":
                shutil.copy2(source, root / folder / source.name)
    return root


def lay_over(case: str, root: Path) -> None:
    """Write the case's files over the tree at root; ``NAME.edits.toml`` edits the file NAME already there
    (the reference solution's), each ``[[edit]]`` replacing its one occurrence of ``old`` by ``new``."""
    folder = HOSTILE / case
    assert folder.is_dir(), f"no case folder {folder}"
    for source in sorted(path for path in folder.rglob("*") if path.is_file() and "__pycache__" not in path.parts):
        relative = source.relative_to(folder).as_posix().removesuffix(HOSTILE_SUFFIX)
        if relative.endswith(EDITS_SUFFIX):
            apply_edits(source, root / relative.removesuffix(EDITS_SUFFIX))
            continue
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, root / relative)


def apply_edits(edits: Path, target: Path) -> None:
    text = target.read_text(encoding="utf-8")
    for number, edit in enumerate(tomllib.loads(edits.read_text(encoding="utf-8"))["edit"], start=1):
        assert text.count(edit["old"]) == 1, f"{edits}: edit {number} no longer matches {target.name} exactly once"
        text = text.replace(edit["old"], edit["new"])
    target.write_text(text, encoding="utf-8")


def student_tree(tmp_path: Path, case: str) -> Path:
    """A student's copy of the two-exercise course: reference solutions, then the case's files."""
    root = with_solutions(official_course(tmp_path / "course"))
    lay_over(case, root)
    return root


# -------------------------------------------------------------------------------------- grading


@dataclass
class HostileRun(GradeRun):
    report_text: str | None = None  # the report as written, to compare with what is there later

    @property
    def tail(self) -> str:
        return self.output[-4000:]


def network_namespace_problem() -> str | None:
    """Why the network cases cannot run in a namespace without network here (None: they can)."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "unshare or ip is not installed"
    try:
        done = subprocess.run(["unshare", "-rn", "true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"`unshare -rn true` failed: {error}"
    if done.returncode != 0:
        return f"`unshare -rn true` failed: {done.stderr.strip() or done.returncode}"
    return None


def grade(
    root: Path, *exercise_ids: str, report_dir: Path, check_timeout: float | None = None, offline: bool = False
) -> HostileRun:
    """`python -m harness.cli grade IDS` from the course root, as a student runs it; returns the report.

    offline: inside `unshare -rn` (a network namespace with loopback only), so that nothing can leave this
    machine even if the harness's guard fails.
    """
    command = [
        sys.executable, "-m", "harness.cli", "grade", *exercise_ids, "--course-root", str(root),
        "--report-dir", str(report_dir),
    ]
    if check_timeout is not None:
        command += ["--", "--check-timeout", str(check_timeout)]
    if offline:
        command = ["unshare", "-rn", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', *command]
    code, output = run_bounded(command, cwd=root)
    report_file = report_dir / "grade-report.json"
    text = report_file.read_text(encoding="utf-8") if report_file.is_file() else None
    report = json.loads(text) if text is not None else None
    return HostileRun(code, output, report, report_text=text)


def run_bounded(command: list[str], *, cwd: Path, timeout: float = RUN_TIMEOUT) -> tuple[int, str]:
    """Run a child in a session of its own; past the timeout, kill it and everything below it, and fail."""
    process = subprocess.Popen(
        command, cwd=cwd, env=clean_environment(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        for pid in sorted(descendants(process.pid) | {process.pid}):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        output, _ = process.communicate()
        raise AssertionError(
            f"{' '.join(command[:6])} ... was still running after {timeout} s (killed):\n"
            f"{output.decode('utf-8', 'replace')[-4000:]}"
        ) from None
    return process.returncode, output.decode("utf-8", "replace")


def processes_mentioning(text: str) -> list[str]:
    """Command lines of running processes that contain ``text`` (this process excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                command_line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            except OSError:
                continue
            if text in command_line:
                found.append(f"{entry.name}: {command_line[:300]}")
    return found


# ------------------------------------------------------------------------------------ judging


def assert_report_written(run: HostileRun) -> dict[str, Any]:
    """The run wrote a report that is valid against harness/report.schema.json."""
    assert run.report is not None, f"no report was written (exit status {run.returncode}); output:\n{run.tail}"
    jsonschema.validate(run.report, SCHEMA)
    return run.report


def assert_full_points(run: HostileRun, exercise_id: str, points: float) -> None:
    exercise = run.exercise(exercise_id)
    failing = [(check["id"], check["outcome"], check["message"][:300]) for check in not_passed(exercise)]
    assert failing == [] and not exercise["errors"], (exercise_id, failing, exercise["errors"])
    assert (exercise["points"], exercise["max"], exercise["status"]) == (points, points, "complete"), exercise


def not_passed(exercise: dict[str, Any]) -> list[dict[str, Any]]:
    return [check for check in exercise["checks"] if check["outcome"] != "passed"]


def assert_lost(run: HostileRun, lost: dict[str, tuple[str, str]]) -> None:
    """kata1 lost exactly the checks in ``lost``, all of their points: {check: (outcome, text in its message)}."""
    exercise = run.exercise(TARGET)
    assert sorted(check["id"] for check in exercise["checks"]) == sorted(KATA1_CHECKS)
    assert {check["id"]: check["outcome"] for check in not_passed(exercise)} == {
        check_id: outcome for check_id, (outcome, _) in lost.items()
    }, {check["id"]: (check["outcome"], check["message"][:400]) for check in not_passed(exercise)}
    for check_id, (_, text) in lost.items():
        check = run.check(TARGET, check_id)
        assert text in check["message"] and check["points"] == 0, (check_id, text, check["message"][:1500])
    kept = round(sum(check["max"] for check in exercise["checks"] if check["id"] not in lost), 2)
    assert (exercise["points"], exercise["max"]) == (kept, KATA1_POINTS), (exercise["points"], exercise["max"])


def assert_graded(run: HostileRun, *, lost: dict[str, tuple[str, str]], modified: tuple[str, ...] = ()) -> None:
    """A case's standard outcome: the run finished and wrote a valid report without a harness error; kata2 kept
    every point; kata1 lost exactly ``lost``, each check with a message (and, when failed, a hint); the integrity
    record names exactly ``modified`` (checked last: the verdict on the course's files, not on the grading)."""
    report = assert_report_written(run)
    assert report["harness_errors"] == [], report["harness_errors"]
    assert run.returncode == 0, f"exit status {run.returncode}; output:\n{run.tail}"
    assert [exercise["id"] for exercise in report["exercises"]] == [TARGET, OTHER], report["totals"]
    assert_full_points(run, OTHER, KATA2_POINTS)
    assert_lost(run, lost)
    run.assert_sane(TARGET)
    assert_integrity(report, modified)


def assert_integrity(report: dict[str, Any], modified: tuple[str, ...]) -> None:
    integrity = report["integrity"]
    verdict = "modified" if modified else "ok"
    assert (integrity["verdict"], integrity["modified"]) == (verdict, sorted(modified)), integrity["modified"]


def blocked_after_imports(text: str) -> dict[str, tuple[str, str]]:
    """The import check failed with ``text``; every other kata1 check is blocked behind it."""
    return {IMPORTS: ("failed", text), **{check: ("blocked", "first") for check in KATA1_CHECKS[1:]}}


# ------------------------------------------------------------------------------------- regrade


def commit_all(folder: Path, *, forced: tuple[str, ...] = ()) -> None:
    """Commit everything; ``forced``: paths .gitignore would leave out (a committed __pycache__)."""
    when = "2026-01-05T10:00:00Z"
    env = {**clean_environment(), "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    subprocess.run([*GIT, "-C", str(folder), "add", "-A"], check=True, env=env)
    if forced:
        subprocess.run([*GIT, "-C", str(folder), "add", "-f", "--", *forced], check=True, env=env)
    subprocess.run([*GIT, "-C", str(folder), "commit", "-q", "-m", "my work"], check=True, env=env)


def student_repository(official: Path, folder: Path, case: str) -> Path:
    """A student's repository: the release as handed out, the reference solutions, the case's files; not yet
    committed (a case may still change it)."""
    shutil.copytree(official, folder, symlinks=True)
    subprocess.run([*GIT, "init", "-q", str(folder)], check=True, env=clean_environment())
    with_solutions(folder)
    lay_over(case, folder)
    return folder


def regrade(official: Path, repositories: dict[str, Path], out: Path) -> tuple[dict[str, Row], HostileRun]:
    """`course regrade` of these repositories (name -> folder) against the official course, two at a time."""
    command = [
        sys.executable, "-m", "harness.cli", "regrade", "--course-root", str(official), "--jobs", "2",
        "--timeout", str(RUN_TIMEOUT - 60), "--out", str(out),
        *(argument for name, folder in repositories.items() for argument in ("--student", f"{name}, {folder}")),
    ]
    code, output = run_bounded(command, cwd=out.parent, timeout=RUN_TIMEOUT * 2)
    rows = {
        row.student: row
        for row in (Row.from_json(json.loads(path.read_text())) for path in sorted((out / "rows").glob("*.json")))
    }
    return rows, HostileRun(code, output, None)


def forge_bytecode(root: Path) -> str:
    """harness/__pycache__/results.<tag>.pyc compiled, unchecked, from a results.py that gives full marks.

    The source file stays as it is (its hash matches the lock); Python trusts an UNCHECKED_HASH .pyc without
    reading the source. Returns the .pyc's path in the course."""
    source = root / "harness" / "results.py"
    forged = root.parent / "forged_results.py"
    forged.write_text(
        source.read_text(encoding="utf-8") + "\n\nExerciseScore.points = property(lambda score: score.max)\n",
        encoding="utf-8",
    )
    cached = Path(importlib.util.cache_from_source(str(source)))
    py_compile.compile(
        str(forged), cfile=str(cached), dfile=str(source), doraise=True,
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    return cached.relative_to(root).as_posix()


def grade_case(tmp_path: Path, case: str, *, check_timeout: float | None = None, offline: bool = False) -> HostileRun:
    """The case laid over a student's copy, graded on kata1 and kata2 in one run."""
    root = student_tree(tmp_path, case)
    return grade(root, TARGET, OTHER, report_dir=tmp_path / "reports", check_timeout=check_timeout, offline=offline)
