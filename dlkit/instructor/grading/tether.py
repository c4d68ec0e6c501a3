"""A student's kernel never outlives its grader, however the grader ends.

jupyter_client starts every kernel in a session of its own, so that Ctrl+C in the instructor's
terminal does not reach it; the price is that nothing stops the kernel when the grader is killed
(a closed laptop, a lost SSH session, ``kill -9``): a kernel in an endless loop would burn a core
until someone noticed, and a sandbox's launcher (bubblewrap, a container) would keep it running.

So the grader starts each kernel through this tether:

    python -m dlkit.instructor.grading.tether GRADER_PID [--cleanup JSON] [--remove JSON] -- KERNEL_ARGV...

It starts the kernel as its child and waits. When the kernel ends, it ends with the kernel's
status; when the grader process ``GRADER_PID`` is gone (Linux tells it at once through
``PR_SET_PDEATHSIG``; elsewhere it notices within ``POLL_SECONDS``) or it is told to stop, it kills
the kernel's whole process group, runs the cleanup command if there is one (``podman rm -f NAME``:
a container does not stop when its client is killed), and — when the grader is gone, so cannot do
it — removes the submission's run folders (a copy of a student's notebook must not stay behind in
the temporary folder), then ends.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time

__all__ = ["POLL_SECONDS", "tethered"]

POLL_SECONDS = 0.25


def tethered(argv: list[str], grader_pid: int, cleanup: list[str] | None = None,
             remove: list[str] | None = None) -> list[str]:
    """``argv`` started through the tether, to die when process ``grader_pid`` does; the folders in
    ``remove`` go with it if the grader is gone."""
    extra = ["--cleanup", json.dumps(cleanup)] if cleanup else []
    extra += ["--remove", json.dumps(remove)] if remove else []
    return [sys.executable, "-m", "dlkit.instructor.grading.tether", str(grader_pid), *extra, "--", *argv]


def _tell_me_when_my_parent_dies() -> None:
    """On Linux, SIGTERM to this process the moment its parent dies (not SIGKILL: the tether must
    live long enough to kill the kernel)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # polling still notices


def _parse(arguments: list[str]) -> tuple[int, list[str] | None, list[str], list[str]]:
    if "--" not in arguments or not arguments or not arguments[0].isdigit():
        raise SystemExit("usage: python -m dlkit.instructor.grading.tether GRADER_PID [--cleanup JSON] "
                         "[--remove JSON] -- ARGV...")
    split = arguments.index("--")
    head, command = arguments[:split], arguments[split + 1:]
    cleanup = json.loads(head[head.index("--cleanup") + 1]) if "--cleanup" in head else None
    remove = json.loads(head[head.index("--remove") + 1]) if "--remove" in head else []
    return int(head[0]), cleanup, command, remove


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


GRACE_SECONDS = 3.0


def _grader_gone(grader: int, parent: int) -> bool:
    """Whether the grader is gone, waiting up to GRACE_SECONDS for it: a signal that reached this
    tether (a closed terminal, a kill of the whole group) is reaching the grader too, which may
    not have finished dying; a grader still alive after that removes the folders itself."""
    deadline = time.monotonic() + GRACE_SECONDS
    while _alive(grader) and os.getppid() == parent:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def main(arguments: list[str]) -> int:
    grader, cleanup, command, remove = _parse(arguments)
    stopping = []
    parent = os.getppid()
    _tell_me_when_my_parent_dies()
    for name in ("SIGTERM", "SIGHUP"):
        signal.signal(getattr(signal, name), lambda number, frame: stopping.append(number))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the grader's to handle; it ends us
    if not _alive(grader):  # the grader died before the tether was set
        return 1
    kernel = subprocess.Popen(command)  # same process group as the tether: killed with it
    status = None
    while status is None and not stopping and _alive(grader) and os.getppid() == parent:
        try:
            status = kernel.wait(timeout=POLL_SECONDS)
        except subprocess.TimeoutExpired:
            pass
    if status is not None:
        return status if status >= 0 else 128 - status
    kernel.kill()
    try:
        kernel.wait(timeout=10)  # gone, so that nothing writes into its folders while they are removed
    except subprocess.TimeoutExpired:
        pass
    if cleanup:
        subprocess.run(cleanup, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60, check=False)
    if _grader_gone(grader, parent):  # nobody else will: the student's copy goes
        for folder in remove:
            for _ in range(3):  # a file appearing while the tree is walked leaves its folder: again
                shutil.rmtree(folder, ignore_errors=True)
                if not os.path.exists(folder):
                    break
    if os.getpgid(0) == os.getpid():  # a group of its own (jupyter_client's new session): all of it
        try:
            os.killpg(os.getpid(), signal.SIGKILL)  # anything the kernel started, and this tether
        except OSError:
            pass
    return 137


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
