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


def test_a_release_is_built_committed_and_tagged_and_its_student_copies_install_that_tag(checkout):
    done = release(checkout, "9.8.7", "--allow-placeholder")
    assert done.returncode == 0, done.stderr[-3000:]
    assert git(checkout, "tag", "--list", "v9.8.7").strip() == "v9.8.7"
    assert git(checkout, "status", "--porcelain").strip() == ""  # all committed (dist/ is ignored)
    assert git(checkout, "log", "-1", "--format=%s").strip() == "Release 9.8.7"
    assert 'version = "9.8.7"' in (checkout / "pyproject.toml").read_text()
    for lab in sorted((checkout / "labs").glob("[0-9][0-9]_*.ipynb")):
        notebook = nbformat.read(lab, as_version=4)
        assert notebook.cells[1].source.startswith("# Setup: dlkit is installed here")  # the short cell
        assert f"/blob/v9.8.7-student/labs/{lab.name})" in notebook.cells[0].source  # the student copy
    assert "/blob/v9.8.7-student/labs/" in (checkout / "README.md").read_text()
    assert sorted(p.name for p in (checkout / "dist").iterdir()) == [
        "dlkit-9.8.7-py3-none-any.whl", "dlkit-9.8.7.tar.gz"]
    assert_student_tag_holds_only_student_copies(checkout, "v9.8.7-student")
    again = release(checkout, "9.8.7", "--allow-placeholder")
    assert again.returncode == 1 and "exists already" in again.stderr


def assert_student_tag_holds_only_student_copies(checkout: Path, tag: str) -> None:
    """What a badge opens: the labs without solutions (no parent commit leads back to them), each
    with the badge that opens itself, and a README; nothing else."""
    files = git(checkout, "ls-tree", "-r", "--name-only", tag).split()
    labs = sorted(path.name for path in (checkout / "labs").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(files) == ["README.md", *(f"labs/{name}" for name in labs)]
    assert git(checkout, "rev-list", "--parents", "-n", "1", f"{tag}^{{commit}}").split()[1:] == []
    solutions = 0
    for name in labs:
        instructor = nbformat.read(checkout / "labs" / name, as_version=4)
        student = nbformat.reads(git(checkout, "show", f"{tag}:labs/{name}"), as_version=4)
        assert f"/blob/{tag}/labs/{name})" in student.cells[0].source
        assert f'DLKIT_RELEASE = "{tag.removesuffix("-student")}"' in student.cells[1].source  # installs it
        for ours, theirs in zip(instructor.cells, student.cells, strict=True):
            if "# BEGIN SOLUTION" in ours.source:
                solutions += 1
                block = ours.source.split("# BEGIN SOLUTION")[1].split("# END SOLUTION")[0].strip()
                assert block not in theirs.source and "# BEGIN SOLUTION" not in theirs.source
    assert solutions > 0  # the labs have exercises, so the check above checked something


def test_refuses_the_placeholder_repository_a_dirty_checkout_and_a_bad_version(checkout):
    placeholder = release(checkout, "9.8.7")
    assert placeholder.returncode == 1 and "placeholder" in placeholder.stderr
    (checkout / "labs" / "00_foundations.ipynb").write_text("{}")  # an edit not committed
    dirty = release(checkout, "9.8.7", "--allow-placeholder", "--dry-run")
    assert dirty.returncode == 1 and "uncommitted" in dirty.stderr
    assert release(checkout, "next", "--allow-placeholder").returncode == 1
    assert git(checkout, "tag", "--list").strip() == ""  # nothing was tagged
