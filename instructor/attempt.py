"""One student's regrade in progress: its clone, its git history, and the time it has left.

instructor/regrade.py drives attempts; every git command here runs in the student's process group and
ends the student's turn (StudentStop), never the regrade, when it fails or outlives the student's time.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from harness.manifest import Course

from .due_dates import DueDates
from .git_access import basic_credentials, clone_source, git_environment
from .gradebook import FAILED, MISSING, TIMEOUT
from .process_groups import Finished, ProcessGroups, Stopped
from .roster import Student

MAX_DETAIL = 300  # characters of a log line kept in a row's detail
CLONE_TIMED_OUT = "cloning took longer than {seconds:g} s"
GIT_TIMED_OUT = "git {command} was still running when the student's {seconds:g} s were up"
NO_GIT = "git is not installed or not on PATH: install git, then regrade"
STOPPED = "the regrade was interrupted"
EMPTY_LOG = "(the log is empty)"
SCRATCH_DIR = ".scratch"  # under work_dir; a slug never starts with a dot, so no student's folder is named so
ABSOLUTE_PATH = re.compile(r"(?<![\w:/.])(?:/[\w.@+~-]+)+/(?=[\w.@+~-])")


class StudentStop(Exception):
    """This student gets no grade: the row's status and detail say why."""

    def __init__(self, status: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def last_line(text: str) -> str:
    """The output's last line that says something."""
    for line in reversed(text.splitlines()):
        if any(character.isalnum() for character in line):
            return line.strip()[:MAX_DETAIL]
    return EMPTY_LOG


def without_paths(line: str, roots: tuple[Path, ...]) -> str:
    """A log line without this machine's folders: paths under ``roots`` relative, other absolute paths cut
    to their file name."""
    for root in roots:
        line = line.replace(f"{root}{os.sep}", "").replace(str(root), ".")
    return ABSOLUTE_PATH.sub("", line)


def run_stoppable(groups: ProcessGroups, command: list[str], **options: Any) -> Finished:
    """ProcessGroups.run, where an interrupted regrade stops this student without a grade."""
    try:
        return groups.run(command, **options)
    except Stopped:
        raise StudentStop(FAILED, STOPPED) from None


def _git_output(args: list[str], *, cwd: Path, env: dict[str, str], groups: ProcessGroups, timeout: float) -> Finished:
    return run_stoppable(groups, ["git", "-C", str(cwd), *args], cwd=None, env=env, timeout=timeout)


# ------------------------------------------------------------------------------------- students


@dataclass
class Context:
    course: Course
    course_root: Path
    lock: dict[str, str]
    before: datetime | None
    due: DueDates
    timeout: float
    work_dir: Path
    reports_dir: Path
    groups: ProcessGroups
    token: str | None


@dataclass
class Attempt:
    """One student's regrade in progress: where its files are and how much time it has left."""

    student: Student
    context: Context
    slug: str  # the student's slug, made unique in this regrade: the folders below are this student's alone
    started: float = field(default_factory=time.monotonic)  # reset when the student's turn comes

    @property
    def checkout(self) -> Path:
        return self.context.work_dir / self.slug

    @property
    def scratch(self) -> Path:
        return self.context.work_dir / SCRATCH_DIR / self.slug  # reports before copying, due-date checkouts

    @property
    def reports(self) -> Path:
        return self.context.reports_dir / self.slug

    def left(self) -> float:
        return self.context.timeout - (time.monotonic() - self.started)


def remove_tree(path: Path) -> None:
    """Remove a folder even if the student's code took the write permission off parts of it."""
    if not path.exists() and not path.is_symlink():
        return
    try:
        shutil.rmtree(path)
    except OSError:
        for folder, folders, _ in os.walk(path):
            for name in folders:
                inner = os.path.join(folder, name)
                if not os.path.islink(inner):
                    os.chmod(inner, 0o700)
        shutil.rmtree(path, ignore_errors=True)


def clone(attempt: Attempt) -> None:
    context = attempt.context
    attempt.checkout.parent.mkdir(parents=True, exist_ok=True)
    command = ["git", "clone", "--quiet", "--no-tags", "--", clone_source(attempt.student), str(attempt.checkout)]
    try:
        done = run_stoppable(context.groups, command, cwd=None, env=git_environment(context.token), timeout=attempt.left())
    except FileNotFoundError:
        raise StudentStop(FAILED, NO_GIT) from None
    if done.code is None:
        raise StudentStop(TIMEOUT, CLONE_TIMED_OUT.format(seconds=context.timeout))
    if done.code != 0:
        detail = last_line(done.output)
        for secret in _secret_forms(context.token):
            detail = detail.replace(secret, "***")
        raise StudentStop(MISSING, detail)


def _secret_forms(token: str | None) -> list[str]:
    """The token as git could echo it: plain, or inside the Basic header."""
    return [token, basic_credentials(token)] if token else []


def git(attempt: Attempt, *args: str, cwd: Path | None = None) -> str:
    done = _git_output(
        list(args), cwd=cwd or attempt.checkout, env=git_environment(), groups=attempt.context.groups,
        timeout=attempt.left(),
    )
    if done.code is None:
        raise StudentStop(TIMEOUT, GIT_TIMED_OUT.format(command=args[0], seconds=attempt.context.timeout))
    if done.code != 0:
        raise RuntimeError(f"git {' '.join(args)}: {last_line(done.output)}")
    return done.output.strip()


def has_commits(attempt: Attempt) -> bool:
    done = _git_output(
        ["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], cwd=attempt.checkout, env=git_environment(),
        groups=attempt.context.groups, timeout=attempt.left(),
    )
    return done.code == 0


def last_commit(attempt: Attempt, moment: datetime | None, tip: str = "HEAD") -> str | None:
    """The last commit of ``tip``'s history whose committer date is at or before ``moment``.

    Committer dates are whatever the student's git said (GIT_COMMITTER_DATE, a wrong clock): a
    regrade cannot know when a commit was really made. The GitHub gradebook uses push times instead.
    """
    limit = [f"--before=@{int(moment.timestamp())}"] if moment is not None else []
    return git(attempt, "rev-list", "-1", *limit, tip, "--") or None


def committed_at(attempt: Attempt, commit: str) -> datetime:
    return datetime.fromtimestamp(int(git(attempt, "show", "-s", "--format=%ct", commit)), timezone.utc)
