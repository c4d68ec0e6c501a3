"""tools/release.py: one command turns a clean checkout into a tagged release whose labs install
that release, after building and checking the packages; it refuses what would make a bad one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.packaging

ROOT = Path(__file__).resolve().parents[1]
GIT_IDENTITY = {"GIT_AUTHOR_NAME": "Instructor", "GIT_AUTHOR_EMAIL": "instructor@example.org",
                "GIT_COMMITTER_NAME": "Instructor", "GIT_COMMITTER_EMAIL": "instructor@example.org"}


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A clone of this repository, as an instructor has it."""
    if not (ROOT / ".git").exists():
        pytest.skip("needs the git checkout")
    clone = tmp_path / "dlkit"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    return clone


def release(checkout: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(checkout / "tools" / "release.py"), *args], cwd=checkout,
                          env={**os.environ, **GIT_IDENTITY}, capture_output=True, text=True, timeout=900)


def git(checkout: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(checkout), *args], check=True, capture_output=True,
                          text=True).stdout


def test_a_release_is_built_committed_and_tagged_and_its_labs_install_that_tag(checkout):
    done = release(checkout, "9.8.7", "--allow-placeholder")
    assert done.returncode == 0, done.stderr[-3000:]
    assert git(checkout, "tag", "--list", "v9.8.7").strip() == "v9.8.7"
    assert git(checkout, "status", "--porcelain").strip() == ""  # all committed (dist/ is ignored)
    assert git(checkout, "log", "-1", "--format=%s").strip() == "Release 9.8.7"
    assert 'version = "9.8.7"' in (checkout / "pyproject.toml").read_text()
    for lab in sorted((checkout / "labs").glob("[0-9][0-9]_*.ipynb")):
        notebook = nbformat.read(lab, as_version=4)
        assert 'DLKIT_RELEASE = "v9.8.7"' in notebook.cells[1].source
        assert f"/blob/v9.8.7/labs/{lab.name})" in notebook.cells[0].source
    assert "/blob/v9.8.7/labs/" in (checkout / "README.md").read_text()
    assert sorted(p.name for p in (checkout / "dist").iterdir()) == [
        "dlkit-9.8.7-py3-none-any.whl", "dlkit-9.8.7.tar.gz"]
    again = release(checkout, "9.8.7", "--allow-placeholder")
    assert again.returncode == 1 and "exists already" in again.stderr


def test_refuses_the_placeholder_repository_a_dirty_checkout_and_a_bad_version(checkout):
    placeholder = release(checkout, "9.8.7")
    assert placeholder.returncode == 1 and "placeholder" in placeholder.stderr
    (checkout / "labs" / "00_foundations.ipynb").write_text("{}")  # an edit not committed
    dirty = release(checkout, "9.8.7", "--allow-placeholder", "--dry-run")
    assert dirty.returncode == 1 and "uncommitted" in dirty.stderr
    assert release(checkout, "next", "--allow-placeholder").returncode == 1
    assert git(checkout, "tag", "--list").strip() == ""  # nothing was tagged
