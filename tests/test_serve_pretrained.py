"""Deck 003's demo, live: `dlkit serve efficientnet_lite0` answers a photo with its ImageNet
classes, and `dlkit classroom efficientnet_lite0` lets a class send photos from their phones
while the projector shows what the network saw. Real HTTP on a loopback port; the photos are the
ones dlkit ships, sent as a phone sends them (a JPEG stored sideways with an EXIF note, a HEIC)."""

from __future__ import annotations

import io
import sqlite3

import pytest
from deploy_models import require_deploy
from PIL import Image

from dlkit.data.photos import sample_photos_folder

pytestmark = pytest.mark.training
httpx = pytest.importorskip("httpx")
CATS = {"tabby", "tiger_cat", "Egyptian_cat"}


def phone_jpeg(name: str) -> bytes:
    """The photo as a phone held upright stores it: sideways pixels, EXIF orientation 6."""
    with Image.open(sample_photos_folder() / name) as photo:
        buffer = io.BytesIO()
        exif = Image.Exif()
        exif[0x0112] = 6
        photo.convert("RGB").transpose(Image.Transpose.ROTATE_90).save(buffer, "JPEG", quality=92, exif=exif)
    return buffer.getvalue()


def heic(name: str) -> bytes:
    pillow_heif = pytest.importorskip("pillow_heif")
    with Image.open(sample_photos_folder() / name) as photo:
        buffer = io.BytesIO()
        pillow_heif.from_pillow(photo.convert("RGB")).save(buffer, quality=90)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def service():
    require_deploy()
    from dlkit.deploy import start_service

    with start_service("efficientnet_lite0") as running:
        yield running


def top_labels(answer) -> list[str]:
    return [row["label"] for row in answer.json()["predictions"]]


def test_the_pretrained_classifier_answers_photos_with_imagenet_classes(service):
    with httpx.Client(base_url=service.url, timeout=60) as client:
        info = client.get("/info").json()
        assert info["name"] == "EfficientNet-Lite0 (ImageNet)" and len(info["classes"]) == 1000
        assert info["input_shape"] == [224, 224, 3] and info["input_kind"] == "photo"
        sent = {
            "cat, a file": ("chelsea.jpg", (sample_photos_folder() / "chelsea.jpg").read_bytes(),
                            "image/jpeg"),
            "cat, a phone's JPEG": ("IMG_0001.JPG", phone_jpeg("chelsea.jpg"), "image/jpeg"),
            "cat, a phone's HEIC": ("IMG_0002.HEIC", heic("chelsea.jpg"), "image/heic"),
        }
        for what, upload in sent.items():
            answer = client.post("/predict", files={"file": upload})
            assert answer.status_code == 200, (what, answer.text)
            assert top_labels(answer)[0] in CATS, (what, top_labels(answer))
            assert "central 87.5% cropped" in " ".join(answer.json()["input_changes"])
        coffee = client.post("/predict", content=(sample_photos_folder() / "coffee.jpg").read_bytes(),
                             headers={"content-type": "image/jpeg"})
        assert top_labels(coffee)[0] == "espresso"
        assert client.post("/predict", json=[1, 2, 3]).status_code == 422  # not a 224x224x3 array


def test_a_class_sends_photos_and_the_projector_shows_what_the_network_saw(tmp_path):
    require_deploy()
    from dlkit.classroom import RateLimit, start_classroom

    with start_classroom("efficientnet_lite0", session=tmp_path / "session",
                         rate_limit=RateLimit(per_minute=600, burst=40)) as room:
        code, key = room.session.join_code, {"X-Instructor-Key": room.session.instructor_key}
        with httpx.Client(base_url=room.url, timeout=60) as client:
            joined = client.get(f"api/class?code={code}").json()
            assert joined["input_kind"] == "photo" and "tabby" in joined["classes"]
            assert "224x224" in joined["kept"]
            assert "until the instructor deletes the session" in joined["kept"]
            answer = client.post(f"api/drawings?code={code}", data={"label": "tabby"},
                                 files={"file": ("IMG_0001.JPG", phone_jpeg("chelsea.jpg"), "image/jpeg")})
            assert answer.status_code == 200, answer.text
            assert answer.json()["answer"] in CATS
            drawing_id = answer.json()["id"]
            seen = client.get(f"api/pictures/{drawing_id}.png", headers=key)
            assert client.get("api/wall", headers=key).json()["drawings"][0]["id"] == drawing_id
    with Image.open(io.BytesIO(seen.content)) as picture:
        assert picture.size == (224, 224) and picture.mode == "RGB"  # upright, cropped: what it saw


def test_deleting_a_session_leaves_nothing_and_refuses_a_folder_that_is_not_only_a_session(tmp_path, capsys):
    from dlkit.classroom import open_session
    from dlkit.instructor.cli import main

    session = open_session(tmp_path / "class", model="digits")
    png = io.BytesIO()
    Image.new("L", (28, 28)).save(png, format="PNG")
    session.add("3", "3", 0.9, [{"label": "3", "probability": 0.9}], png.getvalue(), "device")
    session.close()
    (tmp_path / "class" / "notes.txt").write_text("the instructor's own notes")
    assert main(["classroom", "delete", str(tmp_path / "class")]) == 1
    assert "notes.txt" in capsys.readouterr().err and (tmp_path / "class" / "classroom.sqlite").exists()
    (tmp_path / "class" / "notes.txt").unlink()
    assert main(["classroom", "delete", str(tmp_path / "class")]) == 0
    assert "1 pictures" in capsys.readouterr().out and not (tmp_path / "class").exists()
    assert main(["classroom", "delete", str(tmp_path)]) == 1  # not a session: nothing deleted
    assert tmp_path.exists()
    with pytest.raises(sqlite3.Error):  # the database is gone with the folder
        database = tmp_path / "class" / "classroom.sqlite"
        sqlite3.connect(f"file:{database}?mode=ro", uri=True).execute("select 1")
