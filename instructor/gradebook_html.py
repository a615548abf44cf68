"""gradebook.html: the cohort as a heat map of students × exercises, in one self-contained file.

No external resource of any kind (fonts, scripts, images): the page opens from file:// on an
instructor's laptop or from a CI artifact, offline. Everything taken from rows is escaped, since names,
repositories and details come from students. Sorting: click a header, or open `#sort=KEY:asc|desc`.
Under the grades, the exam practice students shared (gradebook_practice_html.py), labelled self-reported.
"""

from __future__ import annotations

from html import escape

from harness.manifest import Course, Exercise

from .gradebook import FLAG_HARNESS, FLAG_LATE, FLAG_MISSING, FLAG_NOT_GRADED, FLAG_TAMPERED, FLAGS, GRADED, Row
from .gradebook_practice_html import CSS as PRACTICE_CSS
from .gradebook_practice_html import practice_table
from .roster import Student

# Viridis (matplotlib's default map): perceptually even and readable with every common colour-blindness.
SCALE = ("#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c", "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725")
NO_GRADE_COLOUR = "#e9ecef"
DARK_TEXT_FROM = 0.6  # from this ratio on, the scale is light enough for dark text
FLAG_COLOURS = {FLAG_TAMPERED: "#c92a2a", FLAG_MISSING: "#495057", FLAG_LATE: "#d9480f", FLAG_NOT_GRADED: "#1864ab", FLAG_HARNESS: "#862e9c"}
FLAG_HELP = {
    FLAG_TAMPERED: "grading files differ from the official lock",
    FLAG_MISSING: "no grade (the status says why)",
    FLAG_LATE: "points earned after the due date",
    FLAG_NOT_GRADED: "checks this backend cannot grade, left out of the maximum",
    FLAG_HARNESS: "the harness failed: the grade may be incomplete",
}
COUNTS = ("students", "graded", "without a grade", "tampered", "late", "not graded")
FIXED_COLUMNS = (("total", "Total", "num"), ("percent", "%", "num"), ("status", "Status", "text"),
                 ("flags", "Flags", "text"), ("commit", "Commit", "text"), ("graded", "Graded at (UTC)", "text"))

CSS = """
:root{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#212529;background:#fff}
body{margin:24px}h1{font-size:1.5rem;margin:0 0 4px}.meta{color:#495057;margin:0 0 16px}
.counts{display:flex;gap:12px;margin:0 0 14px;padding:0;list-style:none}
.counts li{border:1px solid #dee2e6;border-radius:6px;padding:6px 12px;text-align:center;min-width:80px}
.counts b{display:block;font-size:1.35rem}.counts span{font-size:.8rem;color:#495057}
.legend{display:flex;flex-wrap:wrap;align-items:center;gap:6px 16px;font-size:.8rem;margin:0 0 8px}
.swatch{display:inline-block;padding:2px 7px;border-radius:3px;font-variant-numeric:tabular-nums}
.filters{font-size:.85rem;margin:0 0 10px}.filters label{margin-right:12px;cursor:pointer}
table{border-collapse:separate;border-spacing:2px;font-size:.85rem}
th{background:#f1f3f5;padding:5px 7px;cursor:pointer;user-select:none;white-space:nowrap;vertical-align:bottom}
th small{display:block;font-weight:normal;color:#495057}th.optional{border-bottom:2px dashed #868e96}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td{padding:5px 7px;white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.cell{position:relative;text-align:center;min-width:52px;font-variant-numeric:tabular-nums;border-radius:3px}
td.cell.optional{outline:1px dashed #868e96;outline-offset:-1px}
td.nograde{background:#e9ecef;color:#495057;font-style:italic}
td.late::after,.mark.late::after{content:"";position:absolute;top:0;right:0;border-style:solid;border-width:0 13px 13px 0;border-color:transparent #d9480f transparent transparent}
.mark{position:relative;display:inline-block;width:22px;height:14px;background:#7ad151;vertical-align:middle;border-radius:2px}
.badge{display:inline-block;color:#fff;border-radius:9px;padding:1px 8px;margin-right:3px;font-size:.75rem;font-weight:600}
tr.tampered td:first-child{box-shadow:inset 4px 0 #c92a2a}
a{color:#1864ab}tbody tr:hover td{filter:brightness(.93)}
@media print{body{margin:0}.filters{display:none}th{cursor:default}table{font-size:8pt}
tr{break-inside:avoid}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}a{color:inherit;text-decoration:none}}
"""

JS = """
(function () {
  /* Every table.sortable sorts on a header click, or from #sort=KEY:asc|desc: the grades, and the practice. */
  var tables = Array.prototype.slice.call(document.querySelectorAll("table.sortable"));
  var current = {key: null, dir: null};
  function headsOf(table) { return Array.prototype.slice.call(table.tHead.rows[0].cells); }
  function value(row, key, type) {
    var cell = row.querySelector('[data-key="' + CSS.escape(key) + '"]');
    var raw = cell ? cell.getAttribute("data-sort") : "";
    if (raw === null || raw === "") return null;
    return type === "num" ? parseFloat(raw) : raw.toLowerCase();
  }
  function studentOf(row) {
    var cell = row.querySelector('[data-key="student"]');
    return cell ? cell.getAttribute("data-sort") : "";
  }
  function sortTable(table, key, dir) {
    var heads = headsOf(table), body = table.tBodies[0];
    var head = heads.filter(function (th) { return th.getAttribute("data-key") === key; })[0];
    if (!head) return false;
    var type = head.getAttribute("data-type"), sign = dir === "desc" ? -1 : 1;
    var rows = Array.prototype.slice.call(body.rows).map(function (row, index) {
      return {row: row, index: index, value: value(row, key, type)};
    });
    rows.sort(function (a, b) {
      if (a.value === null || b.value === null) {
        return a.value === b.value ? a.index - b.index : (a.value === null ? 1 : -1);
      }
      return a.value < b.value ? -sign : a.value > b.value ? sign : a.index - b.index;
    });
    rows.forEach(function (item) { body.appendChild(item.row); });
    heads.forEach(function (th) { th.removeAttribute("aria-sort"); });
    head.setAttribute("aria-sort", dir === "asc" ? "ascending" : "descending");
    return true;
  }
  function follow(table, leader) {
    /* A table without the sorted column takes the students' order of the one that has it. */
    var body = table.tBodies[0], waiting = {};
    Array.prototype.slice.call(body.rows).forEach(function (row) {
      (waiting[studentOf(row)] = waiting[studentOf(row)] || []).push(row);
    });
    Array.prototype.slice.call(leader.tBodies[0].rows).forEach(function (row) {
      var same = waiting[studentOf(row)];
      if (same && same.length) body.appendChild(same.shift());
    });
    headsOf(table).forEach(function (th) { th.removeAttribute("aria-sort"); });
  }
  function sortBy(key, dir) {
    if (dir !== "asc" && dir !== "desc") return;
    var sorted = tables.filter(function (table) { return sortTable(table, key, dir); });
    if (!sorted.length) return;
    tables.forEach(function (table) { if (sorted.indexOf(table) < 0) follow(table, sorted[0]); });
    current = {key: key, dir: dir};
  }
  function fromHash() {
    var match = /^#sort=(.+):(asc|desc)$/.exec(decodeURIComponent(location.hash));
    if (match) sortBy(match[1], match[2]);
  }
  tables.forEach(function (table) {
    headsOf(table).forEach(function (th) {
      th.tabIndex = 0;
      function click() {
        var key = th.getAttribute("data-key");
        var first = th.getAttribute("data-type") === "num" ? "desc" : "asc";
        var dir = current.key === key ? (current.dir === "asc" ? "desc" : "asc") : first;
        sortBy(key, dir);
        if (history.replaceState) history.replaceState(null, "", "#sort=" + encodeURIComponent(key) + ":" + dir);
      }
      th.addEventListener("click", click);
      th.addEventListener("keydown", function (event) { if (event.key === "Enter") click(); });
    });
  });
  var boxes = Array.prototype.slice.call(document.querySelectorAll(".filters input"));
  var grades = document.getElementById("gradebook").tBodies[0];
  function filter() {
    var wanted = boxes.filter(function (box) { return box.checked; }).map(function (box) { return box.value; });
    tables.forEach(function (table) {
      Array.prototype.slice.call(table.tBodies[0].rows).forEach(function (row) {
        var flags = (row.getAttribute("data-flags") || "").split(" ");
        row.hidden = !(!wanted.length || wanted.some(function (flag) { return flags.indexOf(flag) >= 0; }));
      });
    });
    var shown = Array.prototype.slice.call(grades.rows).filter(function (row) { return !row.hidden; }).length;
    document.getElementById("shown").textContent = shown + " of " + grades.rows.length + " shown";
  }
  boxes.forEach(function (box) { box.addEventListener("change", filter); });
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<h1>{title}</h1>
<p class="meta">{course} {version} · generated {generated_at}</p>
<ul class="counts">{counts}</ul>
<div class="legend">{scale}</div>
<div class="legend">{flags}</div>
<div class="filters">Show only: {filters} <span id="shown"></span></div>
<table id="gradebook" class="sortable">
<thead><tr>{header}</tr></thead>
<tbody>
{rows}
</tbody>
</table>
{practice}
<script>{js}</script>
</body>
</html>
"""


def colour(ratio: float) -> str:
    """The heat-map colour of points/max (0..1), interpolated between the scale's stops."""
    position = min(max(ratio, 0.0), 1.0) * (len(SCALE) - 1)
    low = int(position)
    high, weight = min(low + 1, len(SCALE) - 1), position - low
    channels = [round(int(SCALE[low][i : i + 2], 16) * (1 - weight) + int(SCALE[high][i : i + 2], 16) * weight) for i in (1, 3, 5)]
    return "#" + "".join(f"{channel:02x}" for channel in channels)


def _text_colour(ratio: float) -> str:
    return "#212529" if ratio >= DARK_TEXT_FROM else "#fff"


def _n(value: float) -> str:
    return f"{value:g}"


def _attr(**values: str) -> str:
    return "".join(f' {name.replace("_", "-")}="{escape(text)}"' for name, text in values.items())


def _badge(flag: str, tip: str = "") -> str:
    return f'<span class="badge" style="background:{FLAG_COLOURS[flag]}"{_attr(title=tip or FLAG_HELP[flag])}>{escape(flag)}</span>'


def _link(row: Row) -> str:
    """Where a student's name points: the GitHub repository, else a repository or source URL."""
    if Student(row.student, row.repository).on_github:  # not a local folder that looks like owner/name
        return f"https://github.com/{row.repository}"
    return next((url for url in (row.repository, row.source) if url.startswith(("https://", "http://"))), "")


def _cell(exercise: Exercise, row: Row) -> str:
    cell = row.cells.get(exercise.id)
    classes = "cell optional" if exercise.optional else "cell"
    if cell is None or cell.max <= 0:
        tip = f"{exercise.id}: {exercise.title}\n" + ("nothing graded on this backend" if cell else "not in this report")
        return f'<td class="{classes}" style="background:{NO_GRADE_COLOUR};color:#495057"{_attr(data_key=exercise.id, data_sort="", title=tip)}>—</td>'
    ratio = cell.points / cell.max
    tip = [f"{exercise.id}: {exercise.title}", f"status: {cell.status}", f"points: {_n(cell.points)}/{_n(cell.max)}"]
    if cell.on_time is not None:
        tip.append(f"on time: {_n(cell.on_time)} (at the due date)" + (", later points are late" if cell.late else ""))
    if cell.not_graded:
        tip.append(f"not graded: {cell.not_graded} checks (left out of the maximum)")
    style = f"background:{colour(ratio)};color:{_text_colour(ratio)}"
    attrs = _attr(data_key=exercise.id, data_sort=_n(round(ratio, 4)), title="\n".join(tip))
    return f'<td class="{classes}{" late" if cell.late else ""}" style="{style}"{attrs}>{_n(cell.points)}/{_n(cell.max)}</td>'


def _row(row: Row, course: Course) -> str:
    graded = row.status == GRADED
    link = _link(row)
    name = escape(row.student)
    name = f'<a href="{escape(link)}">{name}</a>' if link else name
    cells = [f'<td{_attr(data_key="student", data_sort=row.student, title=row.repository)}>{name}</td>']
    if graded:
        cells += [_cell(exercise, row) for exercise in course.exercises]
    elif course.exercises:
        cells.append(f'<td class="nograde" colspan="{len(course.exercises)}">{escape(row.status)}{": " + escape(row.detail) if row.detail else ""}</td>')
    tampered = "tampered:\n" + "\n".join(row.problems)
    flags = "".join(_badge(flag, tampered if flag == FLAG_TAMPERED else "") for flag in row.flags)
    commit = escape(row.commit[:7])
    if row.commit and row.source.startswith(("https://", "http://")):
        commit = f'<a href="{escape(row.source)}">{commit}</a>'
    cells += [
        f'<td class="num"{_attr(data_key="total", data_sort=_n(row.points) if graded else "")}>{f"{_n(row.points)}/{_n(row.max)}" if graded else ""}</td>',
        f'<td class="num"{_attr(data_key="percent", data_sort=_n(row.percent) if graded else "")}>{f"{_n(row.percent)}%" if graded else ""}</td>',
        f'<td{_attr(data_key="status", data_sort=row.status, title=row.detail or row.backend)}>{escape(row.status)}</td>',
        f'<td{_attr(data_key="flags", data_sort=" ".join(row.flags))}>{flags}</td>',
        f'<td{_attr(data_key="commit", data_sort=row.commit, title=row.commit)}><code>{commit}</code></td>',
        f'<td{_attr(data_key="graded", data_sort=row.graded_at)}>{escape(row.graded_at.replace("T", " "))}</td>',
    ]
    classes = " ".join(["student", *row.flags])
    return f'<tr class="{escape(classes)}"{_attr(data_student=row.student, data_flags=" ".join(row.flags))}>{"".join(cells)}</tr>'


def _header(course: Course) -> str:
    cells = ['<th data-key="student" data-type="text">Student</th>']
    for exercise in course.exercises:
        note = f"week {exercise.week}" + (" · optional" if exercise.optional else "")
        tip = f"{exercise.title} (week {exercise.week}, {exercise.points} points" + (", optional: outside the total)" if exercise.optional else ")")
        optional = ' class="optional"' if exercise.optional else ""
        cells.append(f'<th{optional}{_attr(data_key=exercise.id, data_type="num", title=tip)}>{escape(exercise.id)}<small>{note}</small></th>')
    cells += [f'<th{_attr(data_key=key, data_type=kind)}>{escape(label)}</th>' for key, label, kind in FIXED_COLUMNS]
    return "".join(cells)


def _counts(rows: list[Row]) -> str:
    graded = sum(1 for row in rows if row.status == GRADED)
    flagged = [sum(1 for row in rows if flag in row.flags) for flag in (FLAG_TAMPERED, FLAG_LATE, FLAG_NOT_GRADED)]
    values = [len(rows), graded, len(rows) - graded, *flagged]
    return "".join(f"<li><b>{value}</b><span>{label}</span></li>" for label, value in zip(COUNTS, values))


def _scale_legend() -> str:
    stops = "".join(
        f'<span class="swatch" style="background:{colour(ratio)};color:{_text_colour(ratio)}">{round(ratio * 100)}%</span>'
        for ratio in (0, 0.25, 0.5, 0.75, 1)
    )
    return (
        f"<span>points / max: {stops}</span>"
        f'<span><span class="swatch" style="background:{NO_GRADE_COLOUR}">—</span> no grade</span>'
        '<span><span class="mark late"></span> late points (the cell\'s tooltip has the on-time points)</span>'
        "<span>dashed: optional, outside the total</span>"
    )


def _flag_legend() -> str:
    return "".join(f"<span>{_badge(flag)} {escape(FLAG_HELP[flag])}</span>" for flag in FLAGS)


def render_html(rows: list[Row], *, course: Course, title: str, generated_at: str) -> str:
    filters = "".join(f'<label><input type="checkbox" value="{flag}"> {flag}</label>' for flag in (FLAG_TAMPERED, FLAG_LATE, FLAG_MISSING))
    return PAGE.format(
        title=escape(title),
        css=CSS + PRACTICE_CSS,
        course=escape(course.name),
        version=escape(course.version),
        generated_at=escape(generated_at.replace("T", " ")),
        counts=_counts(rows),
        scale=_scale_legend(),
        flags=_flag_legend(),
        filters=filters,
        header=_header(course),
        rows="\n".join(_row(row, course) for row in rows),
        practice=practice_table(rows),
        js=JS,
    )
