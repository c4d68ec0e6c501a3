"""The built course site, opened page by page in headless Chromium: no console error, nothing
asked of another host (the site must work offline), no image that fails to show, and every lab
page shows its figures. The site is built by `python tools/build_site.py` (CI builds it from its
full-profile notebooks, then runs this with DLKIT_SITE_DIR); without a built site these tests are
skipped, or fail where DLKIT_REQUIRE_SITE=1."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

LABS = sorted(path.stem for path in (Path(__file__).resolve().parents[1] / "labs").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def site() -> Path:
    folder = os.environ.get("DLKIT_SITE_DIR")
    if not folder or not (Path(folder) / "index.html").is_file():
        if os.environ.get("DLKIT_REQUIRE_SITE") == "1":
            pytest.fail(f"DLKIT_REQUIRE_SITE=1 but no built site at DLKIT_SITE_DIR={folder!r}")
        pytest.skip("no built site (python tools/build_site.py, then DLKIT_SITE_DIR=build/site)")
    return Path(folder).resolve()


def pages(site: Path) -> list[Path]:
    return sorted(path for path in site.rglob("*.html") if "_static" not in path.parts)


def visit(browser, page_path: Path) -> dict:
    """Open one page from disk; what went wrong on it, and how many images it shows."""
    page = browser.new_page()
    problems = {"console": [], "foreign": [], "failed": []}
    page.on("console", lambda message: message.type == "error" and problems["console"].append(message.text))
    page.on("pageerror", lambda error: problems["console"].append(str(error)))
    page.on("requestfailed", lambda request: problems["failed"].append(request.url))

    def route(route):
        if urlparse(route.request.url).scheme in ("file", "data", "blob", "about"):
            route.continue_()
        else:  # the site must not need the network: refuse, and remember who asked
            problems["foreign"].append(route.request.url)
            route.abort()

    page.route("**/*", route)
    page.goto(page_path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)  # MathJax typesets after load
    images = page.eval_on_selector_all(
        "img", "images => images.map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0])"
    )
    problems["broken images"] = [source for source, shown in images if not shown]
    figures = page.eval_on_selector_all(".cell_output img", "xs => xs.filter(i => i.naturalWidth > 0).length")
    problems["figures"] = figures  # pictures a notebook cell drew (not the Colab badge)
    page.close()
    return problems


def test_every_page_opens_offline_without_an_error_or_a_broken_image(browser, site):
    found = {}
    for page_path in pages(site):
        problems = visit(browser, page_path)
        bad = {key: value for key, value in problems.items() if key != "figures" and value}
        if bad:
            found[str(page_path.relative_to(site))] = bad
    assert not found, f"pages with problems: {found}"


@pytest.mark.parametrize("lab", LABS)
def test_every_lab_has_a_page_that_shows_its_figures(browser, site, lab):
    page_path = site / "labs" / f"{lab}.html"
    assert page_path.is_file(), f"no page for {lab}"
    assert "Follows the lecture decks" in page_path.read_text(encoding="utf-8"), f"{lab}'s page names no deck"
    problems = visit(browser, page_path)
    assert problems["figures"] >= 1, f"{lab}'s page shows no figure"
    assert not problems["broken images"]


def test_lab_04_shows_transfer_learning_with_imagenet_weights(browser, site):
    page = browser.new_page()
    page.goto((site / "labs" / "04_transfer_learning_vgg16.html").as_uri())
    text = page.inner_text("article[role=main]")
    page.close()
    assert "random weights" not in text.lower()
    assert "Lesson measured: all three approaches beat" in text and "tiger_cat" in text


def test_the_api_reference_documents_what_the_labs_import(browser, site):
    page = browser.new_page()
    page.goto((site / "api.html").as_uri())
    text = page.inner_text("article[role=main]")
    page.close()
    for name in ("load_mnist", "load_image_folder", "plot_history", "pick_runtime", "ValidateOnFeatures"):
        assert name in text, f"the API reference does not document {name}"
