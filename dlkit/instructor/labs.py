"""The instructor's labs as values: where they are, how a command names them, what each declares.

A ``Lab`` is a notebook path with its declarations read once (``dlkit.course.lab_facts``) and its
measured full-profile cost (``lab_costs.json``, where measured). Every command that takes labs
(``demo``, ``grade``, ``student-copy``), the doctor, the benchmarks and the tests find and choose
them here, with one grammar (``select_labs``):

- nothing: every lab, in course order;
- ``04``, ``4`` or ``04_transfer``: the lab whose name starts so (a number alone, padded);
- ``00-03``: the labs numbered 00 to 03;
- a path to a notebook (``my_labs/09_extra.ipynb``).

A name that matches no lab is an error listing the labs there are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from dlkit.course.lab_facts import LabFacts, read_lab_facts
from dlkit.errors import DlkitError
from dlkit.settings import current

__all__ = ["LAB_PATTERN", "NO_LABS_HELP", "Lab", "as_lab", "find_labs", "labs_folder", "select_labs"]

LAB_PATTERN = "[0-9][0-9]_*.ipynb"
NO_LABS_HELP = (
    "dlkit runs the instructor labs from a checkout of the dlkit repository: run the command inside "
    "it, pass --labs FOLDER, or set DLKIT_LABS_DIR. (The installed package carries no labs, so "
    "that a student's `pip install` never holds the solutions.)"
)
RANGE = re.compile(r"^(\d{1,2})-(\d{1,2})$")


@dataclass(frozen=True)
class Lab:
    """One lab notebook: its path, and what it declares (read once, when first asked)."""

    path: Path

    @property
    def name(self) -> str:
        """The notebook's name without ``.ipynb``: "03_pony_classifier"."""
        return self.path.stem

    @property
    def number(self) -> str:
        """The two-digit number: "03"."""
        return self.name[:2]

    @cached_property
    def facts(self) -> LabFacts:
        return read_lab_facts(self.path)

    def cannot_run(self) -> str | None:
        """Why this Python cannot run the lab (an extra it declares is missing), or None."""
        if "deploy" in self.facts.extras:
            from dlkit.deploy.requirements import missing_for_deploy

            return missing_for_deploy()
        return None

    def __str__(self) -> str:
        return self.name


def as_lab(lab: Lab | str | Path) -> Lab:
    """``lab`` as a ``Lab``: a notebook's path is taken as it is."""
    return lab if isinstance(lab, Lab) else Lab(Path(lab))


def labs_folder() -> Path | None:
    """Where the instructor labs are: ``$DLKIT_LABS_DIR``, the checkout's ``labs/`` beside the
    package (an editable install), or ``labs/`` in the current folder; None when there are none."""
    candidates = [current().labs_dir, Path(__file__).resolve().parents[2] / "labs", Path.cwd() / "labs"]
    for candidate in candidates:
        if candidate and any(Path(candidate).glob(LAB_PATTERN)):
            return Path(candidate)
    return None


def find_labs(folder: Path | None = None) -> list[Lab]:
    """The labs in ``folder`` (default ``labs_folder()``), in course order; empty where there are none."""
    folder = folder or labs_folder()
    return [Lab(path) for path in sorted(Path(folder).glob(LAB_PATTERN))] if folder else []


def _matches(selector: str, labs: list[Lab]) -> list[Lab]:
    if selector.endswith(".ipynb") and Path(selector).is_file():
        return [Lab(Path(selector))]
    bounds = RANGE.match(selector)
    if bounds:
        low, high = (int(bound) for bound in bounds.groups())
        return [lab for lab in labs if lab.number.isdigit() and low <= int(lab.number) <= high]
    if selector.isdigit() and len(selector) == 1:
        selector = f"0{selector}"
    return [lab for lab in labs if lab.name.startswith(selector)]


def select_labs(selectors: list[str] | None, folder: Path | None = None) -> list[Lab]:
    """The labs ``selectors`` name (the module's grammar), in the order named, each once; every lab
    when there are none.

    Raises:
        DlkitError: a selector that matches nothing (the message lists the labs), or no labs at all.
    """
    labs = find_labs(folder)
    nothing_here = f"no lab notebooks (NN_name.ipynb) in {folder}" if folder else NO_LABS_HELP
    if not selectors:
        if not labs:
            raise DlkitError(nothing_here)
        return labs
    chosen: list[Lab] = []
    for selector in selectors:
        matches = _matches(selector, labs)
        if not matches and not labs:
            raise DlkitError(nothing_here)
        if not matches:
            known = ", ".join(lab.name for lab in labs) or "none"
            raise DlkitError(f"no lab matches {selector!r} (labs: {known})")
        chosen += [lab for lab in matches if lab not in chosen]
    return chosen
