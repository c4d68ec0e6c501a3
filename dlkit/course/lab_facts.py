"""What each lab declares about itself, in its notebook's metadata: one place, read by every tool.

A lab notebook carries a ``"dlkit"`` entry in its metadata (Jupyter keeps it, Colab too)::

    "dlkit": {
      "saves": ["lab03_from_scratch"],        # histories it keeps for later labs (course.results)
      "loads": [],                            # histories it plots from earlier labs
      "extras": [],                           # pip extras of dlkit it needs ("deploy" for lab 05)
      "full_profile_data": ["mnist"],         # registry entries its full profile needs
      "chooses_precision": true,              # calls pick_runtime with bfloat16 allowed on a CPU
      "lesson": "augmentation and dropout beat the network trained from scratch",
      "quick_profile_shows_lesson": false     # too short a run to show it
    }

``dlkit demo`` reads it to order labs (a lab that loads a history waits for the lab that saves
it), to skip a lab whose extra is missing and to settle the bfloat16 measurement first;
``dlkit doctor`` reads which data each full profile needs; the demo's table and report say where
a quick run is too short for the lesson; ``tests/test_lab_facts.py`` checks the declarations
against what the labs' code does. The measured costs are data, not declarations: they live in
``dlkit/instructor/lab_costs.json``, written by ``benchmarks/labs.py``.

Reading needs only the standard library (``json``), so ``dlkit demo`` starts without importing
TensorFlow, nbformat or pooch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path

from dlkit.errors import DlkitError

__all__ = ["METADATA_KEY", "LabFacts", "course_order", "read_lab_facts"]

METADATA_KEY = "dlkit"
LIST_FIELDS = ("saves", "loads", "extras", "full_profile_data")
KNOWN_FIELDS = {*LIST_FIELDS, "chooses_precision", "lesson", "quick_profile_shows_lesson"}


@dataclass(frozen=True)
class LabFacts:
    """One lab's declarations (see the module docstring for the metadata they come from)."""

    name: str  # the notebook's name without .ipynb, e.g. "03_pony_classifier"
    path: Path
    saves: tuple[str, ...] = ()
    loads: tuple[str, ...] = ()
    extras: tuple[str, ...] = ()
    full_profile_data: tuple[str, ...] = ()
    chooses_precision: bool = False
    lesson: str = ""
    quick_profile_shows_lesson: bool = True

    @property
    def number(self) -> str:
        """The lab's two-digit number, "03"."""
        return self.name[:2]


def read_lab_facts(notebook: str | Path) -> LabFacts:
    """The facts ``notebook`` declares; a lab that declares nothing gets the defaults (needs
    nothing, saves nothing). Raises DlkitError, naming the file, for an unreadable notebook or an
    entry of the wrong shape."""
    path = Path(notebook)
    try:
        metadata = json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError, AttributeError) as error:
        raise DlkitError(f"{path}: not a readable notebook ({error})") from None
    declared = metadata.get(METADATA_KEY, {})
    if not isinstance(declared, dict) or not set(declared) <= KNOWN_FIELDS:
        unknown = sorted(set(declared) - KNOWN_FIELDS) if isinstance(declared, dict) else declared
        raise DlkitError(f"{path}: metadata[{METADATA_KEY!r}] has unknown fields {unknown}; "
                         f"known: {sorted(KNOWN_FIELDS)}")
    values = {}
    for field in LIST_FIELDS:
        items = declared.get(field, [])
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise DlkitError(f"{path}: metadata[{METADATA_KEY!r}][{field!r}] must be a list of names, "
                             f"got {items!r}")
        values[field] = tuple(items)
    return LabFacts(
        name=path.stem,
        path=path,
        chooses_precision=bool(declared.get("chooses_precision", False)),
        lesson=str(declared.get("lesson", "")),
        quick_profile_shows_lesson=bool(declared.get("quick_profile_shows_lesson", True)),
        **values,
    )


def course_order(labs: list[LabFacts]) -> dict[str, list[str]]:
    """For each lab (by name), the labs among ``labs`` it must wait for: those that save a history
    it loads. Raises DlkitError when the declarations form a circle (graphlib finds it)."""
    savers: dict[str, list[str]] = {}
    for lab in labs:
        for key in lab.saves:
            savers.setdefault(key, []).append(lab.name)
    waits = {lab.name: sorted({saver for key in lab.loads for saver in savers.get(key, [])} - {lab.name})
             for lab in labs}
    try:
        tuple(TopologicalSorter(waits).static_order())
    except Exception as error:  # graphlib.CycleError
        raise DlkitError(f"the labs' saves and loads form a circle: {error.args[1]}") from None
    return waits
