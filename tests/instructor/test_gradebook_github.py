"""`course gradebook` from GitHub, end to end: real grade reports of a tiny course, served by a local
fake GitHub (tests/fake_github.py), read by the real CLI in a child process."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ci_support import GRADER_ONE, clean_environment, course, make_tiny_course
from fake_github import Answer, FakeGitHub, report_zip, zip_of

from harness.integrity import LOCK_FILE, read_lock_file
from harness.manifest import Course, load_course
from instructor.due_dates import parse_due_dates
from instructor.github_client import BAD_TOKEN, NO_TOKEN, SERVER_ERROR, GitHubClient, Unauthorized
from instructor.gradebook import (
    DIFFERS,
    EMPTY,
    FLAG_LATE,
    FLAG_MISSING,
    FLAG_TAMPERED,
    GRADED,
    MISSING,
    NO_REPORT,
    NO_RUN,
    Row,
    csv_columns,
)
from instructor.gradebook_from_github import (
    BAD_REPORT,
    BAD_ZIP,
    EXPIRED,
    MAX_REPORT_BYTES,
    NO_ARTIFACT,
    NO_COMMITS,
    NO_COMPLETED_RUN,
    NO_FORKS,
    NO_REPORT_FILE,
    NO_WORKFLOW,
    NOT_FETCHED,
    NOT_FOUND,
    NOT_ON_GITHUB,
    ODD_ANSWER,
    ON_TIME_UNKNOWN,
    REPORT_TOO_LARGE,
    fetch_rows,
    list_students,
)
from instructor.roster import Student

pytestmark = pytest.mark.xdist_group("github_gradebook")  # the graded reports are made once per module

TOKEN = "test-token"
TEMPLATE = "teacher/tiny-template"
DUE = ["1=2026-10-12", "2=2026-10-15"]
EARLY, BETWEEN, LATE = "2026-10-05T10:00:00Z", "2026-10-10T09:30:00Z", "2026-10-20T18:45:00Z"
PARTIAL_ANSWER = "ANSWER = 42\n\n\ndef double(n):\n    return n\n"  # exercise two: 1 of 2 points
CHEATING_GRADER = GRADER_ONE.replace("assert answer == 42", "assert True or answer == 42")  # passes whatever the answer


@dataclass
class Graded:
    root: Path
    course: Course
    lock: dict[str, str]
    complete: dict[str, Any]
    partial: dict[str, Any]
    tampered: dict[str, Any]


def grade(root: Path, reports: Path) -> dict[str, Any]:
    done = course("grade", "--course-root", str(root), "--report-dir", str(reports))
    assert (reports / "grade-report.json").is_file(), done.stdout + done.stderr
    return json.loads((reports / "grade-report.json").read_text())


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    """Real reports: the official tiny course answered right, half right, and graded by an edited grader."""
    base = tmp_path_factory.mktemp("github-gradebook")
    root = make_tiny_course(base / "course")
    assert course("lock", "--course-root", str(root)).returncode == 0
    partial, tampered = shutil.copytree(root, base / "partial"), shutil.copytree(root, base / "tampered")
    (partial / "ex/two/answer.py").write_text(PARTIAL_ANSWER)
    (tampered / "ex/one/answer.py").write_text("ANSWER = 0\n")
    (tampered / "ex/one/test_one.py").write_text(CHEATING_GRADER)
    return Graded(
        root, load_course(root), read_lock_file(root / LOCK_FILE),
        grade(root, base / "reports-complete"), grade(partial, base / "reports-partial"), grade(tampered, base / "reports-tampered"),
    )


def points(report: dict[str, Any]) -> dict[str, float]:
    return {exercise["id"]: exercise["points"] for exercise in report["exercises"]}


def test_the_reports_are_what_the_scenarios_need(graded: Graded) -> None:
    assert points(graded.complete) == {"one": 1, "two": 2}
    assert points(graded.partial) == {"one": 1, "two": 1}
    assert points(graded.tampered) == {"one": 1, "two": 2}  # ANSWER = 0, yet the edited grader gave the point
    assert graded.tampered["integrity"]["hashes"]["ex/one/test_one.py"] != graded.lock["ex/one/test_one.py"]


# --- the whole cohort through the CLI: forks of the template ----------------------------------------------


@dataclass
class Cohort:
    github: FakeGitHub
    out: Path
    stdout: str
    runs: dict[str, int]  # student -> the run that should be graded

    def csv(self) -> list[dict[str, str]]:
        with (self.out / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    def record(self, student: str) -> dict[str, str]:
        return next(record for record in self.csv() if record["student"] == student)

    def row(self, student: str) -> Row:
        return Row.from_json(json.loads((self.out / "rows" / f"{student}.json").read_text()))


STUDENTS = ["ada", "bert", "emil", "gone", "lena", "noah", "nora", "pat", "tom", "wendy", "xena"]


def run_url(repository: str, run_id: int) -> str:
    return f"https://github.com/{repository}/actions/runs/{run_id}"


@pytest.fixture(scope="module")
def cohort(graded: Graded, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cohort]:
    with FakeGitHub(token=TOKEN, page_size=4) as github:  # 11 forks: 3 pages
        github.add_repo(TEMPLATE)
        fork = {name: f"{name}/tiny" for name in STUDENTS}
        for name in STUDENTS:
            github.add_fork(TEMPLATE, fork[name], size=0 if name == "emil" else 150,
                            workflows=() if name in ("wendy", "emil") else ("grade.yml",))
        github.hidden.add(fork["gone"])  # deleted, or made private, after the forks were listed
        complete, partial = report_zip(graded.complete), report_zip(graded.partial)
        runs = {
            "ada": github.add_run(fork["ada"], created_at=EARLY, zip_bytes=complete),
            "bert": github.add_run(fork["bert"], created_at=EARLY, zip_bytes=partial),
            "tom": github.add_run(fork["tom"], created_at=EARLY, zip_bytes=report_zip(graded.tampered)),
            "lena-on-time": github.add_run(fork["lena"], created_at=BETWEEN, zip_bytes=partial),
            "lena": github.add_run(fork["lena"], created_at=LATE, zip_bytes=complete),
            "pat": github.add_run(fork["pat"], created_at=EARLY, zip_bytes=complete),
            "pat-pr": github.add_run(fork["pat"], created_at=LATE, zip_bytes=partial, event="pull_request"),
            "nora": github.add_run(fork["nora"], created_at=EARLY, zip_bytes=complete, status="in_progress"),
            "xena": github.add_run(fork["xena"], created_at=EARLY, zip_bytes=complete, expired=True),
            "noah": github.add_run(fork["noah"], created_at=EARLY),
        }
        github.rate_limit_once("/repos/bert/tiny", reset_in=1)
        github.retry_after_once(f"/repos/ada/tiny/actions/runs/{runs['ada']}/artifacts", seconds=1)
        out = tmp_path_factory.mktemp("cohort") / "gradebook"
        env = clean_environment(GITHUB_API_URL=github.api_url, GITHUB_TOKEN=TOKEN)
        done = course(
            "gradebook", "--course-root", str(graded.root), "--forks-of", TEMPLATE, *(f"--due={item}" for item in DUE),
            "--out", str(out), env=env,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        yield Cohort(github, out, done.stdout, runs)


def test_the_csv_has_the_stable_columns_and_one_row_per_fork(cohort: Cohort, graded: Graded) -> None:
    with (cohort.out / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert reader.fieldnames == csv_columns(graded.course)
        assert [record["student"] for record in reader] == STUDENTS
    assert sorted(path.stem for path in (cohort.out / "rows").glob("*.json")) == STUDENTS


def test_forks_are_listed_over_every_page(cohort: Cohort) -> None:
    pages = cohort.github.requests_to(f"/repos/{TEMPLATE}/forks")
    assert [request.query.get("page", "1") for request in pages] == ["1", "2", "3"]


def test_a_complete_student_is_verified_with_full_points_at_the_push_time(cohort: Cohort) -> None:
    record = cohort.record("ada")
    assert {key: record[key] for key in ("status", "points", "max", "percent", "one", "two", "integrity", "flags", "late")} == {
        "status": GRADED, "points": "3", "max": "3", "percent": "100", "one": "1", "two": "2",
        "integrity": "verified", "flags": "", "late": "",
    }
    assert record["repository"] == "ada/tiny"
    assert record["source"] == run_url("ada/tiny", cohort.runs["ada"])
    assert record["commit"] == f"{cohort.runs['ada']:040x}"
    assert record["graded_at"] == EARLY  # the run's created_at, not the commit's own (forgeable) date


def test_a_partial_student_gets_the_points_earned(cohort: Cohort) -> None:
    record = cohort.record("bert")
    assert (record["status"], record["points"], record["max"], record["one"], record["two"]) == (GRADED, "2", "3", "1", "1")
    assert record["integrity"] == "verified"


def test_a_rate_limit_on_the_way_is_waited_out_and_retried(cohort: Cohort) -> None:
    assert [request.status for request in cohort.github.requests_to("/repos/bert/tiny")] == [403, 200]
    artifacts = cohort.github.requests_to(f"/repos/ada/tiny/actions/runs/{cohort.runs['ada']}/artifacts")
    assert [request.status for request in artifacts] == [429, 200]
    assert artifacts[1].at - artifacts[0].at >= 0.95


def test_a_report_made_by_an_edited_grader_is_flagged_tampered_naming_the_file(cohort: Cohort) -> None:
    record = cohort.record("tom")
    assert record["integrity"] == "tampered" and FLAG_TAMPERED in record["flags"].split()
    assert DIFFERS.format(path="ex/one/test_one.py") in record["detail"]
    assert DIFFERS.format(path="ex/one/test_one.py") in cohort.row("tom").problems


def test_points_earned_after_a_due_date_are_late_and_the_on_time_score_is_kept(cohort: Cohort) -> None:
    record = cohort.record("lena")
    assert (record["points"], record["late"], record["flags"]) == ("3", "two", FLAG_LATE)
    assert record["source"] == run_url("lena/tiny", cohort.runs["lena"])
    row = cohort.row("lena")
    assert (row.cells["two"].points, row.cells["two"].on_time, row.cells["two"].late) == (2.0, 1.0, True)
    assert (row.cells["one"].on_time, row.cells["one"].late) == (1.0, False)
    on_time_downloads = [request for request in cohort.github.requests if request.path.startswith("/repos/lena/tiny/actions/artifacts/")]
    assert len(on_time_downloads) == 2  # both weeks' on-time state is one run: fetched once


def test_a_pull_request_run_is_ignored(cohort: Cohort) -> None:
    record = cohort.record("pat")
    assert (record["points"], record["source"]) == ("3", run_url("pat/tiny", cohort.runs["pat"]))
    assert not cohort.github.requests_to(f"/repos/pat/tiny/actions/runs/{cohort.runs['pat-pr']}/artifacts")


@pytest.mark.parametrize(
    ("student", "status", "detail"),
    [
        ("gone", MISSING, NOT_FOUND),
        ("emil", EMPTY, NO_COMMITS),
        ("nora", NO_RUN, NO_COMPLETED_RUN.format(workflow="grade.yml", branch="main")),
        ("wendy", NO_RUN, NO_WORKFLOW.format(workflow="grade.yml")),
    ],
)
def test_students_without_a_run_say_why(cohort: Cohort, student: str, status: str, detail: str) -> None:
    record = cohort.record(student)
    assert (record["status"], record["detail"], record["flags"], record["points"]) == (status, detail, FLAG_MISSING, "")


@pytest.mark.parametrize(("student", "message"), [("xena", EXPIRED), ("noah", NO_ARTIFACT)])
def test_a_run_without_a_usable_artifact_has_no_report_and_links_the_run(cohort: Cohort, student: str, message: str) -> None:
    record = cohort.record(student)
    url = run_url(f"{student}/tiny", cohort.runs[student])
    assert record["status"] == NO_REPORT
    assert record["detail"] == message.format(run=cohort.runs[student], artifact="grade-report", url=url)
    assert record["source"] == url


def test_every_report_used_is_kept_as_an_audit_trail(cohort: Cohort, graded: Graded) -> None:
    reports = cohort.out / "reports"
    assert json.loads((reports / "ada" / f"run-{cohort.runs['ada']}.json").read_text()) == graded.complete
    assert sorted(path.name for path in (reports / "lena").iterdir()) == sorted(
        f"run-{cohort.runs[key]}.json" for key in ("lena", "lena-on-time")
    )
    assert not (reports / "noah").exists()


def test_the_token_goes_to_the_api_and_never_to_the_artifact_storage(cohort: Cohort) -> None:
    storage = [request for request in cohort.github.requests if request.server == "storage"]
    api = [request for request in cohort.github.requests if request.server == "api"]
    assert storage and all("authorization" not in request.headers for request in storage)
    assert all(request.headers.get("authorization") == f"Bearer {TOKEN}" for request in api)


def test_the_terminal_shows_progress_and_a_summary_of_every_student(cohort: Cohort) -> None:
    lines = cohort.stdout.splitlines()
    assert f"ada: 3 / 3 (100%) · run {cohort.runs['ada']}" in lines
    assert f"lena: 3 / 3 (100%) · run {cohort.runs['lena']} · late: two" in lines
    assert f"tom: 3 / 3 (100%) · run {cohort.runs['tom']} · tampered" in lines
    summary = lines[lines.index(next(line for line in lines if line.startswith("11 students:"))) - 11 :]
    assert [line.split()[0] for line in summary[:11]] == STUDENTS
    assert "11 students: 5 graded, 6 without a grade, 1 tampered, 1 late" in lines
    assert (cohort.out / "gradebook.html").is_file()


# --- other ways to name the cohort -----------------------------------------------------------------------


def test_a_roster_file_names_the_students_and_missing_or_private_repositories_are_reported(
    graded: Graded, tmp_path: Path
) -> None:
    roster = tmp_path / "students.txt"
    roster.write_text("# cohort 1\nAda Lovelace, ada/tiny\nghost/tiny\nsecret/tiny\nlocal ./not-on-github\n")
    with FakeGitHub(token=TOKEN) as github:
        github.add_repo("ada/tiny")
        github.add_repo("secret/tiny", hidden=True)
        run = github.add_run("ada/tiny", created_at=EARLY, zip_bytes=report_zip(graded.complete))
        env = clean_environment(GITHUB_API_URL=github.api_url, GITHUB_TOKEN=TOKEN)
        done = course("gradebook", "--course-root", str(graded.root), "--students", str(roster), "--out", str(tmp_path / "out"), env=env)
    assert done.returncode == 0, done.stdout + done.stderr

    with (tmp_path / "out" / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
        records = {record["student"]: record for record in csv.DictReader(handle)}
    assert list(records) == ["Ada Lovelace", "ghost", "local", "secret"]
    assert (records["Ada Lovelace"]["points"], records["Ada Lovelace"]["source"]) == ("3", run_url("ada/tiny", run))
    assert records["ghost"]["status"] == records["secret"]["status"] == MISSING
    assert records["ghost"]["detail"] == records["secret"]["detail"] == NOT_FOUND
    assert records["local"]["detail"] == NOT_ON_GITHUB.format(repository="./not-on-github")


def test_an_organization_and_a_prefix_name_the_students_as_github_classroom_does(graded: Graded, tmp_path: Path) -> None:
    with FakeGitHub(token=TOKEN, page_size=2) as github:
        for name in ("lab1-ada", "lab1-bert", "lab1-template", "website"):
            github.add_org_repo("cohort", name, is_template=name == "lab1-template")
        github.add_run("cohort/lab1-ada", created_at=EARLY, zip_bytes=report_zip(graded.complete))
        github.add_run("cohort/lab1-bert", created_at=EARLY, zip_bytes=report_zip(graded.partial))
        env = clean_environment(GITHUB_API_URL=github.api_url, GITHUB_TOKEN=TOKEN)
        done = course(
            "gradebook", "--course-root", str(graded.root), "--org", "cohort", "--prefix", "lab1-", "--out", str(tmp_path / "out"),
            env=env,
        )
    assert done.returncode == 0, done.stdout + done.stderr

    with (tmp_path / "out" / "gradebook.csv").open(newline="", encoding="utf-8") as handle:
        records = [(record["student"], record["repository"], record["points"]) for record in csv.DictReader(handle)]
    assert records == [("ada", "cohort/lab1-ada", "3"), ("bert", "cohort/lab1-bert", "2")]
    assert all(request.query["type"] == "all" for request in github.requests_to("/orgs/cohort/repos"))


def test_a_template_without_forks_is_a_usage_error_that_says_what_to_use(graded: Graded, tmp_path: Path) -> None:
    with FakeGitHub(token=TOKEN) as github:
        github.add_repo(TEMPLATE)
        env = clean_environment(GITHUB_API_URL=github.api_url, GITHUB_TOKEN=TOKEN)
        done = course("gradebook", "--course-root", str(graded.root), "--forks-of", TEMPLATE, "--out", str(tmp_path / "out"), env=env)
    assert done.returncode == 2
    assert done.stderr.strip() == "course gradebook: " + NO_FORKS.format(repository=TEMPLATE)


# --- fetch_rows in this process: failures that must not stop the gradebook ------------------------------


class NoSleep(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def fetch(github: FakeGitHub, graded: Graded, names: list[str], tmp_path: Path, *, token: str | None = TOKEN,
          max_wait: float = 30, due: list[str] | None = None) -> tuple[list[Row], str]:
    client = GitHubClient(base_url=github.api_url, token=token, max_wait=max_wait, sleep=NoSleep())
    out = io.StringIO()
    rows = fetch_rows(
        client=client, students=[Student(name, f"{name}/tiny") for name in names], course=graded.course, lock=graded.lock,
        due=parse_due_dates(due or []), workflow="grade.yml", reports_dir=tmp_path / "reports", out=out,
    )
    return rows, out.getvalue()


def test_a_rate_limit_longer_than_max_wait_stops_fetching_and_the_rest_say_not_fetched(graded: Graded, tmp_path: Path) -> None:
    with FakeGitHub(token=TOKEN) as github:
        for name in ("ada", "bert", "cara"):
            github.add_repo(f"{name}/tiny")
            github.add_run(f"{name}/tiny", created_at=EARLY, zip_bytes=report_zip(graded.complete))
        github.rate_limit_once("/repos/bert/tiny", reset_in=3600)
        rows, printed = fetch(github, graded, ["ada", "bert", "cara"], tmp_path, max_wait=5)
        asked_cara = github.requests_to("/repos/cara/tiny")

    assert [(row.student, row.status) for row in rows] == [("ada", GRADED), ("bert", NO_REPORT), ("cara", NO_REPORT)]
    assert rows[1].detail == rows[2].detail and rows[2].detail.startswith(NOT_FETCHED.format(message="GitHub's rate limit stops"))
    assert "--max-wait" in rows[2].detail and not asked_cara
    assert len(printed.splitlines()) == 3


def test_one_students_github_error_leaves_the_others_graded(graded: Graded, tmp_path: Path) -> None:
    with FakeGitHub(token=TOKEN) as github:
        for name in ("ada", "bert"):
            github.add_repo(f"{name}/tiny")
            github.add_run(f"{name}/tiny", created_at=EARLY, zip_bytes=report_zip(graded.complete))
        runs_path = "/repos/ada/tiny/actions/workflows/grade.yml/runs"
        github.queue(runs_path, *[Answer(500, {"message": "Server Error"})] * 4)
        rows, _ = fetch(github, graded, ["ada", "bert"], tmp_path)

    assert (rows[0].status, rows[0].detail) == (NO_REPORT, SERVER_ERROR.format(status=500, url=github.api_url + runs_path, tries=4))
    assert (rows[1].status, rows[1].points) == (GRADED, 3.0)


def test_without_a_token_fetching_stops_at_the_first_download_saying_one_is_needed(graded: Graded, tmp_path: Path) -> None:
    with FakeGitHub() as github:
        for name in ("ada", "bert"):
            github.add_repo(f"{name}/tiny")
            github.add_run(f"{name}/tiny", created_at=EARLY, zip_bytes=report_zip(graded.complete))
        artifact = github.artifacts[github.runs[("ada/tiny", "grade.yml")][0]["id"]][0]["archive_download_url"]
        with pytest.raises(Unauthorized) as raised:
            fetch(github, graded, ["ada", "bert"], tmp_path, token=None)
        asked_bert = github.requests_to("/repos/bert/tiny")

    assert str(raised.value) == NO_TOKEN.format(url=artifact, env="GITHUB_TOKEN")
    assert not asked_bert


def test_a_wrong_token_is_one_usage_error_not_a_row_per_student(graded: Graded, tmp_path: Path) -> None:
    roster = tmp_path / "students.txt"
    roster.write_text("ada/tiny\nbert/tiny\n")
    with FakeGitHub(token=TOKEN) as github:
        env = clean_environment(GITHUB_API_URL=github.api_url, GITHUB_TOKEN="expired")
        done = course("gradebook", "--course-root", str(graded.root), "--students", str(roster), "--out", str(tmp_path / "out"), env=env)
        asked = [request.path for request in github.requests]

    assert done.returncode == 2 and asked == ["/repos/ada/tiny"]
    assert done.stderr.strip() == "course gradebook: " + BAD_TOKEN.format(url=f"{github.api_url}/repos/ada/tiny", env="GITHUB_TOKEN")
    assert not (tmp_path / "out" / "gradebook.csv").exists()


def huge_member_zip() -> bytes:
    """A few kB that inflate past the report size limit: it must be refused, not read."""
    return zip_of({"grade-report.json": b" " * (MAX_REPORT_BYTES + 10)})


@pytest.mark.parametrize(
    ("artifact", "expected"),
    [
        (b"not a zip at all", BAD_ZIP.format(run="{run}", artifact="grade-report", error="File is not a zip file")),
        (zip_of({"grade-summary.md": b"# nothing else"}), NO_REPORT_FILE),
        (zip_of({"grade-report.json": b"{not json"}), BAD_REPORT.format(run="{run}", report="grade-report.json", error="Expecting")),
        (zip_of({"grade-report.json": b'{"exercises": [{"id": "one", "max": 1}]}'}),
         BAD_REPORT.format(run="{run}", report="grade-report.json", error="exercise 'one' has no points (a number of at least 0)")),
        (zip_of({"grade-report.json": b'{"exercises": [{"id": "one", "points": 9, "max": 1}]}'}),
         BAD_REPORT.format(run="{run}", report="grade-report.json", error="exercise 'one' has more points (9) than its max (1)")),
        (zip_of({"grade-report.json": b"[1, 2]"}), BAD_REPORT.format(run="{run}", report="grade-report.json", error="it is not a JSON object")),
        (huge_member_zip(), REPORT_TOO_LARGE.format(run="{run}", report="grade-report.json", limit=MAX_REPORT_BYTES / 1e6)),
    ],
    ids=["not-a-zip", "no-report-file", "not-json", "no-points", "points-over-max", "not-an-object", "zip-bomb"],
)
def test_an_unreadable_artifact_is_no_report_with_the_reason(graded: Graded, tmp_path: Path, artifact: bytes, expected: str) -> None:
    with FakeGitHub(token=TOKEN) as github:
        github.add_repo("ada/tiny")
        run = github.add_run("ada/tiny", created_at=EARLY, zip_bytes=artifact)
        rows, _ = fetch(github, graded, ["ada"], tmp_path)

    message = expected.format(run=run, artifact="grade-report", report="grade-report.json", url=run_url("ada/tiny", run))
    assert rows[0].status == NO_REPORT
    assert rows[0].detail.startswith(message), rows[0].detail
    assert not (tmp_path / "reports" / "ada").exists()


def test_odd_json_from_github_fills_that_students_row_with_what_was_missing(graded: Graded, tmp_path: Path) -> None:
    with FakeGitHub(token=TOKEN) as github:
        github.add_repo("ada/tiny")
        github.add_repo("bert/tiny")
        github.queue("/repos/ada/tiny", Answer(200, {"full_name": "ada/tiny"}))
        github.runs[("bert/tiny", "grade.yml")].append({"id": 5, "event": "push", "status": "completed", "head_branch": "main",
                                                        "created_at": "yesterday"})
        rows, _ = fetch(github, graded, ["ada", "bert"], tmp_path)

    assert [row.status for row in rows] == [NO_REPORT, NO_REPORT]
    assert rows[0].detail == ODD_ANSWER.format(what="repository ada/tiny", key="default_branch", expected="a branch name")
    assert rows[1].detail == ODD_ANSWER.format(what="a run of grade.yml in bert/tiny", key="created_at", expected="an ISO 8601 time")


def test_an_unreadable_on_time_report_leaves_that_week_unjudged_rather_than_all_late(graded: Graded, tmp_path: Path) -> None:
    with FakeGitHub(token=TOKEN) as github:
        github.add_repo("lena/tiny")
        github.add_run("lena/tiny", created_at=BETWEEN, zip_bytes=report_zip(graded.partial), expired=True)
        github.add_run("lena/tiny", created_at=LATE, zip_bytes=report_zip(graded.complete))
        rows, _ = fetch(github, graded, ["lena"], tmp_path, due=["2=2026-10-15"])

    (row,) = rows
    assert (row.status, row.points, row.late, row.flags) == (GRADED, 3.0, [], [])
    assert row.detail.startswith(ON_TIME_UNKNOWN.format(week=2, reason="the grade-report artifact of run"))


def test_nothing_graded_before_a_due_date_makes_every_point_of_that_week_late(graded: Graded, tmp_path: Path) -> None:
    with FakeGitHub(token=TOKEN) as github:
        github.add_repo("lena/tiny")
        github.add_run("lena/tiny", created_at=LATE, zip_bytes=report_zip(graded.complete))
        rows, printed = fetch(github, graded, ["lena"], tmp_path, due=DUE)

    (row,) = rows
    assert row.late == ["one", "two"] and row.cells["two"].on_time == 0.0
    assert printed.strip().endswith("late: one, two")


def test_list_students_from_an_org_strips_the_prefix_and_skips_template_repositories(tmp_path: Path) -> None:
    with FakeGitHub(token=TOKEN, page_size=1) as github:
        for name in ("hw1-zoe", "hw1-Al", "hw1-template", "hw1", "notes"):
            github.add_org_repo("school", name, is_template=name == "hw1-template")
        client = GitHubClient(base_url=github.api_url, token=TOKEN, max_wait=1)
        students = list_students(client, forks_of=None, org="school", prefix="hw1")

    assert students == [Student("Al", "school/hw1-Al"), Student("hw1", "school/hw1"), Student("zoe", "school/hw1-zoe")]
