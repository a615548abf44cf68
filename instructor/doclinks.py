"""Relative links in the course's markdown must lead to a file that exists.

One checker for two trees: the docs test runs it on the course itself, and `course publish-template`
on the cohort's template before writing it, where a link into a file the template leaves out would break.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from pathlib import Path

LINK = re.compile(r"\]\(([^)\s]+)\)")
NOT_RELATIVE = ("http://", "https://", "mailto:", "#")


def relative_links(text: str) -> list[str]:
    """The targets of the page's relative links, as written (a #fragment included)."""
    return [target for target in LINK.findall(text) if not target.startswith(NOT_RELATIVE)]


def broken_links(page: str, text: str, *, exists: Callable[[str], bool]) -> list[str]:
    """Targets of page's relative links that exists() denies; page and the paths it gets are root-relative POSIX."""
    folder = posixpath.dirname(page)
    return [
        target
        for target in relative_links(text)
        if not exists(posixpath.normpath(posixpath.join(folder, target.split("#", 1)[0])))
    ]


def broken_links_on_disk(root: Path, page: Path) -> list[str]:
    """broken_links for a page of the tree at root, as it is on disk."""
    return broken_links(
        page.relative_to(root).as_posix(), page.read_text(encoding="utf-8"), exists=lambda path: (root / path).exists()
    )
