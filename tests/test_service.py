"""`dlkit serve` over real HTTP: uvicorn on a free loopback port, a real client. Every kind of bad
request gets a 4xx with a one-line reason, and a good request still works after each."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
from deploy_models import require_deploy
from PIL import Image

pytestmark = pytest.mark.training

httpx = pytest.importorskip("httpx")


def png_of(digit: np.ndarray, size: int = 28, format: str = "PNG", invert: bool = False) -> bytes:
    grey = (digit[..., 0] * 255).astype("uint8")
    image = Image.fromarray(255 - grey if invert else grey).resize((size, size))
    buffer = io.BytesIO()
    image.convert("RGB" if format == "JPEG" else "L").save(buffer, format=format)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def service(exported_digits):
    from dlkit.deploy import start_service

    with start_service(exported_digits.files[("litert", "int8")], max_upload_bytes=200_000) as running:
        yield running


@pytest.fixture
def client(service):
    with httpx.Client(base_url=service.url, timeout=30) as http:
        yield http


def assert_still_serving(client, exported_digits):
    answer = client.post(
        "/predict", files={"file": ("seven.png", png_of(exported_digits.x_test[0]), "image/png")}
    )
    assert answer.status_code == 200
    assert answer.json()["predictions"][0]["label"] == str(exported_digits.y_test[0])


def test_health_and_info_describe_the_model(client):
    assert client.get("/health").json() == {"status": "ok", "model": "digits"}
    info = client.get("/info").json()
    assert info["classes"] == list("0123456789") and info["input_shape"] == [28, 28, 1]
    assert (info["format"], info["quantization"], info["input_kind"]) == ("litert", "int8", "digit")
    assert info["max_upload_bytes"] == 200_000 and info["dlkit_version"]


def test_a_picture_as_a_form_field_a_raw_body_or_json_gets_the_top_classes(client, exported_digits):
    x, y = exported_digits.x_test, exported_digits.y_test
    pictures = [
        {"files": {"file": ("digit.png", png_of(x[1]), "image/png")}},
        {"content": png_of(x[1], size=200, format="JPEG"), "headers": {"content-type": "image/jpeg"}},
        {"files": {"file": ("scan.png", png_of(x[1], size=300, invert=True), "image/png")}},  # ink on paper
    ]
    for request in pictures:
        answer = client.post("/predict", **request)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["predictions"][0]["label"] == str(y[1])
        assert len(body["predictions"]) == 5 and body["latency_ms"] > 0
        probabilities = [row["probability"] for row in body["predictions"]]
        assert probabilities == sorted(probabilities, reverse=True) and sum(probabilities) <= 1.01
    batch = client.post("/predict", json=x[:4].tolist()).json()["batch"]
    assert [rows[0]["label"] for rows in batch] == [str(label) for label in y[:4]]
    single = client.post("/predict", json=x[2].tolist()).json()
    assert single["predictions"][0]["label"] == str(y[2])


def test_a_heic_photo_from_a_phone_is_read(client, exported_digits):
    import pillow_heif

    grey = (255 - exported_digits.x_test[3, :, :, 0] * 255).astype("uint8")
    heif = pillow_heif.from_pillow(Image.fromarray(grey).resize((120, 120)).convert("RGB"))
    buffer = io.BytesIO()
    heif.save(buffer, quality=95)
    answer = client.post("/predict", files={"file": ("IMG_0001.HEIC", buffer.getvalue(), "image/heic")})
    assert answer.status_code == 200, answer.text
    assert answer.json()["predictions"][0]["label"] == str(exported_digits.y_test[3])


def bad_requests(exported_digits):
    png = png_of(exported_digits.x_test[0])
    too_big = b"\x89PNG" + bytes(300_000)

    def chunks():
        for _ in range(10):
            yield bytes(50_000)

    return {
        "not an image, as a file": (
            {"files": {"file": ("notes.png", b"hello world", "image/png")}},
            400,
            "notes.png",
        ),
        "not an image, raw": (
            {"content": b"hello", "headers": {"content-type": "image/png"}},
            400,
            "not a picture",
        ),
        "a truncated PNG": (
            {"files": {"file": ("cut.png", png[: len(png) // 2], "image/png")}},
            400,
            "truncated",
        ),
        "a truncated JPEG": (
            {
                "content": png_of(exported_digits.x_test[0], 200, "JPEG")[:600],
                "headers": {"content-type": "image/jpeg"},
            },
            400,
            "truncated",
        ),
        "a blank drawing": (
            {"files": {"file": ("blank.png", png_of(np.zeros((28, 28, 1))), "image/png")}},
            422,
            "blank",
        ),
        "the wrong shape": ({"json": [[1.0, 2.0], [3.0, 4.0]]}, 422, "wrong shape"),
        "a ragged array": ({"json": [[1.0, 2.0], [3.0]]}, 422, "ragged"),
        "JSON that is not an array": ({"json": {"pixels": [1, 2]}}, 422, "JSON dict"),
        "broken JSON": (
            {"content": b"[1, 2", "headers": {"content-type": "application/json"}},
            400,
            "not valid JSON",
        ),
        "JSON nested past Python's parser": (
            {"content": b"[" * 100_000 + b"]" * 100_000, "headers": {"content-type": "application/json"}},
            400,
            "nests too deep",
        ),
        "an empty body": ({"content": b"", "headers": {"content-type": "image/png"}}, 400, "empty"),
        "an empty file": ({"files": {"file": ("empty.png", b"", "image/png")}}, 400, "empty"),
        "no content type": ({"content": png}, 415, "no content type"),
        "a wrong content type": (
            {"content": png, "headers": {"content-type": "text/plain"}},
            415,
            "text/plain",
        ),
        "XML": ({"content": b"<a/>", "headers": {"content-type": "application/xml"}}, 415, "application/xml"),
        "a form without 'file'": (
            {"files": {"picture": ("d.png", png, "image/png")}},
            400,
            "no form field named 'file'",
        ),
        "text in 'file'": ({"data": {"file": "hello"}, "files": {"other": ("x", b"x")}}, 400, "holds text"),
        "multipart without a boundary": (
            {"content": b"--x\r\n", "headers": {"content-type": "multipart/form-data"}},
            400,
            "multipart",
        ),
        "an upload over the limit": (
            {"content": too_big, "headers": {"content-type": "image/png"}},
            413,
            "limit",
        ),
        "a chunked upload over the limit": (
            {"content": chunks(), "headers": {"content-type": "image/png"}},
            413,
            "limit",
        ),
    }


def test_every_bad_request_gets_a_4xx_with_one_line_and_the_service_keeps_serving(client, exported_digits):
    for what, (request, status, reason) in bad_requests(exported_digits).items():
        answer = client.post("/predict", **request)
        assert answer.status_code == status, (what, answer.status_code, answer.text)
        error = answer.json()["error"]
        assert reason in error and "\n" not in error and "Traceback" not in error, (what, error)
        assert_still_serving(client, exported_digits)


def test_wrong_methods_and_paths_are_4xx_too(client, exported_digits):
    assert client.get("/predict").status_code == 405
    assert client.get("/nothing-here").status_code == 404
    assert "error" in client.get("/nothing-here").json()
    assert_still_serving(client, exported_digits)


def test_the_service_binds_to_loopback_unless_told_and_says_what_a_network_address_exposes(exported_digits):
    from dlkit.deploy import load_predictor
    from dlkit.deploy.server import startup_line

    predictor = load_predictor(exported_digits.files[("onnx", "float32")])
    local = startup_line(predictor, "127.0.0.1", 8000)
    assert "http://localhost:8000/" in local and "only this computer" in local
    shared = startup_line(predictor, "0.0.0.0", 8000)
    assert "WARNING" in shared and "anyone on this computer's networks" in shared


def test_stop_frees_the_port(exported_digits):
    from dlkit.deploy import start_service

    running = start_service(exported_digits.files[("onnx", "float32")])
    assert running.host == "127.0.0.1"
    port = running.port
    running.stop()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))  # free again


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_dlkit_serve_from_the_command_line_serves_until_interrupted(exported_digits):
    port = free_port()
    model = exported_digits.files[("keras", "float32")]
    process = subprocess.Popen(
        [sys.executable, "-m", "dlkit.instructor.cli", "serve", str(model), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read()
            time.sleep(0.5)
        answer = httpx.post(
            f"http://127.0.0.1:{port}/predict",
            files={"file": ("d.png", png_of(exported_digits.x_test[0]), "image/png")},
        )
        assert answer.json()["predictions"][0]["label"] == str(exported_digits.y_test[0])
        assert "text/html" in httpx.get(f"http://127.0.0.1:{port}/").headers["content-type"]
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert output.startswith(f"dlkit serve: digits (keras, float32) on http://localhost:{port}/")
    assert output.rstrip().endswith("dlkit serve: stopped") and process.returncode == 0


def test_dlkit_serve_refuses_what_it_cannot_serve_in_one_line(tmp_path, exported_digits):
    require_deploy()
    (tmp_path / "notes.txt").write_text("hello")
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    cases = [
        ([str(tmp_path / "notes.txt")], "not a model file dlkit knows"),
        ([str(tmp_path / "missing.tflite")], "no such file"),
        (
            [str(exported_digits.files[("onnx", "float32")]), "--port", str(busy.getsockname()[1])],
            "is in use",
        ),
    ]
    try:
        for arguments, reason in cases:
            result = subprocess.run(
                [sys.executable, "-m", "dlkit.instructor.cli", "serve", *arguments],
                capture_output=True,
                text=True,
                timeout=120,
                env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
            )
            assert result.returncode == 1 and reason in result.stderr, result.stderr
            assert "Traceback" not in result.stderr
    finally:
        busy.close()
