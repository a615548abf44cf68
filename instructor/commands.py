"""`course publish-template`, `course gradebook` and `course regrade`: added to the `course` CLI
(harness/cli.py) where this package is installed; thin glue over template.py and cohort.py."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from harness.cli import positive
from harness.settings import DEFAULT_GRADEBOOK_DIR, DEFAULT_GRADING_WORKFLOW, DEFAULT_MAX_WAIT, DEFAULT_REGRADE_TIMEOUT

NAMES = ("publish-template", "gradebook", "regrade")
_seconds = positive("seconds")


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of parallel gradings")
    return int(text)


DUE_HELP = "WEEK=DATE: the due date of a course week (repeat per week), e.g. 1=2026-10-11 or 1=2026-10-11T23:59+02:00"


def add(commands: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """The instructors' subcommands, added to `course`'s parser."""
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


def run(args: argparse.Namespace, *, course_root: Path, out: TextIO) -> int:
    if args.command == "publish-template":
        from .template import publish_template

        return publish_template(
            course_root=course_root, out_dir=args.out_dir.resolve(), upstream=args.upstream, ref=args.ref,
            force=args.force, init_git=args.git, out=out,
        )
    from harness.manifest import ManifestError, load_course

    try:
        course = load_course(course_root)
    except (OSError, ManifestError) as error:
        print(f"course: cannot read the manifest: {error}", file=sys.stderr)
        return 2
    if args.command == "gradebook":
        from .cohort import gradebook

        return gradebook(
            course=course, course_root=course_root, students_file=args.students, forks_of=args.forks_of,
            org=args.org, prefix=args.prefix, rows_dirs=args.rows or [], lock_path=args.lock, due_items=args.due,
            workflow=args.workflow, out_dir=args.out.resolve(), title=args.title, max_wait=args.max_wait,
            out=out, err=sys.stderr,
        )
    from .cohort import regrade

    return regrade(
        course=course, course_root=course_root, repositories=args.repositories, student_lines=args.student,
        students_file=args.students, before=args.before, due_items=args.due, jobs=args.jobs,
        timeout=args.timeout, out_dir=args.out.resolve(), title=args.title, out=out, err=sys.stderr,
    )
