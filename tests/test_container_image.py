"""Deck 002's Docker slide, for real: the image `dlkit container` writes the build folder of is built
with Podman (or Docker), run, and answers a request from outside the container — as `dlkit serve`,
and as a classroom whose session lives in a volume.

No registry is reachable here, so the image starts from a local base image (``DLKIT_CONTAINER_BASE``;
CI makes one with debootstrap and ``podman import``); without one the tests are skipped, and under
``DLKIT_REQUIRE_CONTAINER=1`` (CI) they fail instead."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytestmark = pytest.mark.packaging  # builds an image and installs dlkit into it

ROOT = Path(__file__).resolve().parents[1]
# Where a machine cannot set a container's limits to its own (no CAP_SYS_RESOURCE), these say them.
LIMITS = ["--ulimit", "nofile=4096:4096", "--ulimit", "nproc=4096:4096"]


def runtime_and_base() -> tuple[str, str]:
    base = os.environ.get("DLKIT_CONTAINER_BASE", "")
    runtime = next((name for name in ("podman", "docker") if shutil.which(name)), "")
    no_base = "no local base image (DLKIT_CONTAINER_BASE): no registry is reachable here"
    problem = "no Podman or Docker" if not runtime else no_base if not base else ""
    if not problem and subprocess.run([runtime, "image", "inspect", base], capture_output=True).returncode:
        problem = f"the base image {base} is not there"
    if problem:
        if os.environ.get("DLKIT_REQUIRE_CONTAINER") == "1":
            pytest.fail(f"DLKIT_REQUIRE_CONTAINER=1 but {problem}")
        pytest.skip(problem)
    return runtime, base


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {seconds:g} s")


def digit_png() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("L", (280, 280), 0)
    ImageDraw.Draw(image).line([(140, 50), (140, 230)], fill=255, width=22)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def image(tmp_path_factory):
    runtime, base = runtime_and_base()
    import keras

    from dlkit.deploy import ServingCard, export_model, find_export, write_container

    folder = tmp_path_factory.mktemp("container")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(8, 3, activation="relu"),
                              keras.layers.Flatten(), keras.layers.Dense(10, activation="softmax")])
    card = ServingCard("digits", tuple("0123456789"), (28, 28, 1), "digit")
    exported = export_model(model, folder / "exported", card, exports=[find_export("litert")])
    wheel = folder / "wheel"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheel), str(ROOT)],
                   check=True, capture_output=True)
    recipe = write_container(exported[0].path, folder / "build", wheel=next(wheel.glob("dlkit-*.whl")),
                             base=base)
    name = f"localhost/dlkit-serve-test:{uuid.uuid4().hex[:8]}"
    certificate = os.environ.get("PIP_CERT", "")  # a proxy's certificate authority, where there is one
    extra = (["--volume", f"{certificate}:{certificate}:ro", "--build-arg", f"PIP_CERT={certificate}"]
             if certificate and Path(certificate).is_file() else [])
    built = subprocess.run([runtime, "build", *LIMITS, *extra, "-t", name, str(recipe.folder)],
                           capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    yield runtime, name, recipe
    subprocess.run([runtime, "rmi", "--force", name], capture_output=True)


def run_container(runtime: str, arguments: list[str]) -> str:
    name = f"dlkit-test-{uuid.uuid4().hex[:8]}"
    started = subprocess.run([runtime, "run", "--detach", "--name", name, *LIMITS, *arguments],
                             capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr
    return name


def test_the_image_serves_the_model_to_a_request_from_outside(image):
    runtime, name, recipe = image
    port = free_port()
    container = run_container(runtime, ["-p", f"127.0.0.1:{port}:8000", name])
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_for(url + "health")
        answer = httpx.post(url + "predict", content=digit_png(), headers={"content-type": "image/png"},
                            timeout=30)
        assert answer.status_code == 200 and answer.json()["predictions"][0]["label"] in "0123456789"
        assert httpx.get(url, timeout=10).headers["content-security-policy"].count("script-src 'self'") == 1
        user = subprocess.run([runtime, "exec", container, "id", "-un"], capture_output=True, text=True)
        assert user.stdout.strip() == "dlkit"  # never root
        packages = subprocess.run([runtime, "exec", container, "pip", "list"], capture_output=True, text=True)
        assert "tensorflow" not in packages.stdout.lower()
    finally:
        subprocess.run([runtime, "rm", "--force", container], capture_output=True)


def test_the_same_image_serves_a_classroom_whose_session_outlives_the_container(image, tmp_path):
    runtime, name, recipe = image
    volume = f"dlkit-test-session-{uuid.uuid4().hex[:8]}"
    command = ["dlkit", "classroom", f"/srv/model/{recipe.model}", "--host", "0.0.0.0", "--port", "8001",
               "--session", "/srv/session/class"]
    codes = []
    try:
        for _ in range(2):  # the second container finds the first one's session in the volume
            port = free_port()
            published = ["-p", f"127.0.0.1:{port}:8001", "-v", f"{volume}:/srv/session"]
            container = run_container(runtime, [*published, name, *command])
            try:
                url = f"http://127.0.0.1:{port}/"
                wait_for(url + "health")
                logs = subprocess.run([runtime, "logs", container], capture_output=True, text=True).stdout
                code = logs.split("?code=")[1].split()[0]
                codes.append(code)
                sent = httpx.post(f"{url}api/drawings?code={code}", data={"label": "1"},
                                  files={"file": ("d.png", digit_png(), "image/png")}, timeout=30)
                assert sent.status_code == 200, sent.text
                key = logs.split("projector?key=")[1].split()[0]
                wall = httpx.get(url + "api/wall", headers={"X-Instructor-Key": key}, timeout=30).json()
                assert wall["stats"]["count"] == len(codes)  # the first container's drawing is still there
            finally:
                subprocess.run([runtime, "rm", "--force", container], capture_output=True)
        assert codes[0] == codes[1]  # the same session, kept in the volume
    finally:
        subprocess.run([runtime, "volume", "rm", "--force", volume], capture_output=True)
