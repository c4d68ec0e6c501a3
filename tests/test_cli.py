"""The dlkit command line: help everywhere, readable one-line errors, the status table, doctor."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dlkit.instructor.cli import main


@pytest.mark.parametrize(
    "command",
    [[], ["fetch"], ["datasets"], ["doctor"], ["check-folder"], ["demo"], ["ponies"], ["student-copy"]],
)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as caught:
        main([*command, "--help"])
    assert caught.value.code == 0
    assert "usage: dlkit" in capsys.readouterr().out


def test_datasets_table_shows_status_size_source_and_licence(tiny_mnist, capsys):
    assert main(["datasets"]) == 0
    missing = capsys.readouterr().out
    assert "mnist" in missing and "missing" in missing and "CC0" in missing
    main(["fetch", "mnist", "--from", str(tiny_mnist.original.parent)])
    main(["datasets"])
    assert "verified" in capsys.readouterr().out


def test_datasets_table_reports_a_corrupt_copy(tiny_mnist, tmp_path, capsys):
    cached = tmp_path / "dlkit-cache" / "datasets" / "mnist.npz"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"junk")
    main(["datasets"])
    assert "corrupt" in capsys.readouterr().out
    assert cached.read_bytes() == b"junk"  # listing changes nothing


def test_fetch_from_reports_where_the_verified_file_went(tiny_mnist, capsys):
    assert main(["fetch", "mnist", "--from", str(tiny_mnist.original.parent)]) == 0
    assert "verified: tiny test file" in capsys.readouterr().out


def test_errors_are_one_readable_line_without_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "dlkit.instructor.cli", "fetch", "mnist", "--from", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"dlkit: error: --from {tmp_path}: it has no mnist.npz (11.5 MB); copy that file there and try again"
    ]


def test_unknown_dataset_name_is_a_clear_error(capsys):
    assert main(["fetch", "imagenet"]) == 1
    assert "unknown name 'imagenet'; dlkit knows: mnist" in capsys.readouterr().err


def test_doctor_passes_here_and_fails_when_the_cache_is_unwritable(tmp_path, monkeypatch, capsys):
    assert main(["doctor"]) == 0
    report = capsys.readouterr().out
    for expected in (
        "TensorFlow",
        "Keras",
        "backend",
        "Cache folder",
        "GB free",
        "Embedded MNIST",
        "Runs offline",
        "Labs will use",
        "Full profile, 03_pony_classifier",
    ):
        assert expected in report
    # nothing fetched in this test: every lab that reads MNIST is named, with its stand-in; lab 04's
    # pretrained network came with dlkit
    assert "00, 03, 07 in both profiles (no data to fetch)" in report
    assert "01, 02, 05, 06 in the quick profile (embedded MNIST; `dlkit fetch mnist`)" in report
    assert "04 in both profiles" in report and "random weights" not in report
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("DLKIT_CACHE_DIR", str(blocker / "cache"))
    assert main(["doctor"]) == 1
    assert "BROKEN Cache folder" in capsys.readouterr().out


def test_classroom_export_writes_label_folders_once_and_refuses_a_folder_with_files(tmp_path, capsys):
    import io

    from PIL import Image

    from dlkit.classroom import open_session

    session = open_session(tmp_path / "session", model="digits")
    picture = io.BytesIO()
    Image.new("L", (28, 28), 0).save(picture, format="PNG")
    drawing = session.add("3", "8", 0.7, [{"label": "8", "probability": 0.7}], picture.getvalue(), "device")
    session.close()
    out = tmp_path / "our_digits"
    assert main(["classroom", "export", str(tmp_path / "session"), "--out", str(out)]) == 0
    assert [p.relative_to(out).as_posix() for p in out.rglob("*.png")] == [f"3/{drawing.id}.png"]
    assert "wrote 1 drawing to" in capsys.readouterr().out
    assert (out / "drawings.csv").read_text(encoding="utf-8").splitlines() == [
        "file,label,device,pointer", f"3/{drawing.id}.png,3,device-01,"]
    assert main(["classroom", "export", str(tmp_path / "session"), "--out", str(out)]) == 1
    assert "not an empty folder" in capsys.readouterr().err
    with pytest.raises(SystemExit) as no_out:  # `export` is a sub-command: argparse names what is missing
        main(["classroom", "export", str(tmp_path / "session")])
    assert no_out.value.code == 2 and "--out" in capsys.readouterr().err
    assert main(["classroom", "export", str(tmp_path / "nothing"), "--out", str(tmp_path / "x")]) == 1
    assert "not a classroom session" in capsys.readouterr().err


def test_classroom_classes_are_refused_in_one_line_before_a_port_or_a_session_is_taken(tmp_path, capsys):
    session = tmp_path / "session"
    serve = ["classroom", "serve", "--session", str(session)]
    assert main([*serve, "efficientnet_lite0", "--classes", "mug"]) == 1
    assert "1 class(es); a class needs 2 to 20" in capsys.readouterr().err
    model = tmp_path / "digits.keras"
    assert main([*serve, str(model), "--classes", "mug,keys"]) == 1
    assert "--classes names classes of photos" in capsys.readouterr().err
    assert not session.exists()  # nothing was started or written


def test_a_table_cell_of_several_lines_keeps_them_one_under_another():
    from dlkit.instructor.tables import format_table

    table = format_table(["lab", "key metric", "seconds"],
                         [["00", "Deck numbers reproduced: 14/14", "9.2"],
                          ["06", "Test accuracy: 0.7480\nTest mean squared error (LSTM): 0.0327", "29.3"]])
    assert table.splitlines() == [
        "lab  key metric                              seconds",
        "---  --------------------------------------  -------",
        "00   Deck numbers reproduced: 14/14          9.2",
        "06   Test accuracy: 0.7480                   29.3",
        "     Test mean squared error (LSTM): 0.0327",
    ]


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["serve", "m.keras", "--port", "70000"], "expected a port from 0 (any free one) to 65535"),
        (["serve", "m.keras", "--port", "-1"], "expected a port"),
        (["serve", "m.keras", "--max-upload-mb", "0"], "expected a number above 0"),
        (["classroom", "m.keras", "--per-minute", "nan"], "expected a number above 0"),
        (["grade", "00", "subs", "--out", "x", "--jobs", "0"], "expected a whole number of at least 1"),
        (["ponies", "--out", "x", "--per-class", "-3"], "expected a whole number of at least 1"),
        (["demo", "--profile", "fast"], "invalid choice: 'fast'"),
    ],
)
def test_every_number_and_choice_is_checked_before_anything_runs(argv, says, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2 and says in capsys.readouterr().err


def test_the_defaults_people_are_told_are_the_ones_the_api_uses():
    import inspect

    from dlkit.classroom.server import serve_classroom
    from dlkit.deploy.server import serve_forever
    from dlkit.instructor.cli import build_parser
    from dlkit.instructor.demo import run_demo
    from dlkit.instructor.grading.options import GradeOptions

    def defaults(function):
        return {name: p.default for name, p in inspect.signature(function).parameters.items()}

    parser = build_parser()
    serve = parser.parse_args(["serve", "m.keras"])
    served = defaults(serve_forever)
    assert (serve.host, serve.port, serve.max_upload_mb * 1024**2) == (
        served["host"], served["port"], served["max_upload_bytes"])
    room, classroom = parser.parse_args(["classroom", "serve", "m.keras"]), defaults(serve_classroom)
    assert (room.port, room.session) == (classroom["port"], classroom["session"])
    assert parser.parse_args(["demo"]).profile == defaults(run_demo)["profile"]
    graded = parser.parse_args(["grade", "00", "subs", "--out", "x"])
    options = GradeOptions()
    assert (graded.profile, graded.sandbox, graded.jobs) == (options.profile, options.sandbox, options.jobs)
    assert graded.timeout == GradeOptions().limits.cell_seconds


def test_classroom_has_real_sub_commands_and_the_short_form_still_serves(tmp_path, capsys):
    from dlkit.instructor.cli import _with_classroom_action as short_form
    from dlkit.instructor.cli import build_parser

    parser = build_parser()
    assert parser.parse_args(short_form(["classroom", "digits.keras"])).action == "serve"
    assert parser.parse_args(["classroom", "export", "s", "--out", "o"]).action == "export"
    assert main(["classroom", "serve", "m.keras", "--input", "values"]) == 1
    assert "a classroom takes pictures" in capsys.readouterr().err
    assert main(["classroom", "delete", str(tmp_path)]) == 1  # not a session: refused, nothing deleted
    assert tmp_path.exists()
