"""The `course` command: thin glue from the command line to keyword-only functions in harness/.

Each subcommand imports its module only when it runs, so `course --help` starts without pytest, boto3 or moto.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, NoReturn, TextIO

from . import __version__
from .background import BACKGROUND_BACKENDS, DEFAULT_IDLE_MINUTES
from .options import COURSE_ROOT_HELP, GRADING_OPTIONS, add_grading_options
from .quiz import commands as quiz_commands
from .settings import (
    BACKGROUND_PORT,
    CI_SYSTEMS,
    DEFAULT_REPORT_DIR,
    ENV_BACKGROUND_PORT,
    ENV_CI,
    ENV_FAIL_UNDER,
    ENV_STRICT_INTEGRITY,
    MANIFEST_FILE,
    REPO_ROOT,
)
from .terminal_env import DEFAULT_SHELL, EVAL_COMMAND, OTHER_SHELLS, SHELLS

if TYPE_CHECKING:
    from .manifest import Course

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

BACKEND_EPILOG = (
    "`up` starts the emulator and `down` stops it; `status` says where it runs; `env` prints the variables that "
    f"point a terminal at it: `{EVAL_COMMAND}` in bash or zsh ({OTHER_SHELLS}); `apis` lists the local URL of "
    "every deployed REST API stage's methods, for curl."
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


def _jobs(text: str) -> int:
    """A number of workers (1 or more), or `auto` (0: one per CPU)."""
    if text == "auto":
        return 0
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of workers (1 or more) or `auto`")
    return int(text)


def positive(unit: str) -> Callable[[str], float]:
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


_minutes = positive("minutes")


def build_parser() -> argparse.ArgumentParser:
    # --course-root is hidden: the harness's own tests grade a small course made in a temporary folder.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--course-root", type=Path, default=None, help=COURSE_ROOT_HELP)

    parser = argparse.ArgumentParser(prog="course", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    grade = commands.add_parser(
        "grade", parents=[common], help="grade exercises (all when none is named)", epilog=GRADE_EPILOG
    )
    grade.add_argument("exercises", nargs="*", metavar="EXERCISE", help=f"exercise ids from {MANIFEST_FILE}, e.g. lab1")
    add_grading_options(grade.add_argument)
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
    grade.add_argument(
        "--jobs", type=_jobs, metavar="N",
        help="grade in N parallel workers, or `auto` (one per CPU, up to 4). Default: `auto` on the embedded "
        "backend when the exercises chosen take long enough to be worth it (several labs, the whole course), "
        "else 1; always 1 for official grading (--ci, --gradescope). The report is the same either way",
    )

    instructor_commands = instructor()
    # Maintainers' command: listed in the course's own checkout; a cohort's copy keeps it (the docs'
    # `course lock --check`) but does not list it (a parser added without help= is not shown).
    listed = {"help": "maintainers: record the grading files' SHA-256 in graders.lock"} if instructor_commands else {}
    lock = commands.add_parser("lock", parents=[common], **listed)
    lock.add_argument("--check", action="store_true", help="only say whether graders.lock matches the tree (exit 1 if not)")

    status = commands.add_parser("status", parents=[common], help="your progress, from the last grade report")
    status.add_argument("--report-dir", metavar="DIR", help=f"where reports are (default: {DEFAULT_REPORT_DIR}/)")

    quiz_commands.add(commands, common)

    commands.add_parser(
        "doctor", parents=[common], help="check Python, packages, the emulators, Docker and credentials"
    )

    sam_cli = commands.add_parser(
        "sam-cli",
        parents=[common],
        help="install AWS SAM CLI (week 3) in an environment of its own, with `sam` on the course's PATH",
    )
    sam_cli.add_argument("action", choices=("install",))

    backend = commands.add_parser(
        "backend",
        parents=[common],
        help="run the embedded emulator (or MiniStack) in the background, for the docs' commands by hand",
        epilog=BACKEND_EPILOG,
    )
    backend.add_argument("action", choices=("up", "down", "status", "env", "apis"))
    backend.add_argument(
        "--port", type=_port, default=None,
        help=f"`up`: port on 127.0.0.1 (default: ${ENV_BACKGROUND_PORT}, else {BACKGROUND_PORT})",
    )
    backend.add_argument(
        "--backend", choices=BACKGROUND_BACKENDS, default="moto",
        help="`up`: moto (the embedded emulator, the default) or ministack (runs Lambda code; installed on first use)",
    )
    backend.add_argument(
        "--shell",
        choices=SHELLS,
        default=DEFAULT_SHELL,
        help=f"`env`: write the variables in this shell's syntax (default {DEFAULT_SHELL}; zsh reads the same)",
    )
    backend.add_argument(
        "--idle-minutes",
        type=_minutes,
        default=DEFAULT_IDLE_MINUTES,
        help=f"`up`: stop by itself after this many minutes without AWS calls (default {DEFAULT_IDLE_MINUTES:g})",
    )
    if instructor_commands is not None:  # the course's own checkout; a cohort's copy has no instructor package
        instructor_commands.add(commands, common)
    return parser


def instructor() -> ModuleType | None:
    """The instructors' commands (instructor/commands.py), or None in a cohort's copy, which has no such package."""
    try:
        return importlib.import_module("instructor.commands")
    except ModuleNotFoundError as missing:
        if missing.name not in ("instructor", "instructor.commands"):
            raise
        return None


def _absolute(path: str | None) -> str | None:
    return str(Path(path).resolve()) if path else None  # relative to where the student typed it


def _backend(args: argparse.Namespace, course_root: Path, out: TextIO) -> int:
    from . import background_control
    from .settings import SettingError, resolve_background_port

    if args.action == "up":
        try:
            port = resolve_background_port(args.port, root=course_root).value
        except SettingError as error:
            print(f"course backend: {error}", file=sys.stderr)
            return EXIT_USAGE
        return background_control.up(
            course_root=course_root, port=port, idle_minutes=args.idle_minutes, backend=args.backend, out=out
        )
    if args.action == "down":
        return background_control.down(course_root=course_root, out=out)
    if args.action == "env":
        return background_control.env(course_root=course_root, shell=args.shell, out=out, err=sys.stderr)
    if args.action == "apis":
        return background_control.apis(course_root=course_root, out=out, err=sys.stderr)
    return background_control.status(course_root=course_root, out=out)


def _install_backend(args: argparse.Namespace, course_root: Path, out: TextIO) -> str | None:
    """MiniStack installs before grading starts, with a word first, not silently inside the first check."""
    from .settings import SettingError, resolve_backend

    try:
        backend = resolve_backend(args.backend, root=course_root).value
    except SettingError:
        return None  # the plugin says what is wrong with it
    if backend != "ministack":
        return None
    from .ministack_env import install_for_command

    return install_for_command(out)


def _grade(args: argparse.Namespace, course: Course, course_root: Path, extra: list[str], out: TextIO) -> int:
    from .grade import grade
    from .manifest import ManifestError
    from .settings import SettingError, resolve_ci, resolve_fail_under, resolve_strict_integrity

    try:
        ci = resolve_ci(args.ci, root=course_root).value
        fail_under = resolve_fail_under(args.fail_under, root=course_root).value
        strict = resolve_strict_integrity(args.strict_integrity, root=course_root).value
    except SettingError as error:
        print(f"course grade: {error}", file=sys.stderr)
        return EXIT_USAGE
    failed = _install_backend(args, course_root, out)
    if failed:
        print(f"course grade: {failed}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return grade(
            course=course,
            course_root=course_root,
            exercise_ids=args.exercises,
            options={option.dest: getattr(args, option.dest) for option in GRADING_OPTIONS}
            | {"code_root": _absolute(args.code_root), "report_dir": _absolute(args.report_dir)},
            fail_under=fail_under,
            ci=ci,
            strict_integrity=strict,
            gradescope=_absolute(args.gradescope),
            extra=extra,
            jobs=args.jobs,
            out=out,
        )
    except ManifestError as error:
        print(f"course grade: {error}", file=sys.stderr)
        return EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    from_command_line = argv is None
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
        return _backend(args, course_root, out)
    if args.command == "sam-cli":
        from .sam_cli import install

        return install(course_root=course_root, out=out)
    if args.command in quiz_commands.NAMES:
        return quiz_commands.run(args, course_root=course_root, out=out)

    instructor_commands = instructor()
    if instructor_commands is not None and args.command in instructor_commands.NAMES:
        return instructor_commands.run(args, course_root=course_root, out=out)

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

    template = _warm_template(args, course_root, extra) if from_command_line else None
    if template is not None:
        from .warm.client import grade_warm

        code = grade_warm(template, dict(os.environ))
        if code is not None:
            _leave(code)
    environment, path0 = dict(os.environ), sys.path[0]  # as grading found them: pytest and the sandbox change both
    code = _grade(args, course, course_root, extra, out)
    if from_command_line:
        if template is not None:
            from .warm.client import start_template

            start_template(template, path0, environment)
        _leave(code)
    return code


def _warm_template(args: argparse.Namespace, course_root: Path, extra: list[str]) -> Path | None:
    """The socket of the warm template (harness/warm) this command may grade in, or None: a student's run only."""
    from .settings import SettingError, resolve_ci
    from .warm.client import eligible, template_socket

    try:
        ci = resolve_ci(args.ci, root=course_root).value
    except SettingError:
        return None  # _grade says why
    environ = dict(os.environ)
    return template_socket(environ) if eligible(extra, ci=ci, gradescope=args.gradescope, environ=environ) else None


def _leave(code: int) -> NoReturn:
    """End a `course grade` process without the interpreter's teardown: freeing what moto, botocore and
    pytest built takes ~0.5 s (measured) and writes nothing. Exit handlers (temporary folders, logging)
    run, and the output is flushed, first. Not for a caller of main() in its own process (tests)."""
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    raise SystemExit(main())
