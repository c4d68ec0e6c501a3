"""Shared fixtures: an isolated environment (own cache, own Keras home, no network) and a tiny
MNIST-layout file registered under the name "mnist" in place of the real one."""

from __future__ import annotations

import hashlib
import http.server
import os
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from fresh_interpreter import FreshRun

from dlkit.data import registry as registry_module
from dlkit.data.registry import AcceptedVersion, RegistryEntry, RegistryFile

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
UNREACHABLE_URL = "http://127.0.0.1:9/mnist.npz"  # the discard port: connection refused at once
SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist.npz"


def chromium_or_skip(what: str) -> str:
    """Chromium's path (Debian's ``chromium`` package); without one the test is skipped, saying
    that ``what`` did not run, or fails where DLKIT_REQUIRE_BROWSER=1 (CI)."""
    found = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if found is None:
        if os.environ.get("DLKIT_REQUIRE_BROWSER") == "1":
            pytest.fail("DLKIT_REQUIRE_BROWSER=1 but no Chromium found (apt-get install chromium)")
        pytest.skip(f"no Chromium here (apt-get install chromium); {what} did not run")
    return found


CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


STARTED_RUNS: list[FreshRun] = []


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the fresh-interpreter run of every selected test at once (see ``fresh_interpreter``)."""
    for item in session.items:
        for marker in item.iter_markers("fresh_interpreter"):
            for run in marker.args:
                run.start()
                STARTED_RUNS.append(run)


def pytest_sessionfinish(session: pytest.Session) -> None:
    for run in STARTED_RUNS:
        run.stop()


@pytest.fixture(scope="module")
def browser(request):
    """Debian's Chromium driven by Playwright, one per test module (the page tests')."""
    sync_api = pytest.importorskip("playwright.sync_api")
    executable = chromium_or_skip(f"{request.module.__name__}'s browser tests")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own dlkit cache and Keras home, and no DLKIT_* settings of the user."""
    for name in ("DLKIT_DATA_DIR", "DLKIT_WEIGHTS_DIR", "DLKIT_OFFLINE", "DLKIT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DLKIT_CACHE_DIR", str(tmp_path / "dlkit-cache"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    return tmp_path


def write_tiny_mnist(path: Path, seed: int = 0) -> Path:
    """A small npz in Keras' MNIST layout: 30 train and 10 test uint8 images."""
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        np.savez(
            handle,
            x_train=rng.integers(0, 256, (30, 28, 28), dtype=np.uint8),
            y_train=(np.arange(30) % 10).astype(np.uint8),
            x_test=rng.integers(0, 256, (10, 28, 28), dtype=np.uint8),
            y_test=np.arange(10, dtype=np.uint8),
        )
    return path


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class TinyMnist:
    """The registered test file: its bytes, its entry, and where a copy of it lies."""

    original: Path
    entry: RegistryEntry
    bytes: bytes = field(repr=False, default=b"")

    @property
    def file(self) -> RegistryFile:
        return self.entry.files[0]


def tiny_entry(original: Path, url: str = UNREACHABLE_URL) -> RegistryEntry:
    version = AcceptedVersion("tiny test file", f"sha256:{sha256_of(original)}", original.stat().st_size)
    file = RegistryFile("mnist.npz", url, "datasets", (version,))
    return RegistryEntry("mnist", "dataset", "tiny MNIST for tests", "tests", "CC0", "-", (file,))


@pytest.fixture
def tiny_mnist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> TinyMnist:
    """Registers a tiny MNIST file as "mnist" beside the other entries; its URL is unreachable
    unless a test changes it."""
    original = write_tiny_mnist(tmp_path / "originals" / "mnist.npz")
    tiny = TinyMnist(original, tiny_entry(original), original.read_bytes())
    others = registry_module.registry()
    monkeypatch.setattr(registry_module, "registry", lambda: {**others, "mnist": tiny.entry})
    return tiny


class FileServer:
    """A loopback HTTP server over a folder that counts GET requests and can be slow."""

    def __init__(self, folder: Path, seconds_per_chunk: float = 0.0):
        self.folder = folder
        self.requests = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the name http.server calls)
                server.requests += 1
                target = server.folder / self.path.lstrip("/")
                if not target.is_file():
                    self.send_error(404)
                    return
                data = target.read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                for start in range(0, len(data), 4096):
                    self.wfile.write(data[start : start + 4096])
                    time.sleep(seconds_per_chunk)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    def __enter__(self) -> FileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def file_server(tmp_path: Path) -> Iterator[FileServer]:
    folder = tmp_path / "served"
    folder.mkdir()
    with FileServer(folder) as server:
        yield server


@pytest.fixture(scope="session")
def exported_digits(tmp_path_factory: pytest.TempPathFactory):
    """An MNIST ConvNet trained for the deploy tests, exported in every format (once per session)."""
    from deploy_models import require_deploy, train_digits

    require_deploy()
    return train_digits(tmp_path_factory.mktemp("exported-digits"))
