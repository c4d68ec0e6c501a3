"""Lab 05's plumbing: every export format is written with its card, runs in its own runtime and
answers as the Keras model does; quantized files stay accurate; bad model files are one-line
errors; pictures become MNIST-like digits."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pytest
from PIL import Image, ImageDraw

from dlkit.deploy.card import ServingCard, card_path, read_card, write_card
from dlkit.deploy.inputs import BadRequest, array_to_inputs, picture_to_input, prepare_digit
from dlkit.errors import DlkitError

pytestmark = pytest.mark.training

DIGIT_CARD = ServingCard("digits", tuple("0123456789"), (28, 28, 1), "digit")
PHOTO_CARD = ServingCard("ponies", ("a", "b"), (150, 150, 3), "photo", pixel_scale=255.0)


def png_bytes(image: Image.Image, format: str = "PNG") -> bytes:
    import io

    buffer = io.BytesIO()
    image.save(buffer, format=format)
    return buffer.getvalue()


# --- exports and runtimes -------------------------------------------------------------------------


def test_every_format_is_written_with_its_card_and_answers_like_keras(exported_digits):
    from dlkit.deploy import EXPORTS, load_predictor

    batch = exported_digits.x_test[:64]
    keras_probabilities = exported_digits.model.predict(batch, verbose=0)
    assert set(exported_digits.files) == {(e.format, e.quantization) for e in EXPORTS}
    for (format, quantization), path in exported_digits.files.items():
        card = read_card(path)
        assert (card.format, card.quantization, card.classes) == (format, quantization, tuple("0123456789"))
        predictor = load_predictor(path)
        assert predictor.input_shape == (28, 28, 1)
        probabilities = predictor.predict(batch)
        assert probabilities.shape == (64, 10) and probabilities.dtype == np.float32
        same_digits = np.mean(probabilities.argmax(1) == keras_probabilities.argmax(1))
        if quantization == "float32":
            np.testing.assert_allclose(probabilities, keras_probabilities, atol=1e-4)
        else:
            assert same_digits >= 0.95, (format, quantization, same_digits)


def test_full_integer_int8_really_takes_and_gives_int8(exported_digits):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(exported_digits.files[("litert", "int8")]))
    assert interpreter.get_input_details()[0]["dtype"] == np.int8
    assert interpreter.get_output_details()[0]["dtype"] == np.int8
    float_file = exported_digits.files[("litert", "float32")]
    assert exported_digits.files[("litert", "int8")].stat().st_size < float_file.stat().st_size / 3


def test_the_table_measures_every_file_against_the_first(exported_digits):
    from dlkit.deploy import format_table, measure_files

    paths = [exported_digits.files[("keras", "float32")], exported_digits.files[("litert", "int8")]]
    rows = measure_files(
        paths, exported_digits.x_test, exported_digits.y_test, latency_calls=5, throughput_batches=1
    )
    assert [row.name for row in rows] == ["Keras (.keras) float32", "LiteRT (.tflite) int8"]
    assert rows[0].accuracy > 0.9 and rows[0].accuracy_change == 0
    assert rows[1].accuracy_change == pytest.approx(rows[1].accuracy - rows[0].accuracy)
    assert rows[1].size_bytes == paths[1].stat().st_size
    assert all(row.latency_ms > 0 and row.images_per_second > 0 for row in rows)
    table = format_table(rows)
    assert "LiteRT (.tflite) int8" in table and "%" in table
    from dlkit.deploy import read_card

    # each file's card now says what it scored: what /info and the classroom's projector show
    assert [read_card(path).test_accuracy for path in paths] == [round(row.accuracy, 4) for row in rows]


def test_int8_is_skipped_without_a_representative_dataset(exported_digits, tmp_path):
    from dlkit.deploy import EXPORTS, export_model

    written = export_model(
        exported_digits.model,
        tmp_path,
        DIGIT_CARD,
        representative=None,
        exports=[e for e in EXPORTS if e.format == "litert"],
    )
    assert [item.export.quantization for item in written] == ["float32", "float16", "dynamic int8"]


# --- files the service cannot load ------------------------------------------------------------------


def test_model_files_that_cannot_load_give_one_line_naming_the_file(tmp_path):
    from deploy_models import require_deploy

    require_deploy()
    import keras

    from dlkit.deploy import ModelLoadError, load_predictor

    (tmp_path / "random.tflite").write_bytes(np.random.default_rng(0).bytes(4096))
    (tmp_path / "random.onnx").write_bytes(b"not an onnx file")
    (tmp_path / "broken.keras").write_bytes(b"PK\x03\x04 truncated zip")
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "empty_folder").mkdir()
    risky = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Lambda(lambda v: v * 2)])
    risky.save(tmp_path / "lambda.keras")
    cases = {
        "missing.keras": "no such file",
        "random.tflite": "not a LiteRT model",
        "random.onnx": "not an ONNX model",
        "broken.keras": "not a Keras model",
        "notes.txt": "not a model file dlkit knows",
        "empty_folder": "without saved_model.pb",
        "lambda.keras": "safe mode",
    }
    for name, expected in cases.items():
        with pytest.raises(ModelLoadError) as caught:
            load_predictor(tmp_path / name)
        message = str(caught.value)
        assert name in message and expected in message and "\n" not in message, message


def test_a_keras_file_holds_config_metadata_and_weights(exported_digits):
    with zipfile.ZipFile(exported_digits.files[("keras", "float32")]) as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]


# --- serving cards ------------------------------------------------------------------------------------


def test_a_card_travels_beside_its_file_and_a_broken_one_is_named(tmp_path):
    model_file = tmp_path / "digits.tflite"
    write_card(model_file, DIGIT_CARD)
    assert card_path(model_file).name == "digits.tflite.json"
    assert read_card(model_file) == DIGIT_CARD
    assert read_card(tmp_path / "other.tflite") is None
    card_path(model_file).write_text(json.dumps({"name": "x"}))
    with pytest.raises(DlkitError, match="digits.tflite.json"):
        read_card(model_file)


def test_a_file_without_a_card_is_served_with_output_indices(exported_digits, tmp_path):
    from dlkit.deploy import load_predictor

    bare = tmp_path / "bare.onnx"
    bare.write_bytes(exported_digits.files[("onnx", "float32")].read_bytes())
    card = load_predictor(bare).card
    assert card.classes == tuple(str(i) for i in range(10)) and card.input_kind == "digit"
    assert "no serving card" in card.notes[0]


# --- pictures into inputs -----------------------------------------------------------------------------


def drawn_one(size: int = 280, ink: int = 255, paper: int = 0, left: int = 40) -> Image.Image:
    """A '1' drawn near the left edge of a big canvas, as a student might on the page."""
    image = Image.new("L", (size, size), paper)
    ImageDraw.Draw(image).line([(left, 60), (left + 10, 200)], fill=ink, width=18)
    return image


def centre_of_mass(grey: np.ndarray) -> tuple[float, float]:
    total = grey.sum()
    rows, columns = np.indices(grey.shape)
    return (rows * grey).sum() / total, (columns * grey).sum() / total


def test_a_digit_drawn_off_centre_is_centred_and_scaled_as_in_mnist():
    digit, changes = prepare_digit(np.asarray(drawn_one().convert("RGB")))
    assert digit.shape == (28, 28) and digit.dtype == np.uint8
    row, column = centre_of_mass(digit.astype(float))
    assert abs(row - 14) < 1.5 and abs(column - 14) < 1.5
    ink_rows = np.flatnonzero((digit > 40).any(axis=1))
    assert 18 <= ink_rows[-1] - ink_rows[0] + 1 <= 21  # the longer side fills the 20-pixel box
    assert any("centred" in change for change in changes)


def test_dark_ink_on_white_paper_is_inverted_and_a_blank_picture_is_refused():
    digit, changes = prepare_digit(np.asarray(drawn_one(ink=20, paper=250).convert("RGB")))
    assert digit.max() > 200 and digit[0, 0] == 0 and "inverted (dark on light)" in changes
    with pytest.raises(BadRequest) as caught:
        prepare_digit(np.zeros((100, 100, 3), np.uint8))
    assert caught.value.status == 422 and "blank" in caught.value.reason


def test_ink_on_a_transparent_background_is_read_as_ink_on_paper():
    drawing = Image.new("RGBA", (200, 200), (0, 0, 0, 0))  # what drawing apps export: black, invisible
    ImageDraw.Draw(drawing).line([(90, 30), (100, 170)], fill=(0, 0, 0, 255), width=14)
    digit_input, changes = picture_to_input(png_bytes(drawing), "drawn.png", DIGIT_CARD)
    assert "drawn on a transparent layer: read by its opacity" in changes  # whatever the ink's colour
    row, column = centre_of_mass(digit_input[0, ..., 0])
    assert digit_input.max() == 1.0 and abs(row - 14) < 1.5 and abs(column - 14) < 1.5


def test_uploaded_pictures_become_the_inputs_the_card_describes():
    digit_input, _ = picture_to_input(png_bytes(drawn_one()), "one.png", DIGIT_CARD)
    assert digit_input.shape == (1, 28, 28, 1) and 0 <= digit_input.min() and digit_input.max() <= 1.0
    photo = Image.new("RGB", (640, 480), (200, 30, 30))
    photo_input, changes = picture_to_input(png_bytes(photo, "JPEG"), "pony.jpg", PHOTO_CARD)
    assert photo_input.shape == (1, 150, 150, 3) and photo_input.max() > 150  # 0-255: the model rescales
    assert "resized from 640x480 to 150x150" in changes


@pytest.mark.parametrize(
    ("data", "name", "status", "reason"),
    [
        (b"", "empty.png", 400, "empty"),
        (b"just some text", "notes.png", 400, "not a picture"),
        (None, "cut.png", 400, "truncated"),
    ],
)
def test_bytes_that_are_not_a_whole_picture_are_refused_by_name(data, name, status, reason):
    if data is None:
        data = png_bytes(drawn_one())[:200]
    with pytest.raises(BadRequest) as caught:
        picture_to_input(data, name, DIGIT_CARD)
    assert caught.value.status == status and reason in caught.value.reason and name in caught.value.reason


def test_a_picture_of_too_many_pixels_is_refused_before_it_is_decoded():
    huge = png_bytes(Image.new("1", (9000, 8000)))  # about 10 kB of PNG, 72 megapixels
    assert len(huge) < 100_000
    with pytest.raises(BadRequest) as caught:
        picture_to_input(huge, "bomb.png", PHOTO_CARD)
    assert caught.value.status == 413 and "too large: 9000x8000" in caught.value.reason


def test_what_lab_05_needs_is_named_when_it_is_missing(monkeypatch):
    from dlkit.deploy import requirements

    monkeypatch.setattr(requirements, "DEPLOY_MODULES", ("json",))  # present everywhere
    monkeypatch.setattr(requirements, "MIN_KERAS", (3, 0))
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    assert "exports through TensorFlow" in requirements.missing_for_deploy()
    monkeypatch.setenv("KERAS_BACKEND", "tensorflow")
    assert requirements.missing_for_deploy() is None
    monkeypatch.setattr(requirements, "MIN_KERAS", (99, 0))
    assert "cannot export LiteRT files" in requirements.missing_for_deploy()
    monkeypatch.setattr(requirements, "DEPLOY_MODULES", ("no_such_runtime_module",))
    assert 'pip install "dlkit[deploy]"' in requirements.missing_for_deploy()


def test_the_demo_lists_lab_05_as_skipped_with_the_reason_where_it_cannot_run(monkeypatch, tmp_path, capsys):
    from dlkit.deploy import requirements
    from dlkit.instructor.cli import main

    labs = tmp_path / "labs"
    labs.mkdir()
    (labs / "05_deploy.ipynb").write_text(  # a lab that declares the deploy extra, as lab 05 does
        '{"cells": [], "metadata": {"dlkit": {"extras": ["deploy"]}}, "nbformat": 4, "nbformat_minor": 5}'
    )
    monkeypatch.setattr(requirements, "DEPLOY_MODULES", ("no_such_runtime_module",))
    assert main(["demo", "--labs", str(labs), "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "skipped: the deploy extra is not installed (no_such_runtime_module missing)" in printed
    assert "0 of 1 labs ran cleanly. Skipped: 05_deploy" in printed


def test_json_arrays_must_match_the_input_shape():
    one, batched = array_to_inputs(np.zeros((28, 28, 1)).tolist(), DIGIT_CARD)
    assert one.shape == (1, 28, 28, 1) and not batched
    three, batched = array_to_inputs(np.zeros((3, 28, 28, 1)).tolist(), DIGIT_CARD)
    assert three.shape == (3, 28, 28, 1) and batched
    for values, reason in [
        ([1, 2, 3], "wrong shape [3]"),
        ([[1, 2], [3]], "ragged"),
        ({"x": 1}, "got a JSON dict"),
        (np.zeros((300, 28, 28, 1)).tolist(), "a batch of 300"),
        ([[[float("nan")]] * 28] * 28, "NaN"),
    ]:
        with pytest.raises(BadRequest) as caught:
            array_to_inputs(values, DIGIT_CARD)
        assert caught.value.status == 422 and reason in caught.value.reason, caught.value.reason
