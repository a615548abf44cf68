"""gradebook.html and gradebook.csv from synthetic rows: the page's content, its escaping, nothing loaded
from outside, and, in a real headless Chromium, its picture and its sorting from the URL."""

from __future__ import annotations

import csv
import io
import sys
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from gradebook_support import COURSE, DUE_WEEK_1, LOCK, SHARED_PRACTICE, report
from png_pixels import read_png
from support import REPO

from harness.manifest import load_course
from harness.settings import GRADEBOOK_CSV, GRADEBOOK_HTML
from instructor.gradebook import (
    DIFFERS,
    FLAG_HARNESS,
    FLAG_LATE,
    FLAG_NOT_GRADED,
    FLAG_TAMPERED,
    FLAGS,
    GRADED,
    MISSING,
    NO_RUN,
    STATUSES,
    Row,
    Snapshot,
    build_row,
    csv_columns,
)
from instructor.gradebook_files import write_gradebook
from instructor.gradebook_html import FLAG_COLOURS, NO_GRADE_COLOUR, colour, render_html
from instructor.gradebook_practice import PRACTICE_STATES

sys.path.insert(0, str(REPO / "scripts"))
from gradebook_screenshot import demo_rows
from headless_chromium import (
    ENV_CHROMIUM,
    NO_CHROMIUM,
    NOT_EXECUTABLE,
    ChromiumError,
    dump_dom,
    find_chromium,
    screenshot,
)

BEFORE_DUE = datetime(2026, 10, 10, 12, 0, tzinfo=timezone.utc)
AFTER_DUE = datetime(2026, 10, 20, 12, 0, tzinfo=timezone.utc)
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_DETAIL = "</script><script>alert(2)</script>"
GENERATED = datetime(2026, 10, 26, 9, 0, tzinfo=timezone.utc)
HEADER_COLOUR = "#f1f3f5"  # the table header's background in gradebook_html.CSS


def graded(name: str, repository: str, points: dict[str, float], *, at: datetime = BEFORE_DUE,
           on_time: dict[str, float] | None = None, **extra: Any) -> Row:
    latest = Snapshot(report(points, **extra), "abcdef1" + "0" * 33, at, f"https://github.com/{repository}/actions/runs/7")
    before = {1: Snapshot(report(on_time), "1" * 40, BEFORE_DUE, "")} if on_time is not None else None
    return build_row(name=name, repository=repository, course=COURSE, lock=LOCK, latest=latest, on_time=before, due={1: DUE_WEEK_1})


def ungraded(name: str, status: str, detail: str) -> Row:
    return build_row(name=name, repository=f"{name.lower()}/course", course=COURSE, lock=LOCK, latest=None, status=status, detail=detail)


TAMPERED_FILE = "ex/two/test_two.py"
# Eve shared a weaker mock exam (30 of 65: 515) and no quizzes; Nora's shared file could not be used.
EVE_PRACTICE = {**SHARED_PRACTICE, "quizzes": [], "domains": [], "exams": [
    {"form": 1, "attempts": 1, "best": {"right": 30, "questions": 65, "finished_at": "2026-10-09T12:00:00+00:00"},
     "latest": {"right": 30, "questions": 65, "finished_at": "2026-10-09T12:00:00+00:00"}}]}
NORA_PRACTICE = {**SHARED_PRACTICE, "problem": HOSTILE_DETAIL, "shared_at": None}
ROWS = sorted(
    [
        graded("Ada", "ada/course", {"one": 4, "two": 6, "extra": 2}, practice=SHARED_PRACTICE),  # 10: full marks
        graded("Bob", "bob/course", {"one": 4, "two": 0, "extra": 0}, at=AFTER_DUE, on_time={"one": 1}, practice=None),  # 4: late
        graded("Mallory", "mallory/course", {"one": 4, "two": 5, "extra": 2}, hashes=dict(LOCK, **{TAMPERED_FILE: "9" * 64})),  # 9
        graded("Nora", "nora/course", {"one": 4, "two": 1, "extra": 0}, not_graded={"two": 1}, harness_errors=["boom"],
               practice=NORA_PRACTICE),  # 5
        graded(HOSTILE, "eve/course", {"one": 4, "two": 3, "extra": 1}, practice=EVE_PRACTICE),  # 7
        ungraded("Zed", MISSING, HOSTILE_DETAIL),
        ungraded("Yan", NO_RUN, "no completed grading run on the default branch"),
    ],
    key=lambda row: row.student.lower(),  # as write_gradebook orders them
)
STUDENT_LINKS = {f"https://github.com/{row.repository}" for row in ROWS} | {row.source for row in ROWS if row.source}


class Page(HTMLParser):
    """Tags, attributes, text, and the students of the table's rows in document order."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.students: list[str] = []
        self.practice_students: list[str] = []  # the practice table's rows, in document order
        self.table = ""
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.tags.append((tag, values))
        if tag == "table":
            self.table = values.get("id", "")
        if tag == "tr" and "data-student" in values:
            self.students.append(values["data-student"])
        if tag == "td" and self.table == "practice" and values.get("data-key") == "student":
            self.practice_students.append(values["data-sort"])

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **wanted: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag and all(attrs.get(key.replace("_", "-")) == value for key, value in wanted.items())]


@pytest.fixture(scope="module")
def html() -> str:
    return render_html(ROWS, course=COURSE, title="Cohort A: gradebook", generated_at="2026-10-26T09:00:00Z")


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gradebook")
    write_gradebook(ROWS, course=COURSE, out_dir=folder, title="Cohort A: gradebook", generated_at=GENERATED, out=io.StringIO())
    return folder


@pytest.fixture(scope="module")
def browser() -> str:
    try:
        return find_chromium()
    except ChromiumError as error:
        pytest.fail(str(error), pytrace=False)


def rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


# ------------------------------------------------------------------------ the page's content


def test_the_page_has_one_row_per_student_every_count_and_every_flag(html: str) -> None:
    page = Page(html)
    assert page.students == [row.student for row in ROWS]
    text = " ".join(" ".join(page.text).split())
    assert "Cohort A: gradebook" in text and "Tiny 1.2" in text and "2026-10-26 09:00:00Z" in text
    badges = [attrs for name, attrs in page.tags if name == "span" and attrs.get("class") == "badge"]
    assert len(badges) >= sum(len(row.flags) for row in ROWS)
    for flag in FLAGS:
        assert flag in text, f"the flag {flag!r} is not on the page"
    assert "10/10" in text and "100%" in text and "4/10" in text  # Ada's and Bob's totals


def test_the_counts_say_how_many_students_are_graded_tampered_and_late(html: str) -> None:
    counts = html.split('<ul class="counts">', 1)[1].split("</ul>", 1)[0]
    expected = {"students": 7, "graded": 5, "without a grade": 2, "tampered": 1, "late": 1, "not graded": 1}
    for label, value in expected.items():
        assert f"<li><b>{value}</b><span>{label}</span></li>" in counts, f"expected {value} {label} in {counts}"


def test_cells_carry_points_tooltips_late_marks_and_the_no_grade_status(html: str) -> None:
    page = Page(html)
    bob_one = page.find("td", data_key="one", data_sort="1")
    assert any("late" in cell["class"].split() and "on time: 1" in cell["title"] for cell in bob_one), bob_one
    nora_two = [cell for cell in page.find("td", data_key="two") if "not graded: 1 checks" in cell.get("title", "")]
    assert nora_two and f"background:{colour(1 / 4)}" in nora_two[0]["style"]
    assert any(cell["colspan"] == "3" for cell in page.find("td", **{"class": "nograde"}))
    assert "no-run: no completed grading run on the default branch" in " ".join(page.text)
    optional = page.find("th", data_key="extra")
    assert optional[0]["class"] == "optional" and "optional" in optional[0]["title"]
    tampered = [attrs for attrs in page.find("span", **{"class": "badge"}) if attrs["title"].startswith("tampered")]
    assert DIFFERS.format(path=TAMPERED_FILE) in tampered[0]["title"]
    assert next(attrs["href"] for attrs in page.find("a") if "/ada/" in attrs["href"]) == "https://github.com/ada/course"


def test_a_hostile_student_name_and_detail_render_as_text(html: str) -> None:
    page = Page(html)
    assert HOSTILE in page.text and not page.find("img")
    assert [name for name, _ in page.tags].count("script") == 1, "a student's text opened a <script>"
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and HOSTILE not in html
    assert HOSTILE_DETAIL not in html and "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html


def test_the_page_loads_nothing_from_outside_and_links_only_to_student_repositories(html: str) -> None:
    page = Page(html)
    assert not [tag for tag, attrs in page.tags if tag in ("link", "img", "iframe", "object", "embed") or "src" in attrs]
    assert "url(" not in html and "@import" not in html
    outside = [(tag, name, value) for tag, attrs in page.tags for name, value in attrs.items() if "//" in value or "http" in value]
    assert outside and all(tag == "a" and name == "href" and value in STUDENT_LINKS for tag, name, value in outside), outside
    rest = html
    for link in STUDENT_LINKS:
        rest = rest.replace(f'href="{link}"', "")
    assert "http" not in rest and "//" not in rest


def test_the_csv_reads_back_with_the_csv_module(out_dir: Path) -> None:
    assert (out_dir / GRADEBOOK_HTML).is_file()
    with (out_dir / GRADEBOOK_CSV).open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        records = {record["student"]: record for record in reader}
        assert reader.fieldnames == csv_columns(COURSE)
    assert list(records) == [row.student for row in ROWS]
    assert (records["Ada"]["points"], records["Ada"]["max"], records["Ada"]["percent"], records["Ada"]["status"]) == ("10", "10", "100", GRADED)
    assert (records["Bob"]["one"], records["Bob"]["two"], records["Bob"]["late"], records["Bob"]["flags"]) == ("4", "0", "one", FLAG_LATE)
    assert records["Mallory"]["integrity"] == "tampered" and TAMPERED_FILE in records["Mallory"]["detail"]
    assert records["Nora"]["not_graded"] == "two" and records["Nora"]["flags"] == f"{FLAG_NOT_GRADED} {FLAG_HARNESS}"
    assert records[HOSTILE]["extra"] == "1" and records["Zed"]["status"] == MISSING and records["Zed"]["points"] == ""
    assert (records["Ada"]["practice"], records["Ada"]["practice_exam_scaled"], records["Ada"]["practice_quiz_w0"]) == ("shared", "751", "75")
    assert [records[name]["practice"] for name in ("Bob", "Mallory", "Nora", "Zed")] == ["not-shared", "not-recorded", "unusable", ""]


def test_the_practice_table_stands_apart_says_self_reported_and_uses_no_heat_map_colour(html: str) -> None:
    grades, practice = html.split('<table id="gradebook"', 1)[1].split("</table>", 1)
    assert "practice_" not in grades, "a practice column sits among the grades"
    heading = practice.split('<table id="practice"', 1)[0]
    assert "Exam practice <small>self-reported by students, not part of any grade</small>" in heading
    assert "conversation starter, not as evidence" in heading
    page = Page(html)
    assert page.practice_students == [row.student for row in ROWS]
    assert "background:" not in practice.split('<table id="practice"', 1)[1], "practice cells must not be coloured like points"
    ada_exam = page.find("td", data_key="practice_exam_scaled", data_sort="751")
    assert ada_exam and "form 2: best 751" in ada_exam[0]["title"] and "form 1: best 709" in ada_exam[0]["title"]
    assert page.find("td", data_key="practice_exam_scaled", data_sort="515")  # Eve's, recomputed from 30 of 65
    quiz = page.find("td", data_key="practice_quiz_w2", data_sort="91.7")
    assert quiz and quiz[0]["title"].startswith("Week 2 quiz: best 11/12 (91.7%) on 2026-10-08; latest 10/12")
    ready = page.find("td", data_key="practice_ready_d1", data_sort="75")
    assert ready and "meets" in ready[0]["class"] and "75% ✓" in html
    text = " ".join(page.text)
    assert "not shared" in text and "older report" in text  # Bob's version 2 report and Mallory's version 1 report
    assert "&lt;/script&gt;&lt;script&gt;alert(2)" in practice  # Nora's unusable file, its problem escaped


# ------------------------------------------------------------------------ in Chromium


def test_without_a_browser_the_message_says_how_to_install_chromium(tmp_path: Path) -> None:
    with pytest.raises(ChromiumError) as raised:
        find_chromium({"PATH": str(tmp_path)})
    assert str(raised.value) == NO_CHROMIUM.format(env=ENV_CHROMIUM, names="chromium, chromium-browser, google-chrome")
    assert "apt-get install chromium" in str(raised.value)
    with pytest.raises(ChromiumError, match="not an executable") as raised:
        find_chromium({ENV_CHROMIUM: str(tmp_path / "nothing"), "PATH": str(tmp_path)})
    assert str(raised.value) == NOT_EXECUTABLE.format(env=ENV_CHROMIUM, path=str(tmp_path / "nothing"))


def test_a_screenshot_shows_the_heat_map_and_the_flag_badges(out_dir: Path, browser: str, tmp_path: Path) -> None:
    image = read_png(screenshot(out_dir / GRADEBOOK_HTML, tmp_path / "gradebook.png", browser=browser))
    assert (image.width, image.height) == (1400, 900)
    counts = image.counts()
    assert counts[(255, 255, 255)] < 0.95 * len(image.pixels) and len(counts) > 50, "the page looks blank"
    # Below the table's header only: the legend above it shows every colour once too.
    top = image.first_row_with(rgb(HEADER_COLOUR), at_least=500)
    assert top is not None, f"no table header (a band of {HEADER_COLOUR}) in the screenshot"
    table = image.below(top)
    full, zero = table.near(rgb(colour(1.0))), table.near(rgb(colour(0.0)))
    assert full > 5000, f"expected the full-score colour {colour(1.0)} over the full cells, found {full} pixels"
    assert zero > 2000, f"expected the zero-score colour {colour(0.0)} on the 0/6 and 0/2 cells, found {zero} pixels"
    for flag in (FLAG_TAMPERED, FLAG_LATE, FLAG_NOT_GRADED, FLAG_HARNESS):
        found = table.near(rgb(FLAG_COLOURS[flag]))
        assert found > 400, f"expected the {flag} badge's colour {FLAG_COLOURS[flag]} in the table, found {found} pixels"
    grey = table.near(rgb(NO_GRADE_COLOUR), tolerance=2)
    assert grey > 5000, f"expected grey cells for the students without a grade, found {grey} pixels"


def dumped_order(out_dir: Path, browser: str, fragment: str) -> list[str]:
    return Page(dump_dom(out_dir / GRADEBOOK_HTML, browser=browser, fragment=fragment)).students


def test_the_url_sorts_totals_descending_then_ascending_with_missing_grades_last(out_dir: Path, browser: str) -> None:
    graded_rows = [row for row in ROWS if row.status == GRADED]
    ungraded_names = [row.student for row in ROWS if row.status != GRADED]
    descending = [row.student for row in sorted(graded_rows, key=lambda row: -row.points)] + ungraded_names
    ascending = [row.student for row in sorted(graded_rows, key=lambda row: row.points)] + ungraded_names
    assert descending == ["Ada", "Mallory", HOSTILE, "Nora", "Bob", "Yan", "Zed"]
    assert dumped_order(out_dir, browser, "sort=total:desc") == descending
    assert dumped_order(out_dir, browser, "sort=total:asc") == ascending


def test_the_url_sorts_the_practice_table_by_its_columns_and_the_other_table_follows(out_dir: Path, browser: str) -> None:
    page = Page(dump_dom(out_dir / GRADEBOOK_HTML, browser=browser, fragment="sort=practice_exam_scaled:desc"))
    assert page.practice_students == ["Ada", HOSTILE, "Bob", "Mallory", "Nora", "Yan", "Zed"]  # 751, 515, then none
    assert page.students == page.practice_students  # the grades follow the practice table's order
    totals = Page(dump_dom(out_dir / GRADEBOOK_HTML, browser=browser, fragment="sort=total:desc"))
    assert totals.students == totals.practice_students == ["Ada", "Mallory", HOSTILE, "Nora", "Bob", "Yan", "Zed"]
    names = Page(dump_dom(out_dir / GRADEBOOK_HTML, browser=browser, fragment="sort=student:desc"))
    assert names.practice_students == names.students == ["Zed", "Yan", "Nora", "Mallory", "Bob", "Ada", HOSTILE]


def test_the_url_sorts_an_exercise_column_and_names(out_dir: Path, browser: str) -> None:
    # two, by points/max: Bob 0/6, Nora 1/4, Eve 3/6, Mallory 5/6, Ada 6/6; no grade last either way
    assert dumped_order(out_dir, browser, "sort=two:asc") == ["Bob", "Nora", HOSTILE, "Mallory", "Ada", "Yan", "Zed"]
    assert dumped_order(out_dir, browser, "sort=student:desc") == ["Zed", "Yan", "Nora", "Mallory", "Bob", "Ada", HOSTILE]


# ------------------------------------------------------------------------ the demo in the docs


def test_the_demo_cohort_covers_every_status_and_flag() -> None:
    rows = demo_rows(load_course(REPO))
    assert {row.status for row in rows} == set(STATUSES)
    assert {flag for row in rows for flag in row.flags} == set(FLAGS)
    assert {row.practice_state for row in rows if row.status == GRADED} == set(PRACTICE_STATES)
    assert (REPO / "docs" / "images" / "gradebook.png").read_bytes().startswith(b"\x89PNG")
