"""Everything student code starts dies with the check, even what escaped into a session of its own.

On Linux the grading process becomes a child subreaper: an orphan (a daemon that double-forked, a
``start_new_session=True`` grandchild) is re-parented to it instead of to init, so it stays in the
grading process's tree, where the end-of-check sweep finds and kills it. Elsewhere the sweep still
kills the process groups the harness made; orphans outside them are beyond its reach.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
SWEEP_ROUNDS = 8  # a fork loop refills the tree while it is killed: stop it, then kill, a few times
PROC = Path("/proc")


# The harness's own long-lived forkers started during a check (the Lambda runtime's zygote, started at a
# first cold start): the end-of-check sweep leaves them alone, never what they forked.
_helpers: set[int] = set()


def keep_helper(pid: int) -> None:
    _helpers.add(pid)


def forget_helper(pid: int) -> None:
    _helpers.discard(pid)


def become_subreaper() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process, from /proc (read twice per check: kept lean, no pathlib)."""
    parents: dict[int, int] = {}
    try:
        names = os.listdir(PROC)
    except OSError:
        return parents
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"{PROC}/{name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split(None, 2)  # after "pid (comm) ": state, ppid, ...
        if len(fields) > 1:
            parents[int(name)] = int(fields[1])
    return parents


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for pid, parent in _parents().items():
        children.setdefault(parent, []).append(pid)
    return children


def _below(root: int, children: dict[int, list[int]]) -> set[int]:
    found: set[int] = set()
    stack = [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


def descendants(root: int | None = None) -> set[int]:
    """Every process below ``root`` (this process by default), from /proc; empty where there is none."""
    return _below(os.getpid() if root is None else root, _children())


def kill_new_descendants(keep: set[int], keep_alone: frozenset[int] | set[int] = frozenset()) -> int:
    """SIGSTOP then SIGKILL every descendant not in ``keep`` (nor below one) nor in ``keep_alone`` (whose
    own descendants are not kept), reaping what we can."""
    killed: set[int] = set()
    keep, keep_alone = set(keep) - _helpers, set(keep_alone) | _helpers
    for _ in range(SWEEP_ROUNDS):
        children = _children()  # one look at /proc per round, for every tree below
        kept_trees = keep | keep_alone
        for pid in keep:
            kept_trees |= _below(pid, children)
        victims = _below(os.getpid(), children) - kept_trees
        if not victims:
            break
        for sig in (signal.SIGSTOP, signal.SIGKILL):
            for pid in victims:
                try:
                    os.kill(pid, sig)
                except (ProcessLookupError, PermissionError):
                    pass
        killed |= victims
        _reap(victims)
    return len(killed)


def _reap(pids: set[int]) -> None:
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except (ChildProcessError, OSError):
            pass  # not our child (its parent reaps it), or already reaped
