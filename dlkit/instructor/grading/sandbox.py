"""What a student's kernel may see and touch: only its own folder, read-only Python, and no network.

On Linux with bubblewrap (``apt-get install bubblewrap``) every kernel runs in its own mount, PID,
IPC and network namespaces:

- the root filesystem is *not* visible: only the system folders Python needs (``/usr``, ``/lib``,
  ``/etc`` ...) and the folders of this Python and its packages, all read-only, plus the data
  folder the instructor names in ``$DLKIT_DATA_DIR`` (read-only);
- ``$HOME`` and ``/tmp`` are small private tmpfs folders, gone when the kernel ends; the real home,
  the other submissions and the gradebook are not there to read or write;
- the only writable real folder is the submission's own copy (its notebook, its cache, the
  exchange folder the grader reads answers from);
- there is no network: the kernel's own namespace has only a loopback with nothing on it, so the
  grader's kernel talks to it over Unix sockets (ZeroMQ's ``ipc`` transport) in that folder.

Where bubblewrap is missing or the OS refuses namespaces (macOS, Windows, some containers),
``--sandbox none`` runs the kernel as a plain process in the submission's copy with a private
``$HOME``; the gradebook's ``sandboxed`` column then says ``no`` for every such run, so nobody
mistakes it for isolation.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from dlkit.errors import DlkitError
from dlkit.instructor.grading.options import SANDBOX_CHOICES

__all__ = ["SANDBOX_CHOICES", "Sandbox", "choose_sandbox"]

SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt")
PRIVATE_TMPFS_BYTES = 256 * 1024 * 1024  # $HOME and /tmp: room for Keras' and matplotlib's caches


@dataclass(frozen=True)
class Sandbox:
    """How kernels are confined: ``kind`` is "bubblewrap" or "none"; ``why`` says why for none."""

    kind: str
    why: str = ""

    @property
    def confined(self) -> bool:
        return self.kind == "bubblewrap"

    def kernel_argv(self, python_argv: list[str], writable: Path, read_only: list[Path],
                    environment: dict[str, str]) -> list[str]:
        """The command that starts ``python_argv`` (a kernel) confined to ``writable``."""
        if not self.confined:
            return python_argv
        argv = ["bwrap", "--die-with-parent", "--new-session", "--unshare-all", "--clearenv",
                "--proc", "/proc", "--dev", "/dev"]
        for folder in SYSTEM_FOLDERS:
            if Path(folder).exists():
                argv += ["--ro-bind", folder, folder] if not Path(folder).is_symlink() else \
                    ["--symlink", str(Path(folder).readlink()), folder]
        home = environment["HOME"]
        for private in ("/tmp", home):
            argv += ["--size", str(PRIVATE_TMPFS_BYTES), "--tmpfs", private]
        for folder in sorted(set(python_folders()) | {path.resolve() for path in read_only}):
            argv += ["--ro-bind", str(folder), str(folder)]
        argv += ["--bind", str(writable), str(writable), "--chdir", str(writable)]
        for name, value in sorted(environment.items()):
            argv += ["--setenv", name, value]
        return argv + python_argv


def python_folders() -> list[Path]:
    """The folders this Python and its packages live in (sys.prefix, site-packages, the source
    folder of an editable dlkit), which a kernel must read."""
    import dlkit

    folders = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent,
               Path(dlkit.__file__).resolve().parent}
    folders.update(Path(path) for key, path in sysconfig.get_paths().items()
                   if key in ("stdlib", "platstdlib", "purelib", "platlib"))
    here = Path.cwd().resolve()  # `python -m` puts the working folder on sys.path; no kernel needs it
    folders.update(Path(entry) for entry in sys.path
                   if entry and Path(entry).is_dir() and Path(entry).resolve() != here)
    existing = sorted(folder.resolve() for folder in folders if folder.exists())
    kept = []  # a folder inside another one is bound with it
    for folder in existing:
        if not any(folder.is_relative_to(parent) for parent in kept):
            kept.append(folder)
    return [folder for folder in kept if str(folder) not in ("/", *SYSTEM_FOLDERS)
            and not any(folder.is_relative_to(system) for system in SYSTEM_FOLDERS)]


@functools.cache
def bubblewrap_problem() -> str:
    """Why bubblewrap cannot confine a kernel here ("" when it can): tried once, for real."""
    if not sys.platform.startswith("linux"):
        return f"bubblewrap needs Linux (this is {sys.platform})"
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    probe = ["bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc",
             "--dev", "/dev", "true"]
    try:
        run = subprocess.run(probe, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap did not start ({error})"
    if run.returncode != 0:
        return f"this system refuses bubblewrap's namespaces ({run.stderr.strip().splitlines()[-1:]})"
    return ""


def choose_sandbox(choice: str = "auto") -> Sandbox:
    """The sandbox for ``choice``: "bubblewrap" (an error if it cannot run here), "none", or
    "auto" (bubblewrap where it works, else none, saying why)."""
    if choice not in SANDBOX_CHOICES:
        raise DlkitError(f"--sandbox {choice!r}: use one of {', '.join(SANDBOX_CHOICES)}")
    if choice == "none":
        return Sandbox("none", "asked for with --sandbox none")
    problem = bubblewrap_problem()
    if not problem:
        return Sandbox("bubblewrap")
    if choice == "bubblewrap":
        raise DlkitError(f"--sandbox bubblewrap: {problem}")
    return Sandbox("none", problem)
