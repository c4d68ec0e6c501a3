"""The course site's own Sphinx extension and HTML pass (used by ``tools/build_site.py``).

- Every figure a lab drew gets its text alternative as ``alt``: myst-nb names a figure's file by the
  SHA-256 of its PNG and reads ``alt`` only from cell metadata, so the builder collects each
  figure's text (``dlkit.figure_text``) by that hash into ``_ext/figure-alts.json`` and this
  extension sets it on the image node. A figure without one gets a build warning (and ``-W`` fails).
- ``keyboard_reachable`` edits the built HTML where the theme leaves WCAG gaps: a code block or
  table that scrolls sideways takes keyboard focus (``tabindex="0"``, WCAG 2.1.1), and furo's
  sidebar captions, marked ``role="heading"``, get the level they stand at (``aria-level="2"``);
  myst-nb's fold of the install cell is named by the words on it (WCAG 2.5.3).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

ALTS_FILE = "figure-alts.json"
SCROLLING_BLOCK = re.compile(r"<pre(?![^>]*\btabindex=)")
OUTPUT_TABLE = re.compile(
    r'<div class="(output text_html|cell_output[^"]*|table-wrapper[^"]*)"(?![^>]*\btabindex=)')
HEADING_WITHOUT_LEVEL = re.compile(r'role="heading"(?![^>]*\baria-level=)')
# myst-nb's fold ("Show code cell source") names itself "Toggle hidden content" to a screen reader:
# a name that is not the words on it fails WCAG 2.5.3 (a voice user says what they see)
FOLD_LABEL = re.compile(r'<summary aria-label="[^"]*">')


# MathJax 2 tests whether its web fonts have loaded against a font it declares at about:blank, which
# a page opened from a folder (file://) reports as a failed load; a serif serves the test as well.
MATHJAX_FONT_TEST = ("MathJax.Hub.Register.StartupHook('HTML-CSS Jax Ready', function () {"
                     " MathJax.OutputJax['HTML-CSS'].webFontDefault = 'serif'; });")


def setup(app) -> dict:
    app.connect("doctree-read", describe_figures)
    app.add_js_file(None, type="text/x-mathjax-config", body=MATHJAX_FONT_TEST)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def describe_figures(app, doctree) -> None:
    from docutils import nodes
    from sphinx.util import logging

    alts = json.loads((Path(app.srcdir) / "_ext" / ALTS_FILE).read_text())
    for image in doctree.findall(nodes.image):
        stem = Path(image.get("uri", "")).stem
        if alts.get(stem):
            image["alt"] = alts[stem]
        elif re.fullmatch(r"[0-9a-f]{64}", stem):  # a notebook's figure with no text alternative
            logging.getLogger(__name__).warning(f"a figure on {app.env.docname} has no text alternative",
                                                location=image)


def keyboard_reachable(site: Path) -> int:
    """Make every page's scrolling blocks focusable, its sidebar captions proper headings and its
    folds named by their words; the number of pages changed."""
    changed = 0
    for page in site.rglob("*.html"):
        if "_static" in page.parts:
            continue
        html = page.read_text(encoding="utf-8")
        edited = SCROLLING_BLOCK.sub('<pre tabindex="0"', html)
        edited = OUTPUT_TABLE.sub(lambda found: found.group(0) + ' tabindex="0"', edited)
        edited = HEADING_WITHOUT_LEVEL.sub('role="heading" aria-level="2"', edited)
        edited = FOLD_LABEL.sub("<summary>", edited)
        if edited != html:
            page.write_text(edited, encoding="utf-8")
            changed += 1
    return changed
