"""The `course` command: thin glue from the command line to keyword-only functions in graders/.

Each subcommand imports its module only when it runs, so `course --help` starts without pytest, boto3 or moto.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from . import __version__
from .background import DEFAULT_IDLE_MINUTES
from .settings import (
    BACKENDS,
    BACKGROUND_PORT,
    CI_SYSTEMS,
    DEFAULT_GRADEBOOK_DIR,
    DEFAULT_GRADING_WORKFLOW,
    DEFAULT_MAX_WAIT,
    DEFAULT_REGRADE_TIMEOUT,
    DEFAULT_REPORT_DIR,
    ENV_CI,
    ENV_FAIL_UNDER,
    ENV_STRICT_INTEGRITY,
    MANIFEST_FILE,
    REPO_ROOT,
)

EXIT_USAGE = 2
EXTRA_ONLY_FOR_GRADE = "arguments after `--` are passed to pytest and only `course grade` takes them"

DESCRIPTION = "Grade the course's exercises on a local AWS emulator, and check your setup. Nothing reaches real AWS."
GRADE_EPILOG = (
    "Exit status: 0 when grading ran and wrote its report, whatever the score; 1 when --fail-under is not met; "
    "2 on a usage error or when the harness itself failed; 3 with --strict-integrity when grading files differ "
    "from graders.lock. Arguments after `--` go to pytest, e.g. `course grade lab1 -- -x`. "
    f"Environment: {ENV_CI}, {ENV_FAIL_UNDER} and {ENV_STRICT_INTEGRITY} stand in for --ci, --fail-under and "
    "--strict-integrity."
)


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"{value:g} is not a percentage between 0 and 100")
    return value


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1-65535)")
    return int(text)


def _positive(unit: str) -> Callable[[str], float]:
    """An argparse type for a positive number of ``unit`` (minutes, seconds)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number of {unit}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{text!r}: the number of {unit} must be positive")
        return value

    return parse


_minutes, _seconds = _positive("minutes"), _positive("seconds")


def build_parser() -> argparse.ArgumentParser:
    # --course-root is hidden: the harness's own tests grade a small course made in a temporary folder.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--course-root", type=Path, default=None, help=argparse.SUPPRESS)

    parser = argparse.ArgumentParser(prog="course", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    grade = commands.add_parser(
        "grade", parents=[common], help="grade exercises (all when none is named)", epilog=GRADE_EPILOG
    )
    grade.add_argument("exercises", nargs="*", metavar="EXERCISE", help=f"exercise ids from {MANIFEST_FILE}, e.g. lab1")
    grade.add_argument("--backend", choices=BACKENDS, help="AWS emulator: moto (embedded, the default) or localstack")
    grade.add_argument("--solutions", action="store_true", help="grade the reference solutions instead of your code")
    grade.add_argument("--code-root", metavar="DIR", help="grade the exercise folders found under DIR")
    grade.add_argument("--report-dir", metavar="DIR", help=f"where reports go (default: {DEFAULT_REPORT_DIR}/)")
    grade.add_argument("--fail-under", type=_percent, metavar="PERCENT", help="exit 1 when the total is below PERCENT")
    grade.add_argument(
        "--ci", choices=CI_SYSTEMS,
        help="also write what the CI shows: the job summary, annotations, step outputs and JUnit XML",
    )
    grade.add_argument(
        "--strict-integrity", action="store_true", default=None,
        help="exit 3 when grading files differ from graders.lock (they are always reported)",
    )
    grade.add_argument("--gradescope", metavar="FILE", help="also write Gradescope's results.json to FILE")

    lock = commands.add_parser(
        "lock", parents=[common], help="maintainers: record the grading files' SHA-256 in graders.lock"
    )
    lock.add_argument("--check", action="store_true", help="only say whether graders.lock matches the tree (exit 1 if not)")

    status = commands.add_parser("status", parents=[common], help="your progress, from the last grade report")
    status.add_argument("--report-dir", metavar="DIR", help=f"where reports are (default: {DEFAULT_REPORT_DIR}/)")

    commands.add_parser(
        "doctor", parents=[common], help="check Python, packages, the emulators, Docker and credentials"
    )

    backend = commands.add_parser(
        "backend", parents=[common], help="run the embedded emulator in the background, for the docs' commands by hand"
    )
    backend.add_argument("action", choices=("up", "down", "status"))
    backend.add_argument(
        "--port", type=_port, default=BACKGROUND_PORT, help=f"port on 127.0.0.1 (default {BACKGROUND_PORT})"
    )
    backend.add_argument(
        "--idle-minutes",
        type=_minutes,
        default=DEFAULT_IDLE_MINUTES,
        help=f"`up`: stop by itself after this many minutes without AWS calls (default {DEFAULT_IDLE_MINUTES:g})",
    )
    _add_instructor_commands(commands, common)
    return parser


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of parallel gradings")
    return int(text)


DUE_HELP = "WEEK=DATE: the due date of a course week (repeat per week), e.g. 1=2026-10-11 or 1=2026-10-11T23:59+02:00"


def _add_instructor_commands(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    template = commands.add_parser(
        "publish-template", parents=[common], help="instructors: build the repository a cohort forks (no solutions)"
    )
    template.add_argument("out_dir", type=Path, metavar="OUT_DIR", help="an empty or new folder")
    template.add_argument("--upstream", required=True, metavar="OWNER/NAME", help="this course on GitHub")
    template.add_argument("--ref", required=True, metavar="TAG", help="the release tag whose graders grade the cohort")
    template.add_argument("--force", action="store_true", help="write into OUT_DIR even if it is not empty")
    template.add_argument("--git", action="store_true", help="make OUT_DIR a git repository with one commit")

    book = commands.add_parser(
        "gradebook", parents=[common], help="instructors: the cohort's grades from their grading runs on GitHub"
    )
    source = book.add_mutually_exclusive_group()
    source.add_argument("--students", type=Path, metavar="FILE", help="a roster: one `[NAME,] OWNER/NAME` per line")
    source.add_argument("--forks-of", metavar="OWNER/NAME", help="every fork of the cohort's template repository")
    source.add_argument("--org", metavar="ORG", help="every repository of ORG (with --prefix: whose name starts so)")
    book.add_argument(
        "--rows", type=Path, nargs="+", metavar="DIR",
        help="merge the rows/ folders that `course regrade` wrote instead of asking GitHub "
        "(with --students: roster students without a row are listed as failed)",
    )
    book.add_argument("--prefix", default="", help="with --org: the repositories' name prefix (GitHub Classroom)")
    book.add_argument("--lock", type=Path, metavar="FILE", help="the official graders.lock (default: this checkout's)")
    book.add_argument("--due", action="append", default=[], metavar="WEEK=DATE", help=DUE_HELP)
    book.add_argument("--workflow", default=DEFAULT_GRADING_WORKFLOW, help="the grading workflow's file name")
    book.add_argument("--out", type=Path, default=Path(DEFAULT_GRADEBOOK_DIR), metavar="DIR", help="where to write")
    book.add_argument("--title", help="the HTML page's title")
    book.add_argument(
        "--max-wait", type=_seconds, default=DEFAULT_MAX_WAIT, metavar="SECONDS",
        help=f"longest wait for GitHub's rate limit to reset before giving up (default {DEFAULT_MAX_WAIT:g})",
    )

    regrade = commands.add_parser(
        "regrade", parents=[common], help="instructors: grade every student's repository again with these graders"
    )
    regrade.add_argument("repositories", nargs="*", metavar="REPOSITORY", help="OWNER/NAME, a git URL or a local path")
    regrade.add_argument("--student", action="append", default=[], metavar="LINE", help="one roster line (repeatable)")
    regrade.add_argument("--students", type=Path, metavar="FILE", help="a roster: one `[NAME,] REPOSITORY` per line")
    regrade.add_argument("--before", metavar="DATE", help="grade the last commit made before DATE (ISO 8601)")
    regrade.add_argument("--due", action="append", default=[], metavar="WEEK=DATE", help=DUE_HELP)
    regrade.add_argument("--jobs", type=_jobs, metavar="N", help="students graded at once (default: the CPU count)")
    regrade.add_argument(
        "--timeout", type=_seconds, default=DEFAULT_REGRADE_TIMEOUT, metavar="SECONDS",
        help=f"longest grading of one student (default {DEFAULT_REGRADE_TIMEOUT:g})",
    )
    regrade.add_argument("--out", type=Path, default=Path(DEFAULT_GRADEBOOK_DIR), metavar="DIR", help="where to write")
    regrade.add_argument("--title", help="the HTML page's title")


def _absolute(path: str | None) -> str | None:
    return str(Path(path).resolve()) if path else None  # relative to where the student typed it


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if extra and args.command != "grade":
        parser.error(EXTRA_ONLY_FOR_GRADE)
    course_root = args.course_root.resolve() if args.course_root else REPO_ROOT
    out = sys.stdout

    if args.command == "doctor":
        from .doctor import doctor

        return doctor(course_root=course_root, out=out)
    if args.command == "backend":
        from . import background_control

        if args.action == "up":
            return background_control.up(
                course_root=course_root, port=args.port, idle_minutes=args.idle_minutes, out=out
            )
        if args.action == "down":
            return background_control.down(course_root=course_root, out=out)
        return background_control.status(course_root=course_root, out=out)

    if args.command == "publish-template":
        from .template import publish_template

        return publish_template(
            course_root=course_root, out_dir=args.out_dir.resolve(), upstream=args.upstream, ref=args.ref,
            force=args.force, init_git=args.git, out=out,
        )

    from .manifest import ManifestError, load_course

    try:
        course = load_course(course_root)
    except (OSError, ManifestError) as error:
        print(f"course: cannot read {MANIFEST_FILE}: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "status":
        from .status import status

        return status(course=course, course_root=course_root, report_dir=_absolute(args.report_dir), out=out)
    if args.command == "lock":
        from .integrity import lock

        return lock(course=course, course_root=course_root, check_only=args.check, out=out)

    if args.command == "gradebook":
        from .cohort import gradebook

        return gradebook(
            course=course, course_root=course_root, students_file=args.students, forks_of=args.forks_of,
            org=args.org, prefix=args.prefix, rows_dirs=args.rows or [], lock_path=args.lock, due_items=args.due,
            workflow=args.workflow, out_dir=args.out.resolve(), title=args.title, max_wait=args.max_wait,
            out=out, err=sys.stderr,
        )
    if args.command == "regrade":
        from .cohort import regrade

        return regrade(
            course=course, course_root=course_root, repositories=args.repositories, student_lines=args.student,
            students_file=args.students, before=args.before, due_items=args.due, jobs=args.jobs,
            timeout=args.timeout, out_dir=args.out.resolve(), title=args.title, out=out, err=sys.stderr,
        )

    from .grade import grade
    from .settings import SettingError, resolve_ci, resolve_fail_under, resolve_strict_integrity

    try:
        ci = resolve_ci(args.ci, root=course_root).value
        fail_under = resolve_fail_under(args.fail_under, root=course_root).value
        strict = resolve_strict_integrity(args.strict_integrity, root=course_root).value
    except SettingError as error:
        print(f"course grade: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return grade(
            course=course,
            course_root=course_root,
            exercise_ids=args.exercises,
            backend=args.backend,
            solutions=args.solutions,
            code_root=_absolute(args.code_root),
            report_dir=_absolute(args.report_dir),
            fail_under=fail_under,
            ci=ci,
            strict_integrity=strict,
            gradescope=_absolute(args.gradescope),
            extra=extra,
            out=out,
        )
    except ManifestError as error:
        print(f"course grade: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
