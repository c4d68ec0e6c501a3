"""What a lab opens with, where it is read and where it is published.

In this repository a lab's first code cell is short (``SETUP_CELL``): dlkit is installed where the
labs are read from a checkout. Every copy students open — the student copies ``dlkit
student-copy`` writes, the release's copies the Colab badges open, the course site — starts
instead with the cell that installs dlkit where it is missing (``install_cell``), holding every
installed package at its version: the plumbing is added where the lab is published, as d2l's
builder adds its one install line only to the notebooks it publishes.

The install cell installs a release tag (``v<version>``), never a branch: a commit pushed mid-week
does not change the lab a class is running. The repository and the version are the installed
package's (``[project.urls] Repository`` and ``version`` of pyproject.toml), unless given.
"""

from __future__ import annotations

from importlib import metadata, resources

__all__ = ["INSTALL_MARK", "SETUP_CELL", "SETUP_MARK", "install_cell", "is_setup_cell",
           "released_repository", "with_install_cell"]

SETUP_MARK = "# Setup: dlkit is installed here"
INSTALL_MARK = "# Setup: installs dlkit where it is missing"
SETUP_CELL = f"""{SETUP_MARK} (a checkout: pip install -e .). The copies students open (Colab, a
# release, dlkit student-copy) start with a cell that installs it instead.
import os

# Keras runs on TensorFlow (the default), JAX or PyTorch. Choose before Keras is first imported,
# e.g. os.environ["KERAS_BACKEND"] = "jax", and restart the kernel to choose again.
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from dlkit.runtime import versions_line

print(versions_line())"""
# A lab whose metadata names one of dlkit's extras installs it, where a module only it brings is missing.
EXTRA_MODULES = {"deploy": "ai_edge_litert"}


def released_repository() -> tuple[str, str]:
    """(the repository URL, the release tag ``v<version>``) of the installed dlkit."""
    found = metadata.metadata("dlkit")
    urls = dict(url.split(", ", 1) for url in found.get_all("Project-URL") or [] if ", " in url)
    return urls.get("Repository", "").rstrip("/"), f"v{found['Version']}"


def install_cell(
    extras: tuple[str, ...] = (), repository: str | None = None, release: str | None = None
) -> str:
    """The published first code cell: installs dlkit (with ``extras``) from ``repository`` at
    ``release`` where it is missing, changing no installed package; then prints the versions."""
    if repository is None or release is None:
        found_repository, found_release = released_repository()
        repository, release = repository or found_repository, release or found_release
    missing = 'importlib.util.find_spec("dlkit") is None'
    requirement = "dlkit"
    for extra in extras:
        if extra in EXTRA_MODULES:
            missing += f' or importlib.util.find_spec("{EXTRA_MODULES[extra]}") is None'
    if extras:
        requirement = f"dlkit[{','.join(extras)}]"
    filled = {"__REPOSITORY__": repository, "__RELEASE__": release, "__MISSING__": missing,
              "__REQUIREMENT__": requirement}
    template = resources.files("dlkit.instructor").joinpath("install_cell.txt")
    cell = template.read_text(encoding="utf-8").rstrip("\n")
    for token, value in filled.items():
        cell = cell.replace(token, value)
    return cell


def is_setup_cell(cell) -> bool:
    """Whether ``cell`` is a lab's first code cell, short or published."""
    return cell.cell_type == "code" and cell.source.startswith((SETUP_MARK, INSTALL_MARK))


def with_install_cell(notebook, repository: str | None = None, release: str | None = None):
    """``notebook`` (changed in place, and returned) with its setup cell replaced by the install
    cell, for the extras its metadata declares; a notebook without one (not a lab) is left as it is."""
    for cell in notebook.cells:
        if is_setup_cell(cell):
            extras = tuple(notebook.metadata.get("dlkit", {}).get("extras", []))
            cell.source = install_cell(extras, repository, release)
            break
    return notebook
