"""`dlkit classroom` over real HTTP: uvicorn on a free loopback port, real clients. The class's
drawings are stored before the answer, survive a restart and export as an image folder; a
classroom is a hostile network, so every kind of bad request gets a 4xx with a one-line reason and
the next good one still works."""

from __future__ import annotations

import json
import sqlite3
import threading
import time

import numpy as np
import pytest
from deploy_models import require_deploy

pytestmark = pytest.mark.training

httpx = pytest.importorskip("httpx")


@pytest.fixture(scope="module")
def digits_model(exported_digits):
    return exported_digits.files[("keras", "float32")]


@pytest.fixture(scope="module")
def drawings():
    from dlkit.course.mouse_digits import mouse_drawn_digits

    return mouse_drawn_digits(per_class=3, seed=5)


@pytest.fixture
def classroom(digits_model, tmp_path):
    require_deploy()
    from dlkit.classroom import RateLimit, start_classroom

    generous = RateLimit(per_minute=600, burst=40)  # these tests send fast, from one address
    with start_classroom(digits_model, session=tmp_path / "session", rate_limit=generous,
                         max_upload_bytes=100_000) as running:
        yield running


def send(client, classroom, png: bytes, label: str, code: str | None = None, address: str | None = None):
    code = classroom.session.join_code if code is None else code
    return client.post(f"api/drawings?code={code}", files={"file": ("drawing.png", png, "image/png")},
                       data={"label": label})


def key_of(classroom) -> dict:
    return {"X-Instructor-Key": classroom.session.instructor_key}


def test_a_drawing_is_answered_stored_shown_and_exported(classroom, drawings, tmp_path):
    from dlkit.data.image_folder import load_image_folder

    with httpx.Client(base_url=classroom.url, timeout=30) as client:
        answers = [send(client, classroom, png, label) for png, label in drawings[:12]]
        assert all(answer.status_code == 200 for answer in answers), [a.text for a in answers]
        first = answers[0].json()
        assert first["label"] == drawings[0][1] and first["answer"] == first["top"][0]["label"]
        assert abs(sum(row["probability"] for row in first["top"])) <= 1.0001
        wall = client.get("api/wall", headers=key_of(classroom)).json()
    assert [d["id"] for d in wall["drawings"]] == sorted((a.json()["id"] for a in answers), reverse=True)
    right = sum(a.json()["correct"] for a in answers)
    assert wall["stats"]["count"] == 12 and wall["stats"]["correct"] == right
    assert sum(sum(row.values()) for row in wall["stats"]["confusion"].values()) == 12
    # stored: the row and the picture (as the model saw it: 28x28 grey) are on disk
    rows = sqlite3.connect(classroom.session.folder / "classroom.sqlite").execute(
        "SELECT COUNT(*) FROM drawings").fetchone()[0]
    assert rows == 12 and len(list((classroom.session.folder / "pictures").glob("*.png"))) == 12

    from dlkit.classroom import export_session

    counts = export_session(classroom.session.folder, tmp_path / "export")
    assert sum(counts.values()) == 12
    dataset = load_image_folder(tmp_path / "export", image_size=(28, 28), shuffle=False)
    images = np.concatenate([batch for batch, _ in dataset])
    assert images.shape == (12, 28, 28, 3)
    assert images.max() > 200 and np.median(images) < 10  # white ink on black, as MNIST


def test_the_session_survives_a_restart_with_its_code_key_and_drawings(digits_model, drawings, tmp_path):
    require_deploy()
    from dlkit.classroom import start_classroom

    with start_classroom(digits_model, session=tmp_path / "s") as first:
        with httpx.Client(base_url=first.url, timeout=30) as client:
            sent = send(client, first, *drawings[0]).json()
        code, key = first.session.join_code, first.session.instructor_key
    with start_classroom(digits_model, session=tmp_path / "s") as again:
        assert (again.session.join_code, again.session.instructor_key) == (code, key)
        with httpx.Client(base_url=again.url, timeout=30) as client:
            wall = client.get("api/wall", headers=key_of(again)).json()
            assert [d["id"] for d in wall["drawings"]] == [sent["id"]]
            assert client.get(f"api/pictures/{sent['id']}.png", headers=key_of(again)).status_code == 200


def test_hiding_a_drawing_takes_it_off_the_wall_the_accuracy_and_the_export(classroom, drawings, tmp_path):
    from dlkit.classroom import export_session

    with httpx.Client(base_url=classroom.url, timeout=30) as client:
        ids = [send(client, classroom, png, label).json()["id"] for png, label in drawings[:3]]
        hidden = client.post(f"api/drawings/{ids[1]}/hide", headers=key_of(classroom))
        assert hidden.status_code == 200
        wall = client.get("api/wall", headers=key_of(classroom)).json()
        assert [d["id"] for d in wall["drawings"]] == [ids[2], ids[0]] and wall["stats"]["count"] == 2
        assert client.post("api/drawings/999/hide", headers=key_of(classroom)).status_code == 404
    assert sum(export_session(classroom.session.folder, tmp_path / "out").values()) == 2


def test_a_student_takes_back_what_their_page_sent_and_nobody_elses(classroom, drawings):
    """Two students behind one address (a school's proxy): each page sends its own random token,
    and taking back deletes that page's drawings (rows and pictures) and nothing of the other's."""
    mine, theirs = "a" * 32, "b" * 32
    code = classroom.session.join_code
    with httpx.Client(base_url=classroom.url, timeout=30) as client:
        def sent(png, label, owner):
            return client.post(f"api/drawings?code={code}", files={"file": ("drawing.png", png, "image/png")},
                               data={"label": label, "owner": owner}).json()["id"]

        my_ids = [sent(png, label, mine) for png, label in drawings[:3]]
        their_ids = [sent(png, label, theirs) for png, label in drawings[3:5]]
        anonymous = send(client, classroom, *drawings[5]).json()["id"]  # a page that sent no token

        def take_back(owner=None, given=code):
            headers = {"X-Dlkit-Owner": owner} if owner else {}
            return client.delete(f"api/my-drawings?code={given}", headers=headers)

        assert take_back().status_code == 400  # no token
        assert take_back("x").status_code == 400  # not one a page makes
        assert take_back(mine, given="WRONG1").status_code == 403
        taken = take_back(mine)
        assert taken.status_code == 200 and taken.json() == {"deleted": 3}
        wall = client.get("api/wall", headers=key_of(classroom)).json()
        assert sorted(d["id"] for d in wall["drawings"]) == sorted([*their_ids, anonymous])
        assert wall["stats"]["count"] == 3
        assert take_back(mine).json() == {"deleted": 0}
    assert not any(classroom.session.picture_path(i).exists() for i in my_ids)
    assert all(classroom.session.picture_path(i).exists() for i in [*their_ids, anonymous])
    with sqlite3.connect(classroom.session.folder / "classroom.sqlite") as database:
        stored = database.execute("SELECT owner FROM drawings").fetchall()
    assert len(stored) == 3 and not any(mine in owner or theirs in owner for (owner,) in stored)  # hashed


def test_the_feed_sends_the_wall_then_each_new_drawing_as_it_is_stored(classroom, drawings):
    events: list[tuple[str, dict, float]] = []

    def listen():
        with httpx.Client(base_url=classroom.url, timeout=30) as client:
            with client.stream("GET", "api/feed", headers=key_of(classroom)) as stream:
                kind = None
                for line in stream.iter_lines():
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: "):
                        events.append((kind, json.loads(line[6:]), time.perf_counter()))
                        if kind == "stats" and events[-1][1]["stats"]["count"] == 2:
                            return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    deadline = time.monotonic() + 10
    while not events and time.monotonic() < deadline:
        time.sleep(0.02)
    sent_at = []
    with httpx.Client(base_url=classroom.url, timeout=30) as client:
        for png, label in drawings[:2]:
            sent_at.append(time.perf_counter())
            assert send(client, classroom, png, label).status_code == 200
    listener.join(timeout=10)
    kinds = [kind for kind, _, _ in events]
    assert kinds[0] == "wall" and kinds.count("drawing") == 2 and kinds[-1] == "stats"
    drawings_shown = [(data, arrived) for kind, data, arrived in events if kind == "drawing"]
    assert [data["label"] for data, _ in drawings_shown] == [label for _, label in drawings[:2]]
    # each drawing's event comes after its send (how soon is benchmarks/classroom.py's to measure)
    assert all(arrived > sent for (_, arrived), sent in zip(drawings_shown, sent_at, strict=True))


HOSTILE = [
    # (what, request builder, status, words in the reason)
    ("no join code", lambda c, r, png: c.post("api/drawings", files={"file": ("d.png", png)},
                                              data={"label": "1"}), 401, "join code"),
    ("a wrong join code", lambda c, r, png: c.post("api/drawings?code=AAAAAA", files={"file": ("d.png", png)},
                                                   data={"label": "1"}), 403, "wrong join code"),
    ("a label that is no class", lambda c, r, png: send(c, r, png, "eleven"), 422,
     "not one of the model's classes"),
    ("no label", lambda c, r, png: c.post(f"api/drawings?code={r.session.join_code}",
                                          files={"file": ("d.png", png)}), 400, "label"),
    ("a label sent as a file", lambda c, r, png: c.post(f"api/drawings?code={r.session.join_code}",
                                                        files={"file": ("d.png", png), "label": ("x", b"1")}),
     400, "files"),
    ("text, not a picture", lambda c, r, png: send(c, r, b"hello, I am not a PNG", "1"), 400, "d"),
    ("a truncated picture", lambda c, r, png: send(c, r, png[: len(png) // 2], "1"), 400, ""),
    ("an oversized body", lambda c, r, png: send(c, r, b"\x89PNG" + bytes(200_000), "1"), 413, "limit"),
    ("JSON instead of a form", lambda c, r, png: c.post(f"api/drawings?code={r.session.join_code}",
                                                        json={"label": "1"}), 415, "not accepted"),
    ("a blank canvas", lambda c, r, png: send(c, r, _blank_png(), "1"), 422, "blank"),
    ("the wall without the key", lambda c, r, png: c.get("api/wall"), 401, "instructor key"),
    ("the wall with a wrong key", lambda c, r, png: c.get("api/wall?key=guess"), 403, "wrong instructor key"),
    ("moderation without the key", lambda c, r, png: c.post("api/drawings/1/hide"), 401, "instructor key"),
    ("the feed with a wrong key", lambda c, r, png: c.get("api/feed?key=nope"), 403, "wrong instructor key"),
    ("a picture id that is text", lambda c, r, png: c.get("api/pictures/abc.png", headers=key_of(r)), 422,
     "drawing_id"),
    ("a drawing id that is text", lambda c, r, png: c.post("api/drawings/x/hide", headers=key_of(r)), 422,
     "drawing_id"),
    ("a drawing id past SQLite's integers", lambda c, r, png: c.post(f"api/drawings/{10**30}/hide",
                                                                     headers=key_of(r)), 404, "no drawing"),
    ("a picture id past SQLite's integers", lambda c, r, png: c.get(f"api/pictures/{10**30}.png",
                                                                    headers=key_of(r)), 404, "no drawing"),
]


def _blank_png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("L", (280, 280), 0).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("what, request_of, status, words", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_bad_request_gets_a_4xx_with_one_line_and_the_class_goes_on(classroom, drawings, what, request_of,
                                                                     status, words):
    png, label = drawings[0]
    with httpx.Client(base_url=classroom.url, timeout=30) as client:
        answer = request_of(client, classroom, png)
        assert answer.status_code == status, answer.text
        reason = answer.json()["error"]
        assert words.lower() in reason.lower() and "\n" not in reason and "Traceback" not in reason
        assert send(client, classroom, png, label).status_code == 200  # still serving


def test_a_flood_from_one_device_is_limited_with_the_limit_in_the_answer(digits_model, drawings, tmp_path):
    require_deploy()
    from dlkit.classroom import RateLimit, start_classroom

    strict = RateLimit(per_minute=6, burst=3)
    with start_classroom(digits_model, session=tmp_path / "s", rate_limit=strict) as room:
        with httpx.Client(base_url=room.url, timeout=30) as client:
            statuses = [send(client, room, *drawings[i % len(drawings)]).status_code for i in range(5)]
            assert statuses == [200, 200, 200, 429, 429]
            limited = send(client, room, *drawings[0])
            assert "6 drawings a minute" in limited.json()["error"]
            assert int(limited.headers["Retry-After"]) >= 1
            # another device is not held back by this one (Linux routes all of 127.0.0.0/8 to loopback)
        another_device = httpx.HTTPTransport(local_address="127.0.0.2")
        other = httpx.Client(base_url=room.url, timeout=30, transport=another_device)
        with other:
            assert send(other, room, *drawings[0]).status_code == 200
        assert room.session.stats().count == 4


def test_pages_load_nothing_from_another_origin_and_student_text_is_never_html(classroom):
    with httpx.Client(base_url=classroom.url, timeout=30) as client:
        for page in ("/", "/projector"):
            answer = client.get(page)
            assert answer.status_code == 200
            assert "default-src 'self'" in answer.headers["content-security-policy"]
            assert "http://" not in answer.text and "https://" not in answer.text  # no CDN, font or script
            assert ".innerHTML" not in answer.text  # what students send is set as text
        assert client.get("api/qr.svg", headers=key_of(classroom)).text.lstrip().startswith("<svg")


def test_the_cli_prints_the_student_and_projector_urls_on_their_own_lines(digits_model, tmp_path):
    require_deploy()
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", "dlkit.instructor.cli", "classroom", str(digits_model),
                                "--session", str(tmp_path / "s"), "--port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(4)]
    finally:
        process.terminate()
        process.wait(timeout=30)
    session = sqlite3.connect(tmp_path / "s" / "classroom.sqlite")
    facts = dict(session.execute("SELECT name, value FROM facts").fetchall())
    students, projector = lines[1].strip(), lines[2].strip()
    assert students.startswith("students:") and students.endswith(f"?code={facts['join_code']}")
    assert projector.startswith("projector:") and f"projector?key={facts['instructor_key']}" in projector
    assert "127.0.0.1" in lines[1] and "only this computer" in lines[3]


def test_a_photo_model_takes_photos_and_its_classes_become_the_export_folders(tmp_path):
    require_deploy()
    import io

    import keras
    from PIL import Image

    from dlkit.classroom import export_session, start_classroom
    from dlkit.data.image_folder import load_image_folder
    from dlkit.deploy import save_with_card

    keras.utils.set_random_seed(0)
    layers = [keras.Input(shape=(32, 32, 3)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
              keras.layers.Dense(3, activation="softmax")]
    model = keras.Sequential(layers, name="photos")
    path = save_with_card(model, tmp_path / "photos.keras", classes=("cat", "dog", "pony"))
    photo = io.BytesIO()
    Image.new("RGB", (200, 120), (180, 90, 40)).save(photo, format="JPEG")
    with start_classroom(path, session=tmp_path / "s") as room:
        with httpx.Client(base_url=room.url, timeout=30) as client:
            assert client.get(f"api/class?code={room.session.join_code}").json()["input_kind"] == "photo"
            answer = send(client, room, photo.getvalue(), "pony")
            assert answer.status_code == 200 and answer.json()["label"] == "pony"
            assert send(client, room, photo.getvalue(), "unicorn").status_code == 422
            assert send(client, room, photo.getvalue(), "cat").status_code == 200
    export_session(tmp_path / "s", tmp_path / "out")
    dataset = load_image_folder(tmp_path / "out", image_size=(32, 32), shuffle=False)
    assert dataset.class_names == ["cat", "pony"]
