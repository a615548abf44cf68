"""A gradebook written out: gradebook.csv, gradebook.html and one JSON row per student.

Apart from gradebook.py (the rows and the CSV) and gradebook_html.py (the page) so that neither needs the other.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TextIO

from harness.manifest import Course
from harness.settings import GRADEBOOK_CSV, GRADEBOOK_HTML

from .due_dates import iso
from .gradebook import Row, print_summary, write_csv, write_rows
from .gradebook_html import render_html

ROWS_DIR = "rows"
WROTE = "Wrote {csv} and {html} ({count} students)."


def write_gradebook(rows: list[Row], *, course: Course, out_dir: Path, title: str, generated_at: datetime, out: TextIO) -> int:
    """gradebook.csv, gradebook.html and one JSON row per student in out_dir; the summary on out."""
    rows = sorted(rows, key=lambda row: row.student.lower())
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = write_csv(rows, course, out_dir / GRADEBOOK_CSV)
    html_path = out_dir / GRADEBOOK_HTML
    html_path.write_text(render_html(rows, course=course, title=title, generated_at=iso(generated_at)), encoding="utf-8")
    write_rows(rows, out_dir / ROWS_DIR)
    print_summary(rows, out)
    print(WROTE.format(csv=csv_path, html=html_path, count=len(rows)), file=out)
    return 0
