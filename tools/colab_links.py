"""Write the Colab badges and the short setup cell into every lab, and the badges into the README.

The project's repository URL lives in one place, ``[project.urls] Repository`` in pyproject.toml,
and its version in ``[project] version``. This script writes both into each lab's badge (under the
title) and into the README's table of badges, and makes each lab's first code cell the short setup
cell (``dlkit.instructor.publish.SETUP_CELL``): the cell that installs dlkit is added only to the
copies students open (``dlkit student-copy``, the release). Badges open the release's student
copies, tag ``v<version>-student`` (solutions replaced by exercises, the install cell installing
``v<version>``, never ``main``), so a student who clicks one never sees the instructor's labs
(``tools/release.py`` cuts a release, writes that tag and reruns this).
``--check`` changes nothing and exits 1 when a lab or the README is out of date (the test suite
runs it).

    python tools/colab_links.py            # rewrite labs/*.ipynb and README.md
    python tools/colab_links.py --check
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

from dlkit.instructor.publish import SETUP_CELL, is_setup_cell

ROOT = Path(__file__).resolve().parents[1]
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
BADGE_LINE = re.compile(r"^\[!\[Open In Colab\]\(.*$", re.MULTILINE)
README_START, README_END = "<!-- colab-badges -->", "<!-- /colab-badges -->"
PLACEHOLDER = "https://github.com/your-org/dlkit"  # until the project is public


def is_placeholder(repo: str) -> bool:
    """Whether ``repo`` is still the placeholder URL, from which no student can install anything."""
    return repo.rstrip("/") == PLACEHOLDER


def repository() -> str:
    """``[project.urls] Repository`` from pyproject.toml (read with a pattern: tomllib needs 3.11)."""
    found = re.search(r'^Repository\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)
    if found is None:
        raise SystemExit('pyproject.toml has no [project.urls] Repository = "https://github.com/..."')
    return found.group(1).rstrip("/")


def version() -> str:
    """``[project] version`` from pyproject.toml."""
    found = re.search(r'^version\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)
    if found is None:
        raise SystemExit('pyproject.toml has no [project] version = "..."')
    return found.group(1)


def release_tag(release_version: str | None = None) -> str:
    """The git tag of a release: ``v`` and the version."""
    return f"v{release_version or version()}"


def student_tag(release_version: str | None = None) -> str:
    """The git tag of a release's student copies (solutions replaced by exercises), which badges open."""
    return f"{release_tag(release_version)}-student"


def colab_url(repo: str, lab: Path, ref: str) -> str:
    github_path = repo.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{github_path}/blob/{ref}/labs/{lab.name}"


def badge(repo: str, lab: Path, ref: str) -> str:
    return f"[![Open In Colab]({BADGE_IMAGE})]({colab_url(repo, lab, ref)})"


def updated_lab(notebook, repo: str, lab: Path, badge_ref: str):
    """``notebook`` with its badge (under the title, opening ``badge_ref``) and its short setup cell
    (the first code cell) current."""
    title = notebook.cells[0]
    if BADGE_LINE.search(title.source):
        title.source = BADGE_LINE.sub(badge(repo, lab, badge_ref), title.source)
    else:
        heading, _, rest = title.source.partition("\n")
        title.source = f"{heading}\n\n{badge(repo, lab, badge_ref)}\n{rest}"
    second = notebook.cells[1] if len(notebook.cells) > 1 else None
    if second is not None and is_setup_cell(second):
        second.source = SETUP_CELL
    else:
        notebook.cells.insert(1, nbformat.v4.new_code_cell(SETUP_CELL))
    return notebook


def updated_readme(text: str, repo: str, labs: list[Path], ref: str) -> str:
    rows = "\n".join(f"| {lab.stem} | {badge(repo, lab, ref)} |" for lab in labs)
    table = f"{README_START}\n| lab | open in Colab |\n|---|---|\n{rows}\n{README_END}"
    pattern = re.compile(re.escape(README_START) + ".*?" + re.escape(README_END), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"README.md has no {README_START} ... {README_END} block to fill")
    return pattern.sub(lambda _: table, text)


def stale_files(write: bool) -> list[str]:
    """The labs and README that differ from what this script writes; rewrites them if ``write``."""
    repo, badge_ref = repository(), student_tag()
    labs = sorted((ROOT / "labs").glob("[0-9][0-9]_*.ipynb"))
    stale = []
    for lab in labs:
        original = lab.read_text()
        notebook = updated_lab(nbformat.reads(original, as_version=4), repo, lab, badge_ref)
        if nbformat.writes(notebook) + "\n" != original:
            stale.append(str(lab.relative_to(ROOT)))
            if write:
                nbformat.write(notebook, lab)
    readme = ROOT / "README.md"
    text = readme.read_text()
    new_text = updated_readme(text, repo, labs, badge_ref)
    if new_text != text:
        stale.append("README.md")
        if write:
            readme.write_text(new_text)
    return stale


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report stale files, change nothing")
    args = parser.parse_args()
    stale = stale_files(write=not args.check)
    for path in stale:
        print(f"{'out of date' if args.check else 'updated'}: {path}")
    if is_placeholder(repository()):
        print(f"note: pyproject.toml's Repository is still the placeholder {PLACEHOLDER}; the labs' "
              "install cells and badges work once it is the real URL.")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
