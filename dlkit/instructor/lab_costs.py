"""The labs' measured full-profile costs: seconds and peak memory per lab, on a named machine.

``benchmarks/labs.py`` measures them and writes ``lab_costs.json`` beside this module (each lab's
entry is replaced when that lab is measured again, so a partial run keeps the others);
``dlkit doctor`` reads them to estimate how long each lab takes on the machine it runs on. The
figures are never typed in by hand.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

__all__ = ["COSTS_FILE", "LabCost", "read_lab_costs", "record_lab_costs"]

COSTS_FILE = "lab_costs.json"


@dataclass(frozen=True)
class LabCost:
    """One lab's full profile as measured: its wall time on a warm cache, the kernel's peak memory,
    its results, and (where measured) its time on a machine's first run."""

    lab: str  # the notebook's name without .ipynb, e.g. "03_pony_classifier"
    seconds: float
    peak_bytes: float
    cores: int  # of the machine it was measured on
    machine: str
    date: str  # YYYY-MM-DD
    note: str = ""  # e.g. "random weights (DLKIT_PRETRAINED_WEIGHTS=random)"
    headlines: dict[str, str] = field(default_factory=dict)  # what the run printed (course.headlines)
    first_run_seconds: float | None = None  # the same lab on an empty cache (ponies drawn, bfloat16 measured)


def default_costs_path() -> Path:
    return Path(str(resources.files("dlkit.instructor").joinpath(COSTS_FILE)))


def read_lab_costs(path: Path | None = None) -> list[LabCost]:
    """The measured costs in lab order; an empty list when none were recorded."""
    path = path or default_costs_path()
    if not path.is_file():
        return []
    records = json.loads(path.read_text(encoding="utf-8"))
    return [LabCost(**record) for record in sorted(records.values(), key=lambda record: record["lab"])]


def record_lab_costs(costs: list[LabCost], path: Path | None = None) -> Path:
    """Add or replace these labs' entries, keeping every other lab's."""
    path = path or default_costs_path()
    records = {cost.lab: asdict(cost) for cost in read_lab_costs(path)}
    records.update({cost.lab: asdict(cost) for cost in costs})
    path.write_text(json.dumps(dict(sorted(records.items())), indent=2) + "\n", encoding="utf-8")
    return path
