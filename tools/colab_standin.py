"""A stand-in for a Colab runtime, to check that installing dlkit there changes nothing Colab ships.

Google publishes what a Colab runtime has installed (``../shared/colab/pip-freeze.txt`` for the CPU
runtime, ``pip-freeze.gpu.txt`` for the GPU one). This script

1. makes a virtual environment with Colab's versions of the packages dlkit touches: its
   requirements and extras, the Jupyter kernel stack a notebook runs on, JAX and pytest (the list is
   printed; everything they pull in is held at Colab's version too). dlkit is **not** installed;
2. adds nbval, the harness (not in Colab), with every Colab version held;
3. records ``pip freeze --all``, then runs each lab's install cell, the first cell of the copy a
   student opens (``dlkit.instructor.publish``), as written, installing from a local clone holding
   the release tag (the working tree, committed and tagged in a temporary folder);
4. records ``pip freeze --all`` again and fails, by name, if a package that was there changed
   version or went away (new packages are what dlkit adds, and are listed);
5. with ``--run-labs``, runs the quick labs there under nbval, each in a pytest of its own, two
   at a time.

    python tools/colab_standin.py --freeze ../shared/colab/pip-freeze.txt --venv /tmp/colab --run-labs
    python tools/colab_standin.py --freeze ../shared/colab/pip-freeze.gpu.txt --venv /tmp/colab-gpu

The before/after difference is written as Markdown to ``--report`` (default: printed only).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

import colab_links  # noqa: E402  (the labs' repository and release tag)

# What a notebook runs on in Colab, beside dlkit's own requirements: its kernel and Jupyter (the
# packages a changed version of would break the runtime), JAX (Colab has it; the labs run on it;
# on the GPU runtime with its CUDA plugin, which installs on a CPU machine too), pytest (Colab has
# it; nbval runs under it). The GPU list's CUDA libraries (nvidia-*) are left out: gigabytes that
# need a GPU to do anything.
RUNTIME_PACKAGES = ("ipykernel", "jupyter-client", "jupyter-core", "notebook", "ipython", "traitlets",
                    "pyzmq", "tornado", "protobuf", "jax", "jaxlib", "jax-cuda12-plugin", "jax-cuda12-pjrt",
                    "pytest")
HARNESS = ("nbval",)  # not in Colab: installed before the first freeze, holding Colab's versions
SKIPPED_EXTRAS = ("test", "lab")  # the developer's and a local JupyterLab's, not a Colab student's


def canonical(name: str) -> str:
    """A package name as pip compares them (PEP 503): ``jupyter_client`` is ``jupyter-client``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_freeze(text: str) -> dict[str, str]:
    """``name -> version`` from ``pip freeze`` text; ``name @ url`` lines map to the URL."""
    packages = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if " @ " in line:
            name, url = line.split(" @ ", 1)
            packages[canonical(name)] = url.strip()
        elif "==" in line:
            name, version = line.split("==", 1)
            packages[canonical(name)] = version.strip()
    return packages


def installable_pins(freeze: dict[str, str]) -> dict[str, str]:
    """The lines of a published freeze that a package index can serve (``name==version``)."""
    return {name: version for name, version in freeze.items() if "://" not in version}


def dlkit_requirement_names() -> set[str]:
    """Every package dlkit's requirements and its student-facing extras name (pyproject.toml)."""
    import tomllib  # Python 3.11+, as Colab's 3.13 is

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra, listed in project["optional-dependencies"].items():
        if extra not in SKIPPED_EXTRAS:
            requirements += listed
    names = {canonical(re.match(r"[A-Za-z0-9_.-]+", requirement).group(0)) for requirement in requirements}
    return names - {"dlkit"}


def touched_packages(pins: dict[str, str]) -> list[str]:
    """The packages of the stand-in: dlkit's and a notebook's, where Colab has them, at its versions."""
    wanted = dlkit_requirement_names() | {canonical(name) for name in RUNTIME_PACKAGES}
    return sorted(f"{name}=={pins[name]}" for name in wanted if name in pins)


def pip(venv: Path, *args: str, capture: bool = False) -> subprocess.CompletedProcess:
    return subprocess.run([str(venv / "bin" / "python"), "-m", "pip", *args], check=True, text=True,
                          capture_output=capture)


def freeze(venv: Path) -> dict[str, str]:
    return parse_freeze(pip(venv, "freeze", "--all", capture=True).stdout)


def build_standin(venv: Path, python: str, pins: dict[str, str]) -> list[str]:
    """Make ``venv`` with Colab's versions of the touched packages and the harness; returns the list."""
    packages = touched_packages(pins)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    constraints = venv / "colab-constraints.txt"
    constraints.write_text("".join(f"{name}=={version}\n" for name, version in sorted(pins.items())))
    pip(venv, "install", "--quiet", "--constraint", str(constraints), *packages, *HARNESS)
    return packages


def release_clone(destination: Path, tag: str) -> Path:
    """The working tree (tracked and new files, not ignored ones) committed in a new repository at
    ``destination`` and tagged ``tag``: what a student's install cell fetches, as the release has it."""
    listing = ["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    files = subprocess.run(listing, check=True, capture_output=True, text=True).stdout.split("\0")
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    identity = ["-c", "user.name=dlkit stand-in", "-c", "user.email=standin@localhost"]
    for command in (["init", "--quiet"], ["add", "--all"], [*identity, "commit", "--quiet", "-m", "release"],
                    [*identity, "tag", "--annotate", tag, "-m", tag]):
        subprocess.run(["git", "-C", str(destination), *command], check=True, capture_output=True)
    return destination


def install_cell(lab: Path, repository: str) -> str:
    """The first code cell of the lab's student copy, as written, installing the release from
    ``repository``."""
    from dlkit.instructor.publish import install_cell as published_cell

    extras = tuple(json.loads(lab.read_text())["metadata"].get("dlkit", {}).get("extras", []))
    return published_cell(extras, repository, colab_links.release_tag())


def run_install_cells(venv: Path, labs: list[Path], repository: str, workdir: Path) -> None:
    """Run every lab's install cell, in order, with the stand-in's Python, as a fresh kernel would."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("DLKIT_OFFLINE", "PYTHONPATH", "VIRTUAL_ENV")}
    for lab in labs:
        done = subprocess.run([str(venv / "bin" / "python"), "-c", install_cell(lab, repository)],
                              cwd=workdir, env=environment, capture_output=True, text=True)
        printed = done.stdout.strip().splitlines()
        print(f"{lab.name} install cell: {printed[-1] if printed else '(printed nothing)'}")
        if done.returncode != 0:
            shown = (done.stdout + done.stderr).strip().splitlines()
            raise SystemExit(f"{lab.name}: its install cell failed in the Colab stand-in:\n"
                             + "\n".join(shown[-20:]))


def compare(before: dict[str, str], after: dict[str, str]) -> tuple[list[str], list[str], list[str]]:
    """(changed, removed, added) lines between two freezes."""
    changed = [f"{name} {before[name]} -> {after[name]}" for name in sorted(before)
               if name in after and after[name] != before[name]]
    removed = [f"{name} {before[name]}" for name in sorted(before) if name not in after]
    added = [f"{name} {after[name]}" for name in sorted(after) if name not in before]
    return changed, removed, added


def markdown_report(freeze_file: Path, packages: list[str], changed, removed, added) -> str:
    lines = [f"Colab stand-in from `{freeze_file}` ({len(packages)} packages at Colab's versions).", "",
             "| | packages |", "|---|---|",
             f"| changed version | {', '.join(changed) or 'none'} |",
             f"| removed | {', '.join(removed) or 'none'} |",
             f"| added (dlkit and what it needs) | {', '.join(added) or 'none'} |"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--freeze", type=Path, required=True, help="Colab's published pip freeze")
    parser.add_argument("--venv", type=Path, required=True, help="where to make it (must not exist)")
    parser.add_argument("--python", default="python3.13", help="the interpreter of Colab's Python version")
    parser.add_argument("--run-labs", action="store_true", help="then run the quick labs there under nbval")
    parser.add_argument("--report", type=Path, help="write the before/after difference here (Markdown)")
    args = parser.parse_args(argv)
    if args.venv.exists():
        parser.error(f"{args.venv} exists: the stand-in starts from nothing")
    pins = installable_pins(parse_freeze(args.freeze.read_text()))
    packages = build_standin(args.venv, args.python, pins)
    print(f"Colab stand-in from {args.freeze}: {', '.join(packages)}")
    labs = sorted((ROOT / "labs").glob("[0-9][0-9]_*.ipynb"))
    before = freeze(args.venv)
    with tempfile.TemporaryDirectory(prefix="dlkit-standin-") as scratch:
        clone = release_clone(Path(scratch) / "dlkit", colab_links.release_tag())
        (Path(scratch) / "content").mkdir()  # the kernel's working folder, as Colab's /content
        run_install_cells(args.venv, labs, f"file://localhost{clone}", Path(scratch) / "content")
    after = freeze(args.venv)
    changed, removed, added = compare(before, after)
    report = markdown_report(args.freeze, packages, changed, removed, added)
    print(report)
    if args.report:
        args.report.write_text(report)
    if changed or removed:
        print(f"colab stand-in: installing dlkit changed what {args.freeze} has installed: "
              f"{', '.join(changed + removed)}", file=sys.stderr)
        return 1
    if args.run_labs:
        failed = run_quick_labs(args.venv)
        if failed:
            print(f"colab stand-in: the quick labs failed on {args.freeze}'s versions: {', '.join(failed)}",
                  file=sys.stderr)
            return 1
    return 0


def run_quick_labs(venv: Path, at_once: int = 2) -> list[str]:
    """Run each lab under nbval in ``venv``, in a pytest of its own, ``at_once`` at a time (a quick
    lab leaves much of a 2-core CPU idle; they share the cache, which dlkit locks), printing each
    lab's output whole as it ends. Returns the labs that failed."""
    quiet = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}  # ipykernel 6.17's debugger on 3.13

    def run_one(lab: Path) -> tuple[Path, subprocess.CompletedProcess]:
        command = [str(venv / "bin" / "python"), "-m", "pytest", "-q", str(lab.relative_to(ROOT))]
        return lab, subprocess.run(command, cwd=ROOT, env=quiet, capture_output=True, text=True)

    failed = []
    with ThreadPoolExecutor(max_workers=at_once) as pool:
        for lab, run in pool.map(run_one, sorted((ROOT / "labs").glob("[0-9][0-9]_*.ipynb"))):
            print(run.stdout + run.stderr, flush=True)
            if run.returncode != 0:
                failed.append(lab.stem)
    return failed


if __name__ == "__main__":
    sys.exit(main())
