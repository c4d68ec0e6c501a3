"""dlkit student-copy: solutions out, stubs in, outputs cleared; the student lab still runs and its
checkers answer with hints; a markup slip is an error, never a leaked answer."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from dlkit.course import check
from dlkit.instructor.cli import main
from dlkit.instructor.labs import Lab, find_labs
from dlkit.instructor.side_by_side import SIDE_BY_SIDE, run_side_by_side, settle_cpu_precision
from dlkit.instructor.student_copy import SolutionMarkupError, student_notebook, student_source


def lab_paths() -> list[Path]:
    return [lab.path for lab in find_labs()]


SOLVED = '''\
def area(width, height):
    # STUB: raise NotImplementedError("Your turn")
    # BEGIN SOLUTION
    return width * height
    # END SOLUTION


check(area)'''


def solution_cell(source: str):
    cell = new_code_cell(source, outputs=[new_output("stream", name="stdout", text="the answer: 42\n")])
    cell.metadata["tags"] = ["solution"]
    return cell


def test_a_solution_block_is_replaced_by_its_stub_at_the_comments_indentation():
    assert student_source(SOLVED) == (
        'def area(width, height):\n    raise NotImplementedError("Your turn")\n\n\ncheck(area)'
    )


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("x = 1\n# BEGIN SOLUTION\nx = 2", "never closed"),
        ("x = 1\n# END SOLUTION", "without"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\n# END SOLUTION", "inside another"),
        ("answer = 42", "no # BEGIN SOLUTION"),
    ],
)
def test_broken_markup_is_an_error(source, problem):
    with pytest.raises(SolutionMarkupError, match=problem):
        student_source(source, "lab, cell 3")


BADGE = "[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]"


def test_the_notebook_copy_clears_outputs_renames_tags_and_leaves_the_original_alone():
    badge = f"{BADGE}(https://colab.research.google.com/github/o/r/blob/main/labs/lab.ipynb)"
    original = new_notebook(cells=[new_markdown_cell(f"# Lab\n\n{badge}\nText."), solution_cell(SOLVED)])
    copy = student_notebook(original)
    assert copy.cells[0].source == "# Lab\n\nText."  # the badge would open the instructor's version
    assert copy.cells[1].outputs == [] and copy.cells[1].metadata["tags"] == ["exercise"]
    assert "width * height" not in copy.cells[1].source
    assert copy.metadata["dlkit"]["student_copy"]["exercises"] == 1
    assert "width * height" in original.cells[1].source and original.cells[1].outputs


def test_a_badge_that_opens_the_release_student_copies_is_kept():
    badge = f"{BADGE}(https://colab.research.google.com/github/o/r/blob/v0.2.0-student/labs/lab.ipynb)"
    original = new_notebook(cells=[new_markdown_cell(f"# Lab\n\n{badge}\nText.")])
    assert student_notebook(original).cells[0].source == f"# Lab\n\n{badge}\nText."


def test_markers_in_an_untagged_cell_are_an_error_not_a_leak():
    untagged = new_code_cell(SOLVED)
    with pytest.raises(SolutionMarkupError, match="no 'solution' tag"):
        student_notebook(new_notebook(cells=[untagged]), "lab.ipynb")


def solution_lines(notebook) -> list[str]:
    lines, inside = [], False
    for cell in notebook.cells:
        for line in cell.source.splitlines():
            marker = line.strip()
            if marker in ("# BEGIN SOLUTION", "# END SOLUTION"):
                inside = marker == "# BEGIN SOLUTION"
            elif inside and marker:
                lines.append(marker)
    return lines


@pytest.mark.parametrize("lab", lab_paths(), ids=lambda path: path.stem)
def test_every_lab_ends_with_two_to_four_exercises_whose_answers_stay_out_of_the_student_copy(lab):
    instructor = nbformat.read(lab, as_version=4)
    student = student_notebook(instructor, lab.name)
    exercises = [i for i, cell in enumerate(student.cells) if "exercise" in cell.metadata.get("tags", [])]
    assert 2 <= len(exercises) <= 4
    assert "## Your turn" in "".join(c.source for c in student.cells[exercises[0] - 1 : exercises[0]])
    exercise_lines = {line.strip() for i in exercises for line in student.cells[i].source.splitlines()}
    answers = [line for line in solution_lines(instructor) if len(line) > 3 and not line.startswith("#")]
    assert answers and not [line for line in answers if line in exercise_lines]
    for cell in student.cells:
        if cell.cell_type == "code":
            ast.parse(cell.source)
            assert cell.outputs == []
            assert "NBVAL_" not in cell.source  # the test suite's markers are not the student's
    assert any("# NBVAL_CHECK_OUTPUT" in cell.source for cell in instructor.cells)  # and were there


@pytest.fixture(scope="module")
def executed_student_copies(tmp_path_factory) -> dict[str, nbformat.NotebookNode | BaseException]:
    """Every runnable lab's student copy, made by the CLI and executed in the quick profile, two at
    a time as `dlkit demo` runs quick labs (each in its own kernel and folder; a lab that loads an
    earlier lab's history waits for it): one at a time they took 6 minutes of the suite."""
    labs = [lab for lab in lab_paths() if not Lab(lab).cannot_run()]
    root = tmp_path_factory.mktemp("student-copies")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DLKIT_PROFILE", "quick")  # what a rehearsal of the student copy runs
        env.setenv("DLKIT_OFFLINE", "1")
        assert main(["student-copy", "--out", str(root / "students")]) == 0

        def run_one(lab: Path) -> nbformat.NotebookNode | BaseException:
            student = nbformat.read(root / "students" / lab.name, as_version=4)
            folder = root / lab.stem
            folder.mkdir()
            try:
                client = NotebookClient(student, timeout=600, kernel_name="python3",
                                        resources={"metadata": {"path": str(folder)}})
                client.execute(stderr=subprocess.DEVNULL)
            except Exception as error:  # reported by that lab's test, not by every lab's
                return error
            return student

        settle_cpu_precision(labs)
        results = run_side_by_side(labs, SIDE_BY_SIDE, run_one, started=lambda lab: None)
    return {lab.stem: result for lab, result in zip(labs, results, strict=True)}


@pytest.mark.parametrize("lab", lab_paths(), ids=lambda path: path.stem)
@pytest.mark.notebooks
def test_every_student_copy_runs_and_every_checker_says_not_yet(lab, executed_student_copies):
    if reason := Lab(lab).cannot_run():  # lab 05 without the deploy extra (the oldest set, Python 3.10)
        pytest.skip(f"{lab.stem}: {reason}")
    student = executed_student_copies[lab.stem]
    if isinstance(student, BaseException):
        raise student
    checker_calls = re.compile(rf"^check\.({'|'.join(check.__all__)})\(", re.MULTILINE)
    checked = [c for c in student.cells if c.cell_type == "code" and checker_calls.search(c.source)]
    verdicts = ["".join(o["text"] for o in cell.outputs if o.get("name") == "stdout") for cell in checked]
    assert len(verdicts) >= 2
    for verdict in verdicts:
        assert "💡 Not yet" in verdict and "✅" not in verdict, verdict


def test_student_copy_refuses_to_overwrite_the_labs_and_names_unknown_labs(tmp_path, capsys):
    labs = lab_paths()
    assert main(["student-copy", "--out", str(labs[0].parent)]) == 1
    assert "holds the labs themselves" in capsys.readouterr().err
    assert main(["student-copy", "99", "--out", str(tmp_path)]) == 1
    assert "no lab matches '99'" in capsys.readouterr().err
    assert not list(Path(tmp_path).iterdir())
