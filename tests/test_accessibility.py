"""Every page dlkit serves or writes meets WCAG 2.1 AA, in a real browser (Debian's Chromium driven by
Playwright): axe-core finds no A or AA violation on the classroom's student and projector pages,
`dlkit serve`'s page, the demo report and a grading feedback page; each is used with the keyboard
alone as its users would (a student joins, uploads a picture, chooses its label and sends it; an
instructor hides a drawing; a visitor uploads on the serve page); and right and wrong are told
apart by more than colour, checked with Chromium's deuteranopia simulation on."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pytest
from accessibility import axe_violations  # tests/ is on the path
from PIL import Image

pytestmark = pytest.mark.browser


@pytest.fixture
def classroom(exported_digits, tmp_path):
    from dlkit.classroom import start_classroom

    with start_classroom(exported_digits.files[("litert", "int8")], session=tmp_path / "session") as running:
        yield running


@pytest.fixture(scope="module")
def context(browser):
    """Pages whose Content-Security-Policy would refuse axe's injected script let it run: the audit
    only reads the page."""
    with browser.new_context(bypass_csp=True, viewport={"width": 1000, "height": 900}) as opened:
        yield opened


def digit_picture(exported_digits, index: int, folder: Path) -> Path:
    path = folder / f"digit-{index}.png"
    digit = Image.fromarray((exported_digits.x_test[index, :, :, 0] * 255).astype(np.uint8))
    digit.resize((112, 112)).save(path)
    return path


def focused(page) -> str:
    """The focused element as ``tag#id[data-label]``: what a keyboard user is on."""
    return page.evaluate("""() => { const e = document.activeElement;
        return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
               (e.dataset && e.dataset.label ? '[' + e.dataset.label + ']' : '') +
               (e.getAttribute('aria-label') ? '{' + e.getAttribute('aria-label') + '}' : ''); }""")


def tab_to(page, wanted: str, presses: int = 60) -> None:
    """Press Tab until the focused element's description contains ``wanted`` (as ``focused``)."""
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        now = focused(page)
        if wanted in now:
            return
        seen.append(now)
    raise AssertionError(f"Tab never reached {wanted!r}; it went through {seen}")


def choose_file_from_focus(page, picture: Path) -> None:
    """Choose ``picture`` in the file input the keyboard is on, as a keyboard user would with Enter
    or Space and the system's file dialog.

    The dialog is the browser's, and whether it opens for a key press is the browser's doing: in
    CI's Chromium a key press on a focused file input never raised Playwright's "filechooser" event
    though the same press did here. What the page itself decides, and what is checked here, is
    that the control the keyboard reached is a native, enabled file input shown on screen (not one
    hidden behind a styled label, which a keyboard cannot open); the file then goes into it."""
    focus = page.locator(":focus")
    state = focus.evaluate("""e => { const box = e.getBoundingClientRect(), style = getComputedStyle(e);
        return {tag: e.tagName.toLowerCase(), type: e.type, disabled: e.disabled,
                shown: box.width > 0 && box.height > 0 && style.visibility === 'visible'
                       && Number(style.opacity) > 0}; }""")
    assert state == {"tag": "input", "type": "file", "disabled": False, "shown": True}, state
    focus.set_input_files(str(picture))


def test_a_student_joins_uploads_labels_and_sends_with_the_keyboard_alone(context, classroom, exported_digits,
                                                                          tmp_path):
    page = context.new_page()
    page.goto(classroom.url)  # the join form: no code in the address
    assert axe_violations(page) == []
    tab_to(page, "input#code")
    page.keyboard.type(classroom.session.join_code)
    page.keyboard.press("Enter")
    page.wait_for_selector("body[data-ready='yes']", timeout=20_000)
    assert axe_violations(page) == []

    meant = str(exported_digits.y_test[3])
    tab_to(page, "input#file")
    choose_file_from_focus(page, digit_picture(exported_digits, 3, tmp_path))
    tab_to(page, f"button[{meant}]")
    page.keyboard.press("Enter")
    chosen = page.locator(f"#labels button[data-label='{meant}']")
    assert chosen.get_attribute("aria-pressed") == "true"  # a screen reader hears "pressed"
    assert page.locator("#labels button[aria-pressed='true']").count() == 1
    tab_to(page, "button#send")
    with page.expect_response(lambda response: "/api/drawings" in response.url, timeout=20_000):
        page.keyboard.press("Enter")
    page.locator("#answer[data-answer]").wait_for(timeout=20_000)
    said = page.locator("#answer").inner_text()
    right = page.locator("#answer").get_attribute("data-answer") == meant
    assert said.startswith("✓ " if right else "✗ "), said  # right or wrong in words, not only in colour
    assert classroom.session.drawings()[0].pointer == "file"  # the class's numbers know how it was made
    assert axe_violations(page) == []

    # the student takes it back: the browser's own confirmation, then it is gone from the session
    page.once("dialog", lambda dialog: dialog.accept())
    tab_to(page, "button#take-back")
    page.keyboard.press("Enter")
    page.locator("#taken", has_text="1 drawing deleted.").wait_for(timeout=20_000)
    assert classroom.session.drawings() == []
    page.close()


def test_the_instructor_hides_a_drawing_with_the_keyboard_and_the_projector_passes_axe(context, classroom,
                                                                                     exported_digits):
    for index in (0, 1, 2):  # three drawings from three devices
        send(classroom, digit_picture_bytes(exported_digits, index), str(exported_digits.y_test[index]))
    projector = context.new_page()
    projector.goto(classroom.projector_url)
    projector.locator("#wall .card:nth-child(3)").wait_for(timeout=20_000)
    assert axe_violations(projector) == []
    tab_to(projector, "{hide drawing")
    projector.keyboard.press("Enter")
    projector.locator("#wall .card:nth-child(3)").wait_for(state="detached", timeout=10_000)
    assert projector.locator("#wall .card").count() == 2
    projector.close()


def test_right_and_wrong_differ_by_more_than_colour_under_deuteranopia(context, classroom, exported_digits):
    right_label = str(exported_digits.y_test[0])
    wrong_label = str((exported_digits.y_test[1] + 1) % 10)  # meant as something it is not
    send(classroom, digit_picture_bytes(exported_digits, 0), right_label)
    send(classroom, digit_picture_bytes(exported_digits, 1), wrong_label)
    projector = context.new_page()
    session = context.new_cdp_session(projector)
    session.send("Emulation.setEmulatedVisionDeficiency", {"type": "deuteranopia"})
    projector.goto(classroom.projector_url)
    projector.locator("#wall .card:nth-child(2)").wait_for(timeout=20_000)
    cards = {}
    for index in range(2):
        card = projector.locator("#wall .card").nth(index)
        cards["wrong" if "wrong" in card.get_attribute("class") else "right"] = card
    assert set(cards) == {"right", "wrong"}
    assert cards["right"].locator(".what").inner_text().startswith("✓ ")
    assert cards["wrong"].locator(".what").inner_text().startswith("✗ ")
    style = "card => getComputedStyle(card).borderTopStyle"
    assert cards["right"].evaluate(style) != cards["wrong"].evaluate(style)  # a shape, not only a hue
    right_cell = projector.locator("#confusion td.diagonal").first
    wrong_cell = projector.locator("#confusion td.off").first
    assert right_cell.evaluate("cell => getComputedStyle(cell).fontWeight") == "700"
    assert wrong_cell.evaluate("cell => getComputedStyle(cell).fontStyle") == "italic"
    assert "Bold on the diagonal" in projector.locator("#confusion").locator("xpath=..").inner_text()
    assert axe_violations(projector) == []
    projector.close()


def send(classroom, png: bytes, label: str) -> None:
    """A drawing sent as a student's page sends it."""
    import httpx

    with httpx.Client(base_url=classroom.url, timeout=30) as client:
        answer = client.post(f"api/drawings?code={classroom.session.join_code}",
                             files={"file": ("drawing.png", png, "image/png")}, data={"label": label})
    assert answer.status_code == 200, answer.text


def digit_picture_bytes(exported_digits, index: int) -> bytes:
    import io

    buffer = io.BytesIO()
    Image.fromarray((exported_digits.x_test[index, :, :, 0] * 255).astype(np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_visitor_uploads_on_the_serve_page_with_the_keyboard_alone(context, exported_digits, tmp_path):
    from dlkit.deploy import start_service

    with start_service(exported_digits.files[("litert", "int8")]) as service:
        page = context.new_page()
        page.goto(service.url)
        page.wait_for_selector("body[data-ready='yes']", timeout=20_000)
        assert axe_violations(page) == []
        tab_to(page, "input#file")
        with page.expect_response(lambda response: response.url.endswith("/predict"), timeout=20_000):
            choose_file_from_focus(page, digit_picture(exported_digits, 5, tmp_path))
        page.wait_for_selector("#answer:not([data-label=\"\"])[data-label]", timeout=20_000)
        assert page.locator("#answer").get_attribute("data-label") == str(exported_digits.y_test[5])
        assert axe_violations(page) == []
        page.close()


def test_the_demo_report_passes_axe_and_describes_its_figures(context, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from dlkit.instructor.demo import LabResult
    from dlkit.instructor.machine import Machine
    from dlkit.instructor.report import write_report
    from dlkit.plots import plot_history

    class History:  # what model.fit returns, as plot_history reads it
        history = {"accuracy": [0.61, 0.83, 0.9], "val_accuracy": [0.58, 0.8, 0.86],
                   "loss": [1.2, 0.6, 0.4], "val_loss": [1.3, 0.7, 0.5]}

    figure = plot_history(History())
    path = tmp_path / "cell07-0.png"
    figure.savefig(path)
    path.with_suffix(".txt").write_text(figure.description, encoding="utf-8")  # as dlkit demo writes it
    results = [LabResult("01_mnist_dense", "ok", 12.3, {"Test accuracy": "0.9785"}, tmp_path / "01.ipynb",
                         [path], 1_150_000_000),
               LabResult("02_mnist_cnn", "failed: RuntimeError: the model diverged", 75.0, {},
                         tmp_path / "02.ipynb", [], None)]
    machine = Machine("Linux 6.1 (x86_64), Python 3.11.7", "Test CPU", 2, 24 * 2**30, [], None)
    report = write_report(results, tmp_path / "report", machine, "quick", datetime.datetime(2026, 12, 7, 9))
    page = context.new_page()
    page.goto(report.as_uri())
    alt = page.locator("img.figure").first.get_attribute("alt")
    assert "accuracy" in alt and "0.86" in alt and ".png" not in alt, alt
    assert axe_violations(page) == []
    page.close()


def test_a_feedback_page_passes_axe(context, tmp_path):
    from dlkit.instructor.grading.feedback import write_feedback
    from dlkit.instructor.grading.records import ExerciseResult, GradeResult

    result = GradeResult("ann", "ann/lab00.ipynb", "0" * 64, "timeout", "cell 4 ran past 600 s",
                         [ExerciseResult("conv2d_valid", 1, "✓ matches the reference"),
                          ExerciseResult("max_pool", 0, "✗ the pooled map's shape is (3, 3), not (2, 2)")],
                         "bubblewrap", 12.0, notes=["a note for the student"])
    page = context.new_page()
    page.goto(write_feedback(tmp_path / "feedback", result, "00_foundations").as_uri())
    assert axe_violations(page) == []
    page.close()
