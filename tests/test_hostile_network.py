"""A hostile class network against `dlkit serve` and `dlkit classroom`, on loopback: connections
that send nothing or trickle, more connections than the process can open, pictures that unpack
into gigabytes, formats no phone makes, numbers past any float, join codes guessed, one device
filling the wall. Every case gets a short answer (4xx/503) and the class goes on. Each loop here is
bounded; a server that hangs fails a test by its client timeouts, never by hanging the suite.

Linux routes all of 127.0.0.0/8 to loopback: a client bound to 127.0.0.2 is another device."""

from __future__ import annotations

import io
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from deploy_models import require_deploy
from PIL import Image

httpx = pytest.importorskip("httpx")
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="127.0.0.2 is loopback on Linux")

QUICK = dict(per_client=4, total=12, header_seconds=1.0, body_seconds=1.0, keep_alive_seconds=1.0)


@pytest.fixture(scope="module")
def digit_model(tmp_path_factory) -> Path:
    """An untrained digit model with its serving card: what it answers does not matter here."""
    require_deploy()
    import keras

    from dlkit.deploy import save_with_card

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    return save_with_card(model, tmp_path_factory.mktemp("digit") / "digit.keras", list("0123456789"))


@pytest.fixture
def service(digit_model):
    from dlkit.deploy import ConnectionLimits, start_service

    with start_service(digit_model, connection_limits=ConnectionLimits(**QUICK)) as running:
        yield running


@pytest.fixture
def classroom(digit_model, tmp_path):
    from dlkit.classroom import RateLimit, start_classroom

    generous = RateLimit(per_minute=600, burst=100)  # these tests send fast
    with start_classroom(digit_model, session=tmp_path / "session", rate_limit=generous) as running:
        yield running


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def a_digit() -> bytes:
    pixels = np.zeros((280, 280), np.uint8)
    pixels[60:220, 130:150] = 255  # a 1
    return png(Image.fromarray(pixels))


def client_from(url: str, address: str = "127.0.0.1", timeout: float = 20) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=timeout, transport=httpx.HTTPTransport(local_address=address))


def first_bytes(sock: socket.socket, seconds: float) -> bytes:
    sock.settimeout(seconds)
    try:
        return sock.recv(200)
    except (TimeoutError, ConnectionResetError):
        return b""


# --- connections --------------------------------------------------------------------------------

def test_a_silent_connection_is_closed_with_a_408_once_its_time_is_up(service):
    with socket.create_connection(("127.0.0.1", service.port)) as silent:
        started = time.monotonic()
        answer = first_bytes(silent, 10)
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert time.monotonic() - started < 5
        assert first_bytes(silent, 5) == b""  # and closed


def test_headers_trickled_a_byte_at_a_time_are_cut_off(service):
    request = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
    with socket.create_connection(("127.0.0.1", service.port)) as slow:
        started = time.monotonic()
        try:
            for byte in request:  # 200 bytes at 20 a second: 10 s, far past the 1 s allowed
                slow.sendall(bytes([byte]))
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert time.monotonic() - started < 6
        assert first_bytes(slow, 5).startswith((b"HTTP/1.1 408", b""))


def test_a_body_trickled_after_its_headers_gets_a_408(service):
    with socket.create_connection(("127.0.0.1", service.port)) as slow:
        slow.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                     b"Content-Length: 100000\r\n\r\n\x89PNG")
        answer = first_bytes(slow, 10)
    assert b" 408 " in answer.split(b"\r\n")[0], answer


@linux_only
def test_one_device_cannot_hold_every_connection_and_silent_ones_make_room(service):
    sockets = []
    try:
        for _ in range(QUICK["per_client"]):
            sockets.append(socket.create_connection(("127.0.0.1", service.port)))
        with socket.create_connection(("127.0.0.1", service.port)) as one_more:
            assert first_bytes(one_more, 5).startswith(b"HTTP/1.1 429")
        with client_from(service.url, "127.0.0.2") as another_device:  # served at once
            assert another_device.get("health").status_code == 200
        for last in range(3, 3 + QUICK["total"]):  # silent connections from many addresses fill it
            sock = socket.socket()
            sock.bind((f"127.0.0.{last}", 0))
            sock.connect(("127.0.0.1", service.port))
            sockets.append(sock)
        time.sleep(0.2)
        with client_from(service.url, "127.0.1.1") as late:  # the longest silent one makes room
            assert late.get("health").status_code == 200
        assert first_bytes(sockets[0], 2).startswith(b"HTTP/1.1 503")
    finally:
        for sock in sockets:
            sock.close()
    deadline = time.monotonic() + 10
    while service.app.state.connections.connections() > 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    with client_from(service.url, "127.0.0.3") as client:
        assert client.get("health").status_code == 200


@linux_only
def test_a_server_full_of_requests_in_progress_answers_503_at_once(service):
    uploading = []
    try:
        for last in range(2, 2 + QUICK["total"]):  # every place taken by an upload under way
            sock = socket.socket()
            sock.bind((f"127.0.0.{last}", 0))
            sock.connect(("127.0.0.1", service.port))
            sock.sendall(b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                         b"Content-Length: 100000\r\n\r\n\x89PNG")
            uploading.append(sock)
        time.sleep(0.2)
        with client_from(service.url, "127.0.1.1") as late:
            started = time.monotonic()
            full = late.get("health")
        assert full.status_code == 503 and "full" in full.json()["error"]
        assert time.monotonic() - started < 0.5
    finally:
        for sock in uploading:
            sock.close()


def run_server(arguments: list[str], files: int | None = None) -> subprocess.Popen:
    """A dlkit server in its own process (its open-file limit set to ``files``), its output piped."""
    def limit_files() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (files, files))

    return subprocess.Popen([sys.executable, "-m", "dlkit.instructor.cli", *arguments],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=limit_files if files else None)


def served_port(process: subprocess.Popen) -> int:
    line = process.stdout.readline()  # "dlkit serve: NAME (...) on http://localhost:PORT/ ..."
    assert "http://localhost:" in line, line
    port = int(line.split("http://localhost:")[1].split("/")[0])
    assert port != 0  # --port 0: the port really listened on is printed
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return port
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not start listening")


@pytest.fixture(scope="module")
def digit_litert(digit_model) -> Path:
    """The digit model as LiteRT: a server of it starts in half a second, not the three that
    importing TensorFlow for a .keras file takes; what it answers does not matter here either."""
    import keras

    from dlkit.deploy import EXPORTS, export_model, read_card

    litert = [export for export in EXPORTS if export.suffix == ".tflite" and export.quantization == "float32"]
    [exported] = export_model(keras.saving.load_model(digit_model), digit_model.parent / "litert",
                              read_card(digit_model), exports=litert)
    return exported.path


@linux_only
def test_300_silent_connections_with_256_files_stall_nothing_and_log_a_few_lines(digit_litert):
    """The probe's case: macOS's 256 open files, 300 silent connections from one address."""
    process = run_server(["serve", str(digit_litert), "--port", "0"], files=256)
    silent = []
    try:
        port = served_port(process)
        for _ in range(300):
            try:
                silent.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            except OSError:  # refused connections may be reset before the next one opens
                pass
        with client_from(f"http://127.0.0.1:{port}/", "127.0.0.2", timeout=10) as student:
            started = time.monotonic()
            assert student.get("health").status_code == 200
            assert student.post("predict", content=a_digit(), headers={"content-type": "image/png"}
                                ).status_code == 200
            assert time.monotonic() - started < 5
    finally:
        for sock in silent:
            sock.close()
        process.terminate()
        _, log = process.communicate(timeout=30)
    assert "Traceback" not in log and "Too many open files" not in log
    assert len(log) < 5_000, log[-2_000:]


# --- pictures -----------------------------------------------------------------------------------

def transparent_png(width: int, height: int) -> bytes:
    """A few hundred kilobytes of PNG that unpack into width x height x 4 bytes, written without
    holding those bytes: every byte of the unpacked rows is 0 (each row's filter byte, then
    transparent black), so the compressed stream is one compressed mebibyte of zeros repeated
    (a full flush makes each copy stand alone), its tail, and the Adler-32 of N zeros, which is
    ``(N mod 65521) << 16 | 1``."""
    total = height * (1 + 4 * width)
    mebibyte = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = mebibyte.compress(bytes(2**20)) + mebibyte.flush(zlib.Z_FULL_FLUSH)
    tail = zlib.compressobj(9, zlib.DEFLATED, -15)
    rest = tail.compress(bytes(total % 2**20)) + tail.flush()
    stream = b"\x78\xda" + block * (total // 2**20) + rest + struct.pack(">I", (total % 65521) << 16 | 1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, RGBA
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", stream) + chunk(b"IEND", b"")


def test_the_transparent_png_is_what_pillow_writes():
    """The bombs below are real PNGs: Pillow reads a small one back as the transparent picture."""
    picture = Image.open(io.BytesIO(transparent_png(700, 3)))
    picture.load()
    assert picture.mode == "RGBA" and picture.size == (700, 3)
    assert picture.getextrema() == ((0, 0),) * 4


def test_pictures_past_what_a_digit_needs_are_refused_from_their_header(service):
    bombs = {"7999x7999 transparent": transparent_png(7999, 7999),
             "64000000x1": transparent_png(64_000_000, 1)}
    with client_from(service.url) as client:
        for what, data in bombs.items():
            started = time.monotonic()
            answer = client.post("predict", content=data, headers={"content-type": "image/png"})
            assert answer.status_code == 413, (what, answer.text)
            assert "too large" in answer.json()["error"], what
            assert time.monotonic() - started < 1.5, what  # refused before decoding: milliseconds
        assert client.post("predict", content=a_digit(), headers={"content-type": "image/png"}
                           ).status_code == 200


def test_a_burst_of_big_pictures_from_one_device_leaves_others_answered(service):
    big = transparent_png(1999, 1999)  # under the digit cap: decoded, two at a time
    with ThreadPoolExecutor(8) as pool:
        def send(_) -> int:
            with client_from(service.url, timeout=60) as attacker:
                answer = attacker.post("predict", content=big, headers={"content-type": "image/png"})
                return answer.status_code

        burst = [pool.submit(send, i) for i in range(8)]
        with client_from(service.url, "127.0.0.2", timeout=60) if sys.platform.startswith("linux") \
                else client_from(service.url) as student:
            assert student.post("predict", content=a_digit(), headers={"content-type": "image/png"}
                                ).status_code == 200
        statuses = [job.result() for job in burst]
    assert set(statuses) <= {422, 429, 503}, statuses  # blank (422), or refused while busy; never 500


def a_file(format_name: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (255, 255, 255)).save(buffer, format=format_name)
    return buffer.getvalue()


EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 64 64\nnewpath 0 0 moveto 64 64 lineto stroke\nshowpage\n"


@pytest.mark.parametrize("name, data", [("drawing.eps", EPS), ("drawing.tga", a_file("TGA")),
                                        ("drawing.tif", a_file("TIFF")), ("drawing.ico", a_file("ICO"))])
def test_formats_no_phone_or_browser_makes_are_not_decoded(service, name, data):
    with client_from(service.url) as client:
        answer = client.post("predict", files={"file": (name, data, "image/png")})
    assert answer.status_code == 400 and "not a picture of a kind" in answer.json()["error"]


def test_white_ink_on_a_transparent_canvas_is_read_as_ink():
    from dlkit.deploy.card import ServingCard
    from dlkit.deploy.inputs import prepare_picture

    card = ServingCard("digits", tuple("0123456789"), (28, 28, 1), "digit")
    layer = Image.new("RGBA", (280, 280), (255, 255, 255, 0))  # transparent white: what canvases export
    layer.paste((255, 255, 255, 255), (130, 60, 150, 220))  # a white 1
    pixels, changes = prepare_picture(png(layer), "white-ink.png", card)
    assert pixels.max() > 200 and pixels[:, :3].max() < 40  # the stroke is ink, its edges background
    assert any("transparent layer" in change for change in changes)
    black = Image.new("RGBA", (280, 280), (0, 0, 0, 0))
    black.paste((0, 0, 0, 255), (130, 60, 150, 220))  # the same 1 in black ink reads the same
    assert np.array_equal(prepare_picture(png(black), "black-ink.png", card)[0], pixels)


def test_a_400_digit_integer_is_a_422_and_the_connection_goes_on(service):
    with client_from(service.url) as client:
        for _ in range(3):  # the same keep-alive connection, three times
            answer = client.post("predict", content=b"[" + b"9" * 400 + b"]",
                                 headers={"content-type": "application/json"})
            assert answer.status_code == 422 and "too large" in answer.json()["error"]
        huge = client.post("predict", json=np.full((28, 28), 1e39).tolist())
        assert huge.status_code == 422
        assert client.get("health").status_code == 200


# --- pages --------------------------------------------------------------------------------------

def test_every_page_runs_only_its_own_script_files_and_serve_sends_the_same_headers(service, classroom):
    for url, pages in ((service.url, ["/"]), (classroom.url, ["/", "/projector"])):
        with client_from(url) as client:
            for page in pages:
                answer = client.get(page)
                policy = answer.headers["content-security-policy"]
                assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split("script-src")[1]
                assert answer.headers["x-content-type-options"] == "nosniff"
                html = answer.text
                assert "<script>" not in html and "<script src=" in html  # no script written into a page
                script = html.split('<script src="')[1].split('"')[0]
                served = client.get(script)
                assert served.status_code == 200 and "javascript" in served.headers["content-type"]
    with client_from(service.url) as client:
        assert client.get("docs").status_code == 404  # Swagger UI would load from a CDN
        assert client.get("openapi.json").status_code == 200


# --- the classroom ------------------------------------------------------------------------------

def join(client, room, code=None, label="1"):
    code = room.session.join_code if code is None else code
    return client.post(f"api/drawings?code={code}", files={"file": ("d.png", a_digit(), "image/png")},
                       data={"label": label})


@linux_only
def test_guessing_the_join_code_or_the_key_is_throttled_per_device(classroom):
    from dlkit.web.limits import GUESSES_AT_ONCE

    with client_from(classroom.url) as guesser:
        guesses = [f"AAAA{i:02d}" for i in range(GUESSES_AT_ONCE + 5)]
        statuses = [join(guesser, classroom, code=code).status_code for code in guesses]
        assert statuses == [403] * GUESSES_AT_ONCE + [429] * 5
        right = join(guesser, classroom)  # the right code is not even checked now
        assert right.status_code == 429 and int(right.headers["Retry-After"]) >= 1
        keys = [guesser.get("api/wall", headers={"X-Instructor-Key": f"k{i}"}).status_code for i in range(3)]
        assert keys == [429] * 3
    with client_from(classroom.url, "127.0.0.2") as student:  # another device is not held back
        assert join(student, classroom).status_code == 200
        assert student.get("api/wall", headers={"X-Instructor-Key": "nope"}).status_code == 403


@linux_only
def test_one_device_holds_its_share_of_the_wall_and_can_be_muted_or_hidden(classroom, tmp_path):
    from dlkit.classroom import export_session
    from dlkit.classroom.state import WALL_SIZE

    key = {"X-Instructor-Key": classroom.session.instructor_key}
    with client_from(classroom.url, "127.0.0.2") as flooder:
        flood = [join(flooder, classroom).json()["id"] for _ in range(40)]
    others = []
    for device in range(3, 9):  # six other students, two drawings each
        with client_from(classroom.url, f"127.0.0.{device}") as student:
            others += [join(student, classroom, label="7").json()["id"] for _ in range(2)]
    with client_from(classroom.url) as projector:
        wall = projector.get("api/wall", headers=key).json()
        shown = [d["id"] for d in wall["drawings"]]
        assert len(shown) == WALL_SIZE and set(others) <= set(shown)
        assert len(set(shown) & set(flood)) == WALL_SIZE - len(others)
        flooder_device = classroom.session.get(flood[0]).device
        assert projector.post(f"api/devices/{flooder_device}/mute", headers=key).status_code == 200
        wall = projector.get("api/wall", headers=key).json()
        assert sorted(d["id"] for d in wall["drawings"]) == sorted(others)
        assert wall["stats"]["count"] == len(others) and wall["muted"] == [{"device": flooder_device,
                                                                           "drawings": 40}]
        with client_from(classroom.url, "127.0.0.2") as flooder:  # still answered, not shown
            assert join(flooder, classroom).status_code == 200
        assert projector.get("api/wall", headers=key).json()["stats"]["count"] == len(others)
        assert sum(export_session(classroom.session.folder, tmp_path / "muted").values()) == len(others)
        assert projector.post(f"api/devices/{flooder_device}/unmute", headers=key).status_code == 200
        assert projector.get("api/wall", headers=key).json()["stats"]["count"] == len(others) + 41
        hidden = projector.post(f"api/devices/{flooder_device}/hide", headers=key)
        assert hidden.json()["hidden"] == 41
        assert projector.get("api/wall", headers=key).json()["stats"]["count"] == len(others)
        assert projector.post("api/devices/0123456789abcdef/mute", headers=key).status_code == 404
        assert projector.post("api/devices/../etc/mute", headers=key).status_code == 404
        assert projector.post(f"api/devices/{flooder_device}/mute").status_code == 401


def test_a_session_from_before_devices_were_kept_opens_and_counts(tmp_path, classroom):
    """Sessions written by earlier dlkit (no devices table) open as they were."""
    import sqlite3

    folder = classroom.session.folder
    with client_from(classroom.url) as client:
        assert join(client, classroom).status_code == 200
    classroom.stop()
    with sqlite3.connect(folder / "classroom.sqlite") as database:
        database.execute("DROP TABLE devices")
    from dlkit.classroom import open_session

    session = open_session(folder, model=classroom.session.model)
    try:
        assert session.stats().count == 1 and len(session.wall(24)) == 1
    finally:
        session.close()


def test_the_guard_releases_every_connection_it_admitted(service):
    with ThreadPoolExecutor(4) as pool:
        def visit(_):
            with client_from(service.url) as client:
                return client.get("health").status_code

        assert list(pool.map(visit, range(20))) == [200] * 20
    deadline = time.monotonic() + 5
    while service.app.state.connections.connections() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert service.app.state.connections.connections() == 0


def test_the_file_limit_is_raised_where_the_os_allows():
    from dlkit.web.connections import raise_file_limit

    if os.name != "posix":
        pytest.skip("no per-process file limit to raise")
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("soft", raise_file_limit()))
    thread.start()
    thread.join()
    assert result["soft"] == resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    assert hard == resource.RLIM_INFINITY or result["soft"] == hard
