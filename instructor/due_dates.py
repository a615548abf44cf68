"""Due dates per course week, as instructors write them: `--due 1=2026-10-11` or `--due 1=2026-10-11T23:59+02:00`.

A date without a time means the end of that day in UTC, so "due on the 11th" includes the whole 11th.
"""

from __future__ import annotations

from datetime import datetime, time, timezone

BAD_DUE = "{text!r} is not WEEK=DATE (e.g. 1=2026-10-11 or 1=2026-10-11T23:59+02:00)"
BAD_DATE = "{text!r} is not an ISO 8601 date or date and time (e.g. 2026-10-11 or 2026-10-11T23:59Z)"
TWICE = "week {week} has two due dates"

DueDates = dict[int, datetime]


def parse_moment(text: str) -> datetime:
    """An aware UTC datetime; a bare date is the last second of that day in UTC."""
    cleaned = text.strip()
    if cleaned.endswith(("Z", "z")):
        cleaned = cleaned[:-1] + "+00:00"
    try:
        if "T" not in cleaned.upper() and len(cleaned) == 10:
            day = datetime.fromisoformat(cleaned).date()
            return datetime.combine(day, time(23, 59, 59), tzinfo=timezone.utc)
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        raise ValueError(BAD_DATE.format(text=text)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def parse_due_dates(items: list[str] | None) -> DueDates:
    due: DueDates = {}
    for item in items or []:
        week_text, separator, date_text = item.partition("=")
        if not separator or not week_text.strip().isdigit():
            raise ValueError(BAD_DUE.format(text=item))
        week = int(week_text)
        if week in due:
            raise ValueError(TWICE.format(week=week))
        due[week] = parse_moment(date_text)
    return due


def iso(moment: datetime | None) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z") if moment else ""
