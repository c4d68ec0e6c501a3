"""What the demo says beside a quick run that is too short to show its lab's lesson.

A quick run exists to show that every lab runs, in minutes. Some lessons need the full profile's
data and epochs: lab 03's quick run can show augmentation losing to the network trained from
scratch, lab 07's sits near chance. Shown without a word, that teaches the lesson
reversed. Each lab declares its lesson and whether a quick run shows it (``dlkit.course.lab_facts``);
for those it does not, the demo's table and report print this note: the lesson, and what the full
profile printed when ``benchmarks/labs.py`` last measured it, with the date (``lab_costs.json``).
"""

from __future__ import annotations

from pathlib import Path

from dlkit.instructor.lab_costs import LabCost, read_lab_costs
from dlkit.instructor.labs import Lab

__all__ = ["lesson_note"]


def lesson_note(lab: Lab | Path, profile: str, costs: list[LabCost] | None = None) -> str:
    """The note for ``lab`` run in ``profile``; empty where the run shows the lesson itself."""
    facts = (lab if isinstance(lab, Lab) else Lab(Path(lab))).facts
    if profile != "quick" or facts.quick_profile_shows_lesson:
        return ""
    recorded = {cost.lab: cost for cost in (read_lab_costs() if costs is None else costs)}
    lesson = f" ({facts.lesson})" if facts.lesson else ""
    note = f"quick run too short for the lesson{lesson}"
    cost = recorded.get(facts.name)
    if cost is None or not cost.headlines:
        return f"{note}; not measured in the full profile yet (`python benchmarks/labs.py {facts.number}`)"
    shown = "; ".join(f"{name}: {value}" for name, value in cost.headlines.items())
    return f"{note}; the full profile on {cost.date} ({cost.machine}): {shown}"
