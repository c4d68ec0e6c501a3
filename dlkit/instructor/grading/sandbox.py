"""What a student's kernel may see and touch: only its own folder, read-only Python, and no network.

Two sandboxes confine a kernel, and grading runs in one of them or not at all:

- **bubblewrap** (Linux: ``apt-get install bubblewrap``): the kernel runs in its own mount, PID,
  IPC and network namespaces;
- **a container** (Podman or Docker on Linux): the kernel runs in a container of its own, made
  from a one-layer image dlkit builds on the spot with ``podman import`` / ``docker import`` (a
  tarball of empty folders: nothing is pulled from a registry), the container's own network of
  none, every capability dropped, no new privileges, at most 1024 open files and 512 processes.

In both, the root filesystem is *not* visible: only the system folders Python needs (``/usr``,
``/lib``, ``/etc`` ...) and the folders of this Python and its packages, all read-only, plus the
data folder the instructor names in ``$DLKIT_DATA_DIR`` (read-only); ``$HOME`` and ``/tmp`` are
small private tmpfs folders, gone when the kernel ends; the real home, the other submissions and
the gradebook are not there; the only writable real folder is the submission's own copy; and the
grader's kernel talks to it over Unix sockets (ZeroMQ's ``ipc`` transport) in that folder (or, where
its path is too long for a socket's address, in a short folder of their own under /tmp).

A container here runs *this computer's* Python, bound in read-only, so it needs a Linux host: on
macOS and Windows, Docker and Podman run containers in a Linux virtual machine, where this
computer's Python cannot run and its Unix sockets cannot be reached. There, grade in a Linux
machine or in WSL 2 (bubblewrap works there).

``--sandbox auto`` (the default) takes bubblewrap, else a container, and **refuses to grade**
without either, saying how to get one. ``--sandbox none`` runs every kernel as a plain process, as
the instructor, in the submission's copy with a private ``$HOME``: an explicit choice, which the
gradebook's ``sandboxed`` column records as ``no`` for every such run.
"""

from __future__ import annotations

import functools
import io
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from dlkit.errors import DlkitError
from dlkit.instructor.grading.options import SANDBOX_CHOICES

__all__ = ["CONTAINER_IMAGE", "SANDBOX_CHOICES", "Sandbox", "choose_sandbox"]

SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt")
PRIVATE_TMPFS_BYTES = 256 * 1024 * 1024  # $HOME and /tmp: room for Keras' and matplotlib's caches
CONTAINER_IMAGE = "localhost/dlkit-grade-root:1"  # empty folders; everything else is bound in read-only
CONTAINER_RUNTIMES = ("podman", "docker")
CONTAINER_LIMITS = ("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=512:512")
NO_SANDBOX_HELP = (
    "install one: bubblewrap (Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install "
    "bubblewrap), or Podman or Docker (then --sandbox container); on macOS or Windows, grade in a Linux "
    "machine or in WSL 2. To run every notebook unconfined, as you, choose --sandbox none (the gradebook "
    "records it)"
)


@dataclass(frozen=True)
class Sandbox:
    """How kernels are confined: ``kind`` is "bubblewrap", "podman", "docker" or "none" (``why``
    says why); ``options`` are extra ``run`` options a container runtime needs on this machine."""

    kind: str
    why: str = ""
    options: tuple[str, ...] = ()

    @property
    def confined(self) -> bool:
        return self.kind != "none"

    @property
    def container(self) -> bool:
        return self.kind in CONTAINER_RUNTIMES

    def kernel_argv(self, python_argv: list[str], writable: Path, read_only: list[Path],
                    environment: dict[str, str],
                    also_writable: tuple[Path, ...] = ()) -> tuple[list[str], list[str] | None]:
        """The command that starts ``python_argv`` (a kernel) confined to ``writable`` (its working
        folder) and ``also_writable`` (its sockets' folder, where that is elsewhere), and the command
        that removes what is left of it if it has to be stopped from outside (a container outlives
        its client), or None."""
        if self.kind == "bubblewrap":
            return _bubblewrap_argv(python_argv, writable, read_only, environment, also_writable), None
        if self.container:
            name = f"dlkit-grade-{uuid.uuid4().hex[:12]}"
            argv = container_argv(self.kind, self.options, name, writable, read_only, environment,
                                  also_writable)
            return argv + python_argv, [self.kind, "rm", "--force", name]
        return python_argv, None


def _read_only_folders(read_only: list[Path]) -> list[str]:
    return [str(folder) for folder in sorted(set(python_folders()) | {path.resolve() for path in read_only})]


def _bubblewrap_argv(python_argv: list[str], writable: Path, read_only: list[Path],
                     environment: dict[str, str], also_writable: tuple[Path, ...] = ()) -> list[str]:
    argv = [shutil.which("bwrap") or "bwrap", "--die-with-parent", "--new-session", "--unshare-all",
            "--clearenv", "--proc", "/proc", "--dev", "/dev"]
    for folder in SYSTEM_FOLDERS:
        if Path(folder).exists():
            argv += ["--ro-bind", folder, folder] if not Path(folder).is_symlink() else \
                ["--symlink", str(Path(folder).readlink()), folder]
    home = environment["HOME"]
    for private in ("/tmp", home):
        argv += ["--size", str(PRIVATE_TMPFS_BYTES), "--tmpfs", private]
    for folder in _read_only_folders(read_only):
        argv += ["--ro-bind", folder, folder]
    for folder in also_writable:
        argv += ["--bind", str(folder), str(folder)]
    argv += ["--bind", str(writable), str(writable), "--chdir", str(writable)]
    for name, value in sorted(environment.items()):
        argv += ["--setenv", name, value]
    return argv + python_argv


def container_argv(runtime: str, options: tuple[str, ...], name: str, writable: Path | None,
                   read_only: list[Path], environment: dict[str, str],
                   also_writable: tuple[Path, ...] = ()) -> list[str]:
    """``RUNTIME run`` with everything a confined kernel gets, up to (not including) its command."""
    argv = [shutil.which(runtime) or runtime, "run", "--rm", "--name", name, "--network", "none",
            "--cap-drop", "all", "--security-opt", "no-new-privileges", "--read-only", *CONTAINER_LIMITS,
            *options]
    if runtime == "podman" and os.getuid() != 0:
        argv += ["--userns", "keep-id"]  # files the kernel writes are the instructor's
    elif runtime == "docker":
        argv += ["--user", f"{os.getuid()}:{os.getgid()}"]
    home = environment.get("HOME", "/home/student")
    for private in ("/tmp", home):
        argv += ["--tmpfs", f"{private}:size={PRIVATE_TMPFS_BYTES},mode=1777"]
    for folder in SYSTEM_FOLDERS:
        if Path(folder).is_dir() and not Path(folder).is_symlink():
            argv += ["--volume", f"{folder}:{folder}:ro"]
    for folder in _read_only_folders(read_only):
        argv += ["--volume", f"{folder}:{folder}:ro"]
    for folder in also_writable:
        argv += ["--volume", f"{folder}:{folder}:rw"]
    if writable is not None:
        argv += ["--volume", f"{writable}:{writable}:rw", "--workdir", str(writable)]
    for variable, value in sorted(environment.items()):
        argv += ["--env", f"{variable}={value}"]
    return argv + [CONTAINER_IMAGE]


def skeleton_tarball() -> bytes:
    """The container image's one layer: the folders the binds land on, and the links the system
    folders are on a merged-/usr system (``/bin`` -> ``usr/bin``)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for folder in ("tmp", "home", "proc", "dev", "sys", "run", "var", "root"):
            entry = tarfile.TarInfo(folder)
            entry.type, entry.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(entry)
        for folder in SYSTEM_FOLDERS:
            path = Path(folder)
            if not path.exists():
                continue
            entry = tarfile.TarInfo(folder.lstrip("/"))
            if path.is_symlink():
                entry.type, entry.linkname = tarfile.SYMTYPE, str(path.readlink())
            else:
                entry.type, entry.mode = tarfile.DIRTYPE, 0o755
            tar.addfile(entry)
    return buffer.getvalue()


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
        return "bubblewrap is not installed"
    probe = ["bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc",
             "--dev", "/dev", "true"]
    try:
        run = subprocess.run(probe, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bubblewrap did not start ({error})"
    if run.returncode != 0:
        return f"this system refuses bubblewrap's namespaces ({run.stderr.strip().splitlines()[-1:]})"
    return ""


@functools.cache
def container_sandbox() -> Sandbox | str:
    """A container sandbox that works here (Podman first, then Docker), or why there is none:
    each runtime found is tried for real, this Python started in a container as a kernel would be."""
    if not sys.platform.startswith("linux"):
        return (f"a container sandbox needs a Linux host (this is {sys.platform}: containers run in a "
                "virtual machine, where this computer's Python cannot run)")
    problems = []
    for runtime in CONTAINER_RUNTIMES:
        if shutil.which(runtime) is None:
            problems.append(f"{runtime} is not installed")
            continue
        problem = _import_skeleton(runtime)
        for options in ((), ("--cgroups", "disabled")) if runtime == "podman" else ((),):
            if problem:
                break
            problem = _probe(runtime, options)
            if not problem:
                return Sandbox(runtime, options=options)
        problems.append(f"{runtime}: {problem}")
    return "; ".join(problems)


def _import_skeleton(runtime: str) -> str:
    """Build the image (no registry) unless it is there; "" or why it could not be."""
    try:
        there = subprocess.run([runtime, "image", "inspect", CONTAINER_IMAGE], capture_output=True,
                               timeout=60)
        if there.returncode == 0:
            return ""
        made = subprocess.run([runtime, "import", "-", CONTAINER_IMAGE], input=skeleton_tarball(),
                              capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"could not build its image ({error})"
    if made.returncode != 0:
        return f"could not build its image ({_last_line(made.stderr)})"
    return ""


def _probe(runtime: str, options: tuple[str, ...]) -> str:
    argv = container_argv(runtime, options, f"dlkit-probe-{uuid.uuid4().hex[:8]}", None, [],
                          {"HOME": "/home/student"})
    argv += [sys.executable, "-c", "import socket; print('confined')"]
    try:
        run = subprocess.run(argv, capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"a container did not start ({error})"
    if run.returncode != 0 or b"confined" not in run.stdout:
        return f"a container did not run this Python ({_last_line(run.stderr)})"
    return ""


def _last_line(output: bytes) -> str:
    lines = output.decode(errors="replace").strip().splitlines()
    return lines[-1][:200] if lines else "no message"


def choose_sandbox(choice: str = "auto") -> Sandbox:
    """The sandbox for ``choice``: "bubblewrap" or "container" (an error if it cannot run here),
    "none" (unconfined, asked for), or "auto": bubblewrap, else a container, else an error that
    says how to get one."""
    if choice not in SANDBOX_CHOICES:
        raise DlkitError(f"--sandbox {choice!r}: use one of {', '.join(SANDBOX_CHOICES)}")
    if choice == "none":
        return Sandbox("none", "asked for with --sandbox none")
    problems = []
    if choice in ("auto", "bubblewrap"):
        problem = bubblewrap_problem()
        if not problem:
            return Sandbox("bubblewrap")
        if choice == "bubblewrap":
            raise DlkitError(f"--sandbox bubblewrap: {problem}")
        problems.append(problem)
    container = container_sandbox()
    if isinstance(container, Sandbox):
        return container
    if choice == "container":
        raise DlkitError(f"--sandbox container: {container}")
    problems.append(container)
    raise DlkitError(f"no sandbox to grade in: {'; '.join(problems)}. {NO_SANDBOX_HELP}")
