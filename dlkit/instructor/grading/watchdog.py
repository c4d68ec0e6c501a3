"""A kernel's limits, enforced from outside it: memory, disk and the submission's whole time.

A thread polls the kernel's process tree (psutil) and the submission's folder a few times a
second and kills the tree the moment one is over its limit, saying which. Polling lets a very
fast allocation overshoot by what it allocates in one interval; the operating system's own
out-of-memory handling still stands behind it. It needs no cgroups, so it works the same on
every Linux, in containers, and on macOS.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import psutil

from dlkit.instructor.grading.options import GIB, Limits

__all__ = ["Limits", "Watchdog"]

POLL_SECONDS = 0.2


def folder_bytes(folder: Path) -> int:
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:
                pass
    return total


class Watchdog(threading.Thread):
    """Kills process ``pid`` and its children when they pass ``limits``; ``stopped_by`` then holds
    (status, reason) for the gradebook."""

    def __init__(self, pid: int, folder: Path, limits: Limits, started: float, marker: str | None = None):
        super().__init__(daemon=True, name=f"dlkit-grade-watchdog-{pid}")
        self.process = psutil.Process(pid)
        self.marker = marker  # processes whose command line holds it count too (a container's kernel)
        self.folder, self.limits = folder, limits
        self.deadline = started + limits.submission_seconds
        self.stopped_by: tuple[str, str] | None = None
        self.peak_bytes = 0
        self._done = threading.Event()

    def stop(self) -> None:
        self._done.set()

    def run(self) -> None:
        polls = 0
        while not self._done.wait(POLL_SECONDS):
            polls += 1
            try:
                found = [self.process, *self.process.children(recursive=True), *self._marked()]
                tree = list({process.pid: process for process in found}.values())  # each counted once
                memory = sum(_rss(process) for process in tree)
            except psutil.NoSuchProcess:
                if self._gone():
                    return
                continue  # a process of the tree ended mid-count: count again at the next poll
            except psutil.AccessDenied:
                continue
            self.peak_bytes = max(self.peak_bytes, memory)
            if memory > self.limits.memory_bytes:
                self._kill(tree, "memory-limit", f"used {memory / GIB:.1f} GiB of memory, over the "
                           f"{self.limits.memory_bytes / GIB:.1f} GiB limit")
            elif time.monotonic() > self.deadline:
                self._kill(tree, "timeout", f"ran past the {self.limits.submission_seconds:g}-second limit "
                           "for a whole submission")
            elif polls % 5 == 0 and (used := folder_bytes(self.folder)) > self.limits.disk_bytes:
                self._kill(tree, "disk-limit", f"wrote {used / GIB:.2f} GiB into its folder, over the "
                           f"{self.limits.disk_bytes / GIB:.2f} GiB limit")
            if self.stopped_by:
                return

    def _gone(self) -> bool:
        try:
            return not self.process.is_running() or self.process.status() == psutil.STATUS_ZOMBIE
        except psutil.Error:
            return True

    def _marked(self) -> list[psutil.Process]:
        """The processes whose command line holds ``marker``, and their children (not this one's)."""
        if self.marker is None:
            return []
        found = []
        for process in psutil.process_iter(["cmdline"]):
            command = process.info["cmdline"] or ()
            if process.pid != os.getpid() and any(self.marker in part for part in command):
                found.append(process)
                try:
                    found += process.children(recursive=True)
                except psutil.NoSuchProcess:
                    pass
        return [process for process in found if process.pid != self.process.pid]

    def _kill(self, tree: list, status: str, reason: str) -> None:
        self.stopped_by = (status, reason)
        for process in reversed(tree):
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass


def _rss(process: psutil.Process) -> int:
    try:
        return process.memory_info().rss
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0
