"""The classroom in a real browser (Debian's Chromium, driven by Playwright): three students draw
on their own pages, two with the mouse on a laptop and one with a finger on a phone's touch screen;
the projector shows all three drawings, the model's answers, the class's accuracy and how each was
drawn as they arrive, and one click hides a drawing. Nothing is fetched from outside the service,
and the instructor key leaves the projector's address bar."""

from __future__ import annotations

import pytest
from deploy_models import require_deploy
from test_service_page import draw

# The tests wait on selectors, not wait_for_function: Playwright evaluates those predicates with
# eval in the page, which the classroom's Content-Security-Policy (no 'unsafe-eval') rightly refuses.

pytestmark = pytest.mark.browser

# Three strokes a class would draw: a 1, a 7 and a 0 (in the canvas' 280x280 units).
STROKES = {
    "1": [[(150, 40), (150, 240)]],
    "7": [[(70, 50), (210, 50), (120, 240)]],
    "0": [[(140, 40), (80, 90), (75, 170), (110, 235), (170, 235), (205, 170), (200, 90), (150, 40)]],
}


@pytest.fixture
def classroom(exported_digits, tmp_path):
    from dlkit.classroom import start_classroom

    with start_classroom(exported_digits.files[("litert", "int8")], session=tmp_path / "session") as running:
        yield running


def draw_with_a_finger(page, points: list[tuple[float, float]]) -> None:
    """One stroke through ``points`` (the canvas' 280x280 units) with a finger on a touch screen:
    Chromium's own touch events (DevTools' Input.dispatchTouchEvent), which the page receives as
    pointer events of pointerType "touch", as on a phone."""
    box = page.locator("#canvas").bounding_box()
    scale = box["width"] / 280
    touch = page.context.new_cdp_session(page)
    at = [{"x": box["x"] + x * scale, "y": box["y"] + y * scale} for x, y in points]
    touch.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [at[0]]})
    for start, end in zip(at, at[1:], strict=False):
        for step in (1, 2, 3):
            point = {axis: start[axis] + (end[axis] - start[axis]) * step / 3 for axis in ("x", "y")}
            touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    touch.detach()


def watch(page) -> list[str]:
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    return requested


def test_three_students_draw_and_the_projector_shows_every_drawing_and_the_accuracy(browser, classroom):
    projector = browser.new_page(viewport={"width": 1280, "height": 800})
    projector_requests = watch(projector)
    projector.goto(classroom.projector_url)
    projector.wait_for_selector("body[data-ready='yes']", timeout=20_000)
    assert "key=" not in projector.url  # the address bar the class sees holds no key
    assert projector.locator("#code").inner_text() == classroom.session.join_code
    assert projector.locator("#accuracy").get_attribute("data-count") == "0"

    students, student_requests = [], []
    for meant, strokes in STROKES.items():
        phone = meant == "7"  # a phone with a touch screen; the others are laptops with a mouse
        size = {"width": 400, "height": 800} if phone else {"width": 1000, "height": 800}
        page = browser.new_page(viewport=size, has_touch=phone, is_mobile=phone)
        student_requests.append(watch(page))
        page.goto(classroom.student_url)
        page.wait_for_selector("body[data-ready='yes']", timeout=20_000)
        for stroke in strokes:
            (draw_with_a_finger if phone else draw)(page, stroke)
        page.locator(f"#labels button[data-label='{meant}']").click()
        with page.expect_response(lambda response: "/api/drawings" in response.url, timeout=20_000):
            page.locator("#send").click()
        page.locator("#answer[data-answer]").wait_for(timeout=20_000)
        students.append((meant, page.locator("#answer").get_attribute("data-answer")))

    projector.locator("#accuracy[data-count='3']").wait_for(timeout=10_000)
    projector.locator("#wall .card:nth-child(3)").wait_for(timeout=10_000)
    cards = projector.locator("#wall .card")
    assert cards.count() == 3
    shown = [cards.nth(i).locator(".what").inner_text() for i in range(3)]
    for meant, answered in students:  # each drawing, what it was meant as and what the model said
        assert any(f"meant {meant} · model {answered} (" in text for text in shown), shown
    right = sum(meant == answered for meant, answered in students)
    accuracy = projector.locator("#accuracy").inner_text()
    assert f"{100 * right / 3:.1f} % right on 3 drawings" == accuracy
    assert projector.locator("#test-accuracy").inner_text() != "–"
    assert projector.locator("#confusion table").count() == 1
    # how each was drawn: the page said so, the session kept it, the projector counts it (too few to
    # give a percentage of one or two drawings)
    assert sorted(d.pointer for d in classroom.session.drawings()) == ["mouse", "mouse", "touch"]
    pointer_rows = projector.locator("#by-pointer tbody tr")
    assert sorted(pointer_rows.nth(i).inner_text().split("\t")[0] for i in range(2)) == [
        "finger on a screen", "mouse"]
    assert "too few to say" in projector.locator("#by-pointer").inner_text()
    images = projector.locator("#wall .card img")
    assert all(images.nth(i).evaluate("image => image.naturalWidth") == 28 for i in range(3))

    # moderation: one click hides a drawing from the wall and from the class's numbers
    projector.locator("#wall .card").first.get_by_role("button", name="hide drawing").click()
    projector.locator("#wall .card:nth-child(3)").wait_for(state="detached", timeout=10_000)
    projector.locator("#accuracy[data-count='2']").wait_for(timeout=10_000)
    assert projector.locator("#wall .card").count() == 2

    origin = classroom.url.rstrip("/")
    for requested in [projector_requests, *student_requests]:
        assert requested and all(url.startswith(origin) for url in requested), requested
    projector.screenshot(path=str(classroom.session.folder / "projector.png"), full_page=True)


def test_a_student_without_the_code_is_asked_for_it_and_a_wrong_one_is_refused(browser, classroom):
    page = browser.new_page(viewport={"width": 400, "height": 800})
    page.goto(classroom.url)
    assert page.locator("#join").is_visible()
    page.locator("#code").fill("WRONG1")
    page.locator("#join button").click()
    page.locator("#error:not(:empty)").wait_for(timeout=10_000)
    assert "wrong join code" in page.locator("#error").inner_text()
    page.locator("#code").fill(classroom.session.join_code.lower())  # typed in lower case on a phone
    page.locator("#join button").click()
    page.wait_for_selector("body[data-ready='yes']", timeout=20_000)
    assert page.locator("#pad").is_visible()


def test_a_photo_classroom_projector_speaks_of_photos(browser, tmp_path):
    """In a classroom of photos the projector says photos where a digit classroom says drawings: the
    class's count, and each picture's description on the wall."""
    require_deploy()
    import io

    import httpx
    import keras
    from PIL import Image

    from dlkit.classroom import start_classroom
    from dlkit.deploy import save_with_card

    layers = [keras.Input(shape=(32, 32, 3)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
              keras.layers.Dense(2, activation="softmax")]
    model = save_with_card(keras.Sequential(layers, name="things"), tmp_path / "things.keras",
                           classes=("mug", "keys"))
    photo = io.BytesIO()
    Image.new("RGB", (120, 80), (180, 90, 40)).save(photo, format="JPEG")
    with start_classroom(model, session=tmp_path / "session") as room:
        with httpx.Client(base_url=room.url, timeout=30) as client:
            for label in ("mug", "keys"):
                sent = client.post(f"api/drawings?code={room.session.join_code}", data={"label": label},
                                   files={"file": ("photo.jpg", photo.getvalue(), "image/jpeg")})
                assert sent.status_code == 200, sent.text
        projector = browser.new_page(viewport={"width": 1280, "height": 800})
        projector.goto(room.projector_url)
        projector.wait_for_selector("body[data-ready='yes']", timeout=20_000)
        assert projector.locator("#accuracy").inner_text().endswith(" right on 2 photos")
        alts = sorted(projector.locator("#wall .card img").nth(i).get_attribute("alt") for i in range(2))
        assert [alt.split(",")[0].split(" ")[0] for alt in alts] == ["photo", "photo"]
        assert sorted(alt.split(", ")[1] for alt in alts) == ["meant as keys", "meant as mug"]
        projector.close()
