"""Colab and fresh Jupyter: every lab opens with its badge; the copy a student opens starts with an
install cell (a checkout's lab with a short setup cell) that installs dlkit from the repository
where it is missing, changing no package already installed (and refusing in one
line, changing nothing, where it cannot), does nothing where it is installed, and prints versions.
.ci/run's Colab stand-in runs the same cells on Colab's published versions.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from importlib import metadata
from pathlib import Path

import colab_links  # the script that writes the badges and the labs' setup cells
import colab_standin  # the Colab stand-in: a release clone, a lab's install cell pointed at it
import nbformat
import pytest
from fresh_interpreter import FreshRun

ROOT = Path(__file__).resolve().parents[1]

LABS = sorted((ROOT / "labs").glob("[0-9][0-9]_*.ipynb"))
NO_PIP = """
import subprocess
_run = subprocess.run
def refuse_pip(command, *args, **kwargs):
    assert "pip" not in command, f"pip was called: {command}"
    return _run(command, *args, **kwargs)
subprocess.run = refuse_pip
"""

VERSION = metadata.version("dlkit")  # the installed package says it; pyproject.toml is the source


def install_cell(lab: Path) -> str:
    """The first code cell of the lab's student copy: what a student opening it runs first."""
    from dlkit.instructor.student_copy import student_notebook

    return student_notebook(nbformat.read(lab, as_version=4), lab.name).cells[1].source


def test_labs_and_readme_carry_the_repository_from_pyproject():
    assert colab_links.stale_files(write=False) == [], "run: python tools/colab_links.py"


@pytest.mark.parametrize("lab", LABS, ids=lambda path: path.stem)
def test_each_lab_opens_with_its_own_badge_then_a_short_setup_cell_its_copy_with_the_install_cell(lab):
    from dlkit.instructor.publish import SETUP_CELL

    notebook = nbformat.read(lab, as_version=4)
    repo = colab_links.repository()
    owner_and_name = repo.removeprefix("https://github.com/")
    tag = f"v{VERSION}"  # a release, never main: a push mid-week must not change a class's labs
    # The badge opens the release's student copies, never the instructor's lab with its solutions.
    colab = f"https://colab.research.google.com/github/{owner_and_name}/blob/{tag}-student/labs/{lab.name}"
    assert f"]({colab})" in notebook.cells[0].source
    assert [c.cell_type for c in notebook.cells[:2]] == ["markdown", "code"]
    assert notebook.cells[1].source == SETUP_CELL and len(SETUP_CELL.splitlines()) <= 12
    published = install_cell(lab)
    assert f'DLKIT_REPOSITORY = "{repo}"' in published and f'DLKIT_RELEASE = "{tag}"' in published
    assert 'os.environ.setdefault("KERAS_BACKEND", "tensorflow")' in published


INSTALLED_CELL = FreshRun([sys.executable, "-c", NO_PIP + install_cell(LABS[1])])


@pytest.mark.fresh_interpreter(INSTALLED_CELL)
def test_where_dlkit_is_installed_the_cell_only_prints_versions():
    result = INSTALLED_CELL.outcome(timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")  # the cell keeps a backend chosen before it
    assert result.stdout.startswith(f"dlkit {VERSION} | Python ") and f" on {backend} " in result.stdout


def site_packages_without_dlkit(tmp_path: Path) -> Path:
    """This environment's packages (TensorFlow and all), minus dlkit: as on Colab."""
    site = Path(next(p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()))
    mirror = tmp_path / "site-packages"
    mirror.mkdir()
    for entry in site.iterdir():
        if not entry.name.lower().startswith(("dlkit", "__editable__")):
            (mirror / entry.name).symlink_to(entry)
    return mirror


@pytest.mark.packaging
def test_where_dlkit_is_missing_the_cell_installs_it_from_the_repository(tmp_path):
    if not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout to install from")
    env_dir = tmp_path / "fresh"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    # What a teacher sets DLKIT_REPOSITORY to; here, this checkout. (A host is spelled out: the pip
    # a fresh venv brings, 23.x, rejects git+file:/// URLs without one.)
    # The cell installs the release tag, so the repository it reads has one: a clone of this checkout
    # with this version tagged, as `tools/release.py` leaves it.
    clone = tmp_path / "repository"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "tag", "-f", f"v{VERSION}"], check=True, capture_output=True)
    repository = f"file://localhost{clone}"
    cell = install_cell(LABS[1]).replace(colab_links.repository(), repository)
    environment = {**os.environ, "PYTHONPATH": str(site_packages_without_dlkit(tmp_path)),
                   "PIP_DISABLE_PIP_VERSION_CHECK": "1"}

    missing = subprocess.run([python, "-c", "import dlkit"], env=environment, capture_output=True,
                             cwd=tmp_path)
    assert missing.returncode != 0  # the fresh environment really lacks dlkit
    installed = subprocess.run([python, "-c", cell], env=environment, capture_output=True, text=True,
                               timeout=600, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert installed.stdout.strip().splitlines()[-1].startswith(f"dlkit {VERSION} | Python ")
    again = subprocess.run([python, "-c", NO_PIP + cell], env=environment, capture_output=True, text=True,
                           timeout=300, cwd=tmp_path)
    assert again.returncode == 0, again.stderr[-2000:]  # second run: installed, pip not called


def run_cell(python: Path | str, cell: str, workdir: Path) -> subprocess.CompletedProcess:
    unset = ("DLKIT_OFFLINE", "VIRTUAL_ENV")  # a student's kernel has neither
    environment = {key: value for key, value in os.environ.items() if key not in unset}
    return subprocess.run([str(python), "-c", cell], cwd=workdir, env=environment, capture_output=True,
                          text=True, timeout=900)


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> str:
    """A clone of the working tree holding the release tag, as a ``git+file://`` repository."""
    if not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout")
    folder = tmp_path_factory.mktemp("release") / "dlkit"
    clone = colab_standin.release_clone(folder, colab_links.release_tag())
    return f"file://localhost{clone}"  # pip 23 (a fresh venv on 3.10) needs the host spelled out


def freeze(python: Path) -> str:
    return subprocess.run([str(python), "-m", "pip", "freeze", "--all"], check=True, capture_output=True,
                          text=True).stdout


@pytest.mark.packaging
def test_where_an_installed_package_would_change_the_cell_says_which_in_one_line_and_changes_nothing(
        release, tmp_path):
    # An environment holding a package older than dlkit's floor (tqdm>=4.66): installing dlkit there
    # cannot leave it alone.
    venv = tmp_path / "runtime"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "tqdm==4.65.0"], check=True)
    before = freeze(python)

    done = run_cell(python, colab_standin.install_cell(LABS[0], release), tmp_path)

    assert done.returncode != 0
    last_line = done.stderr.strip().splitlines()[-1]
    expected = "dlkit was not installed: it would change tqdm 4.65.0 -> "
    assert last_line.startswith(expected), done.stderr[-2000:]
    assert 'pip install "dlkit @ git+' in last_line  # how to proceed, if the student chooses to
    assert freeze(python) == before  # nothing installed, nothing changed
    assert list(tmp_path.glob("*.txt")) == []  # the constraints file went with it


RECORD_PIP = """
import subprocess, importlib.util
_find_spec = importlib.util.find_spec
importlib.util.find_spec = lambda name, *a: None if name == "ai_edge_litert" else _find_spec(name, *a)
def record_pip(command, *args, **kwargs):
    if "list" in command:  # what is installed: nothing, here
        return subprocess.CompletedProcess(command, 0, stdout="", stderr="")
    print("PIP:", " ".join(map(str, command)))
    raise SystemExit(0)
subprocess.run = record_pip
"""


def test_lab_05_installs_dlkit_with_its_deploy_extra_where_the_runtimes_are_missing():
    lab05 = next(lab for lab in LABS if lab.name.startswith("05_"))
    result = subprocess.run([sys.executable, "-c", RECORD_PIP + install_cell(lab05)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert f"dlkit[deploy] @ git+{colab_links.repository()}@v{VERSION}" in result.stdout
    for lab in LABS:  # the other labs ask for dlkit alone
        assert ("dlkit[deploy]" in install_cell(lab)) == lab.name.startswith("05_")
