"""Cut a release: one command for the instructor, so a class runs on a version that does not move.

    python tools/release.py 0.2.0             # bump, rewrite labs and README, build, commit, tag
    python tools/release.py 0.2.0 --dry-run   # say what would happen, change nothing

In a clean checkout it

1. writes the version into pyproject.toml (the one source of it);
2. rewrites every lab's Colab badge and the README's badges to open ``v<version>-student``
   (``tools/colab_links.py``);
3. builds the wheel and sdist into ``dist/`` and checks them with ``twine check`` (the test suite
   also fails if a lab solution would ship in either);
4. commits "Release <version>" and makes the annotated tag ``v<version>``;
5. writes the student copies (``dlkit student-copy``: solutions replaced by exercises, outputs
   cleared, the first cell installing the tag ``v<version>``, so whatever is pushed to main
   afterwards changes nothing in a running class) as a commit of their own, holding only
   ``labs/`` and a short README, tagged ``v<version>-student``: what every Colab badge opens. The
   commit has no parent, so nothing reachable from that tag holds a solution; the instructor's
   labs stay on main and ``v<version>``.

Pushing stays with the instructor: ``git push origin main v<version> v<version>-student``. While
pyproject.toml's repository URL is still the placeholder, the release is refused (no student could install it)
unless ``--allow-placeholder`` says it is a rehearsal.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import colab_links  # noqa: E402  (the script that writes the badges and install cells)

ROOT = colab_links.ROOT
VERSION_PATTERN = re.compile(r"^\d+\.\d+\.\d+([ab]|rc)?\d*$")  # 1.2.3, 1.2.3rc1: plain PEP 440


def git(*args: str, check: bool = True) -> str:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=check, capture_output=True, text=True).stdout


def problems(version: str, allow_placeholder: bool) -> list[str]:
    """Why a release of ``version`` cannot be cut from this checkout now (empty when it can)."""
    found = []
    if not VERSION_PATTERN.match(version):
        found.append(f"{version!r} is not a version like 0.2.0 or 0.2.0rc1")
    if git("status", "--porcelain").strip():
        found.append("the checkout has uncommitted changes: commit or stash them first")
    for tag in (colab_links.release_tag(version), colab_links.student_tag(version)):
        if git("tag", "--list", tag).strip():
            found.append(f"the tag {tag} exists already")
    if colab_links.is_placeholder(colab_links.repository()) and not allow_placeholder:
        found.append(f"pyproject.toml's Repository is still the placeholder {colab_links.PLACEHOLDER}: "
                     "set the real URL first (or pass --allow-placeholder for a rehearsal)")
    return found


def set_version(version: str) -> None:
    pyproject = ROOT / "pyproject.toml"
    text = pyproject.read_text()
    pyproject.write_text(re.sub(r'^version\s*=\s*"[^"]+"', f'version = "{version}"', text, count=1,
                                flags=re.MULTILINE))


def build(version: str) -> list[Path]:
    """Build the wheel and sdist into dist/ and have twine check them; returns the two files."""
    dist = ROOT / "dist"
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)], check=True)
    built = sorted(dist.glob(f"dlkit-{version}*"))
    subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, built)], check=True)
    return built


STUDENT_README = """# {course} labs, release {version}

Open a lab with its "Open in Colab" badge, or download it and open it in Jupyter. Its first cell
installs what it needs (dlkit {version}) and changes nothing already installed. The exercises under
"Your turn" are yours: each ends with a checker that says whether your answer is right.
"""


def tag_student_copies(version: str) -> str:
    """Commit the student copies of the labs at ``v<version>`` (alone, with a README, no parent) and
    tag the commit ``v<version>-student``; returns the tag."""
    from dlkit.instructor.student_copy import write_student_copies

    tag, student = colab_links.release_tag(version), colab_links.student_tag(version)
    labs = sorted((ROOT / "labs").glob("[0-9][0-9]_*.ipynb"))
    git_dir = git("rev-parse", "--absolute-git-dir").strip()
    with tempfile.TemporaryDirectory(prefix="dlkit-student-") as scratch:
        tree = Path(scratch) / "tree"
        write_student_copies(labs, tree / "labs", repository=colab_links.repository(), release=tag)
        (tree / "README.md").write_text(STUDENT_README.format(course="dlkit", version=version))
        # A private index, so the instructor's staged files are neither used nor touched.
        env = {**os.environ, "GIT_INDEX_FILE": str(Path(scratch) / "index")}
        in_tree = ["git", f"--git-dir={git_dir}", f"--work-tree={tree}"]
        subprocess.run([*in_tree, "add", "--all", "--force", "."], cwd=tree, env=env, check=True)
        tree_id = subprocess.run([*in_tree, "write-tree"], cwd=tree, env=env, check=True,
                                 capture_output=True, text=True).stdout.strip()
        message = f"Student copies of {tag}"
        commit = subprocess.run([*in_tree, "commit-tree", tree_id, "-m", message], cwd=tree, env=env,
                                check=True, capture_output=True, text=True).stdout.strip()
    git("tag", "--annotate", student, commit, "--message", f"dlkit {version}, student copies")
    return student


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("version", help="the new version, e.g. 0.2.0")
    parser.add_argument("--dry-run", action="store_true", help="check and say what would happen")
    parser.add_argument("--allow-placeholder", action="store_true",
                        help="release even though the repository URL is the placeholder (a rehearsal)")
    args = parser.parse_args(argv)
    tag = colab_links.release_tag(args.version)
    found = problems(args.version, args.allow_placeholder)
    for problem in found:
        print(f"release: {problem}", file=sys.stderr)
    if found:
        return 1
    if args.dry_run:
        print(f"would set version {args.version}, point the badges and the copies' install cells at {tag}, "
              f"build and check dist/, commit and tag {tag}, and tag the student copies "
              f"{colab_links.student_tag(args.version)}")
        return 0
    set_version(args.version)
    for path in colab_links.stale_files(write=True):
        print(f"updated: {path}")
    for path in build(args.version):
        print(f"built: {path.relative_to(ROOT)}")
    git("commit", "--quiet", "--all", "--message", f"Release {args.version}")
    git("tag", "--annotate", tag, "--message", f"dlkit {args.version}")
    student = tag_student_copies(args.version)
    print(f"Released {args.version} as {tag}, its student copies as {student} (what the badges open). "
          f"Publish them: git push origin main {tag} {student}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
