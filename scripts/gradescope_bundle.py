#!/usr/bin/env python3
"""Build the zip to upload as a Gradescope autograder: the course without its solutions.

    python scripts/gradescope_bundle.py [ZIP]      (default: dist/gradescope-autograder.zip)

setup.sh and run_autograder (from gradescope/) go to the root of the zip, where Gradescope looks for
them; the graders, harness, manifest, graders.lock and the exercises' starter files go beside them.
Refuses (exit 2) when graders.lock does not match the tree: the reports would say "modified".
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(COURSE_ROOT))  # this copy's harness package

from harness.integrity import LOCK_FILE, stale_entries
from harness.manifest import load_course

DEFAULT_ZIP = "dist/gradescope-autograder.zip"
AT_ZIP_ROOT = ("gradescope/setup.sh", "gradescope/run_autograder")
# Never shipped: the answers, the course's own tests and docs, and whatever a run leaves behind.
LEFT_OUT_DIRS = {"solutions", "tests", "docs", "gradescope", "instructor", "dist", "build", "reports", ".git", ".venv", ".course"}
LEFT_OUT_PARTS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache"}
LEFT_OUT_SUFFIXES = {".pyc", ".zip"}


def shipped(relative: Path) -> bool:
    if relative.parts[0] in LEFT_OUT_DIRS or LEFT_OUT_PARTS.intersection(relative.parts):
        return False
    return relative.suffix not in LEFT_OUT_SUFFIXES and not any(part.endswith(".egg-info") for part in relative.parts)


def bundle(target: Path) -> list[str]:
    names = []
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(COURSE_ROOT.rglob("*")):
            relative = path.relative_to(COURSE_ROOT)
            if path.is_file() and shipped(relative):
                archive.write(path, relative.as_posix())
                names.append(relative.as_posix())
        for name in AT_ZIP_ROOT:
            info = zipfile.ZipInfo(Path(name).name)
            info.external_attr = 0o100755 << 16  # executable once unzipped
            archive.writestr(info, (COURSE_ROOT / name).read_bytes())
            names.append(Path(name).name)
    return names


def main(argv: list[str]) -> int:
    target = Path(argv[0] if argv else COURSE_ROOT / DEFAULT_ZIP).resolve()
    stale = stale_entries(COURSE_ROOT, load_course(COURSE_ROOT))
    if stale or not (COURSE_ROOT / LOCK_FILE).is_file():
        print(f"{LOCK_FILE} does not match the tree ({', '.join(stale) or 'missing'}): run `course lock` first.", file=sys.stderr)
        return 2
    names = bundle(target)
    print(f"Wrote {target} ({len(names)} files). Upload it as the assignment's autograder on Gradescope.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
