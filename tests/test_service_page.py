"""The service's page in a real browser (Debian's Chromium, driven by Playwright): draw a digit on
the canvas with the mouse, read the answer off the page; upload pictures; nothing is fetched from
outside the service (the page works with no internet)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def digit_service(exported_digits):
    from dlkit.deploy import start_service

    with start_service(exported_digits.files[("litert", "int8")]) as running:
        yield running


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 900, "height": 900})
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(url)
    page.wait_for_selector("body[data-ready='yes']", timeout=20_000)
    return page, requested


def draw(page, points: list[tuple[float, float]]) -> None:
    """One stroke through ``points`` (in the canvas' 280x280 units), with the mouse."""
    box = page.locator("#canvas").bounding_box()
    scale = box["width"] / 280
    page.mouse.move(box["x"] + points[0][0] * scale, box["y"] + points[0][1] * scale)
    page.mouse.down()
    for x, y in points[1:]:
        page.mouse.move(box["x"] + x * scale, box["y"] + y * scale, steps=3)
    page.mouse.up()


def answer_to(page, action) -> str:
    """The label the page shows after ``action`` made it ask the service."""
    with page.expect_response(lambda response: response.url.endswith("/predict"), timeout=20_000):
        action()
    # selectors, not wait_for_function: Playwright evaluates predicates with eval in the page, which
    # the service's Content-Security-Policy (no 'unsafe-eval') rightly refuses
    page.wait_for_selector("#answer:not([data-label=\"\"])[data-label]", timeout=20_000)
    return page.locator("#answer").get_attribute("data-label")


def test_a_digit_drawn_on_the_canvas_is_read_and_shown_as_bars(browser, digit_service):
    page, requested = open_page(browser, digit_service.url)
    assert page.locator("#pad").is_visible()
    assert "digits" in page.locator("#title").inner_text()
    assert answer_to(page, lambda: draw(page, [(150, 40), (150, 240)])) == "1"  # a vertical stroke
    assert page.locator("#bars .bar").count() == 5
    assert "model latency" in page.locator("#latency").inner_text()

    page.click("#clear")
    assert page.locator("#answer").inner_text() == ""
    ring = [
        (140 + 60 * math.sin(t / 20 * 2 * math.pi), 140 - 85 * math.cos(t / 20 * 2 * math.pi))
        for t in range(21)
    ]
    assert answer_to(page, lambda: draw(page, ring)) == "0"  # a ring
    assert all(url.startswith(digit_service.url) or url.startswith("blob:") for url in requested), requested
    page.close()


def test_a_picture_chosen_in_the_page_is_sent_and_a_bad_file_is_explained(
    browser, digit_service, exported_digits, tmp_path
):
    digit = (exported_digits.x_test[5, :, :, 0] * 255).astype("uint8")
    picture = tmp_path / "my_digit.png"
    Image.fromarray(digit).resize((112, 112)).save(picture)
    page, _ = open_page(browser, digit_service.url)
    assert answer_to(page, lambda: page.set_input_files("#file", str(picture))) == str(
        exported_digits.y_test[5]
    )

    not_a_picture = tmp_path / "holiday.png"
    not_a_picture.write_text("this is not a picture")
    page.set_input_files("#file", str(not_a_picture))
    page.wait_for_selector("#error:not(:empty)", timeout=20_000)
    error = page.locator("#error").inner_text()
    assert "holiday.png" in error and "not a picture" in error
    assert page.locator("#answer").inner_text() == ""
    page.close()


def test_a_photo_model_shows_a_drop_zone_and_its_own_class_names(browser, tmp_path):
    from deploy_models import require_deploy

    require_deploy()
    import keras

    from dlkit.deploy import ServingCard, export_model, find_export, start_service

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input(shape=(32, 32, 3)),
            keras.layers.Rescaling(1 / 255),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )
    card = ServingCard(
        "colours", ("red thing", "green thing", "blue thing"), (32, 32, 3), "photo", pixel_scale=255.0
    )
    (exported,) = export_model(model, tmp_path, card, exports=[find_export("keras")])
    photo = tmp_path / "IMG_2041.jpg"
    Image.fromarray(np.full((480, 640, 3), (200, 40, 40), np.uint8)).save(photo)
    with start_service(exported.path) as service:
        page, _ = open_page(browser, service.url)
        assert not page.locator("#pad").is_visible() and page.locator("#drop").is_visible()
        answer_to(page, lambda: page.set_input_files("#file", str(photo)))
        labels = page.locator("#bars .label").all_inner_texts()
        assert sorted(labels) == ["blue thing", "green thing", "red thing"]
        changes = page.locator("#changes").inner_text()  # a JPEG is decoded at a reduced size first
        assert "resized from" in changes and "to 32x32" in changes, changes
        page.close()

