#!/usr/bin/env python3
"""Overlay the official graders, harness and manifest on a student's checkout before grading.

    python OFFICIAL/scripts/overlay_official_graders.py STUDENT

OFFICIAL is the course at a pinned tag, and this script is run from it, never from the student's
copy: the files put in place and the code that puts them there are both the course's own.
Exit status 0 when done, 2 when the official copy is not usable.
"""

from __future__ import annotations

import sys
from pathlib import Path

OFFICIAL_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(OFFICIAL_ROOT))  # this copy's harness package, not one installed from the student's tree

from instructor.overlay import OverlayError, overlay


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        result = overlay(OFFICIAL_ROOT, Path(argv[0]).resolve())
    except OverlayError as error:
        print(f"overlay: {error}", file=sys.stderr)
        return 2
    print(f"Official grading files in place: {len(result.restored)} restored, {result.unchanged} already identical.")
    for path in result.restored:
        print(f"  restored {path}")
    for path in result.removed:
        print(f"  removed  {path} (not an official grading file)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
