"""notebooks/INSTRUCTORS.md: the workshop schedule adds up, and agrees with the course map."""

import re
from datetime import datetime

from course_utils.course_map import COURSE_MAP
from notebook_rules import ROOT

GUIDE = ROOT / "notebooks" / "INSTRUCTORS.md"
TIME = re.compile(r"^\d\d:\d\d$")


def schedule():
    """(start, end, session, course-map minutes, planned minutes) per row of the table."""
    rows = []
    for line in GUIDE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and TIME.match(cells[0]) and TIME.match(cells[1]):
            start, end, session, course_map, planned = cells
            rows.append((start, end, session, course_map, planned.split(" min")[0]))
    return rows


def minutes(start, end):
    t0, t1 = (datetime.strptime(t, "%H:%M") for t in (start, end))
    return int((t1 - t0).total_seconds() // 60)


def test_the_day_runs_from_nine_to_five_without_gaps():
    rows = schedule()
    assert rows, "no schedule rows found in INSTRUCTORS.md"
    assert rows[0][0] == "09:00" and rows[-1][1] == "17:00"
    for (_, end, *_), (start, *_) in zip(rows, rows[1:], strict=False):
        assert end == start, f"gap or overlap at {end} / {start}"
    for start, end, session, _, planned in rows:
        assert minutes(start, end) == int(planned), f"{session}: {start}–{end} ≠ {planned} min"


def test_every_notebook_is_scheduled_once_with_the_course_map_minutes():
    rows = schedule()
    for nb in COURSE_MAP:
        hits = [r for r in rows if f"]({nb.file})" in r[2]]
        assert len(hits) == 1, f"{nb.file} appears {len(hits)} times in the schedule"
        course_map_minutes = hits[0][3]
        assert course_map_minutes == f"{nb.teach_min} + {nb.exercise_min} min", (
            f"{nb.file}: the guide says {course_map_minutes!r}; update INSTRUCTORS.md")
        assert int(hits[0][4]) <= nb.teach_min + nb.exercise_min


def test_the_guide_covers_what_instructors_need():
    text = GUIDE.read_text(encoding="utf-8")
    for heading in ("## A one-day schedule", "## When you run late",
                    "## Common learner mistakes", "## Warm up Binder",
                    "## Fix a broken laptop with `doctor()`"):
        assert heading in text, f"missing section {heading!r}"
    for nb in COURSE_MAP:
        assert f"**{nb.file[:2]} " in text, f"no common mistakes for {nb.file}"
    assert "python3 course.py learner-copies" in text


def test_the_guides_relative_links_resolve():
    text = GUIDE.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s#]+)(?:#[^)]*)?\)", text):
        if not re.match(r"^[a-z]+://", target):
            assert (GUIDE.parent / target).resolve().exists(), f"broken link {target}"


def test_the_day_keeps_at_least_30_minutes_of_slack():
    slack = [int(planned) for _, _, session, _, planned in schedule()
             if session.lower().startswith("slack")]
    assert slack and sum(slack) >= 30, "the schedule needs a slack row of 30 minutes or more"
