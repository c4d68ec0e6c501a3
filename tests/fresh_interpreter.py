"""Commands a test runs in a fresh Python interpreter, started before the tests run.

Some tests need an interpreter of their own: the labs' imports from nothing, a Keras backend chosen
before Keras loads, the command line as a user types it. Each such start costs about 4 s here, most of
it importing TensorFlow, and one after another they were a quarter of the fast tier. So a test names
its run in a ``fresh_interpreter`` marker, and ``conftest.py`` starts the runs of every selected test
together as soon as collection is done: they overlap each other and the tests that come before them.
A run gets what a test's ``isolated_environment`` gets: no ``DLKIT_*`` setting of the user, its own
dlkit cache and Keras home.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(eq=False)
class FreshRun:
    """One command in a fresh interpreter: started once (early, by conftest, or when first read),
    its outcome read by the test that marked it."""

    argv: Sequence[str]
    environment: Mapping[str, str] = field(default_factory=dict)
    _process: subprocess.Popen[str] | None = field(default=None, init=False, repr=False)
    _folder: tempfile.TemporaryDirectory[str] | None = field(default=None, init=False, repr=False)
    _outcome: subprocess.CompletedProcess[str] | None = field(default=None, init=False, repr=False)

    def start(self) -> None:
        """Start the command, unless it has been started already."""
        if self._process is not None:
            return
        self._folder = tempfile.TemporaryDirectory(prefix="dlkit-fresh-")
        home = Path(self._folder.name)
        environment = {name: value for name, value in os.environ.items() if not name.startswith("DLKIT_")}
        environment.update(DLKIT_CACHE_DIR=str(home / "dlkit-cache"), KERAS_HOME=str(home / "keras-home"))
        environment.update(self.environment)
        self._process = subprocess.Popen(list(self.argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         text=True, env=environment)

    def outcome(self, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """The finished command: its exit status and everything it printed."""
        if self._outcome is None:
            self.start()
            assert self._process is not None
            stdout, stderr = self._process.communicate(timeout=timeout)
            self._outcome = subprocess.CompletedProcess(list(self.argv), self._process.returncode,
                                                        stdout, stderr)
        return self._outcome

    def stop(self) -> None:
        """Kill the command if it still runs (a test deselected late, an interrupted session) and
        remove its folder."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
        if self._folder is not None:
            self._folder.cleanup()
