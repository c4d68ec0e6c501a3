"""The README stays a newcomer's page, and the pages it and the site link to stay whole: every
relative link between them reaches a file and, for a heading link, the heading; the reference
lists every environment variable dlkit reads and every command, as `--help` prints it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def github_anchor(heading: str) -> str:
    """The anchor GitHub (and the site, myst_heading_anchors) gives a heading."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.DOTALL)
    return {github_anchor(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def test_the_readme_is_a_newcomers_page_under_12_kb():
    size = len((ROOT / "README.md").read_bytes())
    assert size < 12 * 1024, f"README.md is {size} bytes: long sections belong on the docs pages"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_reaches_its_file_and_heading(page):
    broken = []
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.DOTALL)
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):  # https:, mailto:: not ours to check offline
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target} (no such heading)")
    assert not broken, f"{page.name}: broken links: {broken}"


def test_every_environment_variable_dlkit_reads_is_in_the_reference():
    source = "\n".join(path.read_text() for path in (ROOT / "dlkit").rglob("*.py"))
    read = set(re.findall(r"[\"'](DLKIT_[A-Z_]+)[\"']", source))
    reference = (ROOT / "docs" / "reference.md").read_text()
    listed = set(re.findall(r"^\| `(DLKIT_[A-Z_]+)` \|", reference, re.MULTILINE))
    assert read - listed == set(), f"read by dlkit, missing from docs/reference.md: {sorted(read - listed)}"
    assert listed - read == set(), f"in docs/reference.md, read nowhere in dlkit: {sorted(listed - read)}"


@pytest.mark.skipif(sys.version_info[:2] != (3, 13), reason="argparse's help layout differs between Pythons; "
                    "the page is written on 3.13, the version CI's first step runs")
def test_the_command_line_reference_is_what_help_prints():
    completed = subprocess.run([sys.executable, str(ROOT / "tools" / "cli_reference.py"), "--check"],
                               capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr


def test_the_measurement_tables_are_rendered_from_their_data_files():
    """A figure lives in its benchmark's data file; a page shows it as rendered from there, so a
    hand edit of the page, or a data file updated without rendering, fails here."""
    import json

    import classroom
    import classroom_retrain
    import degradation
    import grading
    import hostile_network
    from rendered_block import read_block

    import labs
    from dlkit.instructor.lab_costs import read_lab_costs

    costs = sorted(read_lab_costs(), key=lambda cost: cost.lab)
    assert read_block(labs.DOCS, labs.BEGIN, labs.END) == labs.figures_table(costs)
    side_by_side = json.loads(labs.SIDE_BY_SIDE.read_text(encoding="utf-8"))
    assert read_block(labs.DOCS, labs.SIDE_BEGIN, labs.SIDE_END) == labs.side_by_side_tables(side_by_side)
    for module in (grading, degradation, classroom, classroom_retrain, hostile_network):
        results = json.loads(module.RESULTS.read_text(encoding="utf-8"))
        expected = module.figures_table(results)
        assert read_block(module.DOCS, module.BEGIN, module.END) == expected, module.__name__
