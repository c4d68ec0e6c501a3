"""axe-core in a real browser, for the page tests: WCAG 2.0 and 2.1, levels A and AA.

axe-core comes bundled in ``axe-playwright-python`` (the test extra); ``DLKIT_AXE_JS`` names another
copy (``npm install axe-core``: node_modules/axe-core/axe.min.js) to audit with that version.
"""

from __future__ import annotations

import os
from pathlib import Path

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_script() -> str:
    chosen = os.environ.get("DLKIT_AXE_JS")
    if chosen:
        return Path(chosen).read_text(encoding="utf-8")
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


def axe_violations(page) -> list[str]:
    """Every WCAG 2.1 A/AA violation axe finds on ``page`` as it stands, one line each: the rule,
    its impact, how many elements and the first element's selector. The page's context must
    allow the script (``bypass_csp=True`` where the page's policy forbids what axe does)."""
    page.evaluate(axe_script())
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})", WCAG_21_AA)
    return [f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])}×: "
            f"{violation['nodes'][0]['target']} — {violation['help']})"
            for violation in results["violations"]]


def axe_version() -> str:
    return next(line for line in axe_script()[:400].splitlines() if "axe v" in line).strip(" /*!")
