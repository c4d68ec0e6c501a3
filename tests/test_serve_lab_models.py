"""Every model a lab makes is served as it is. Each is built by the lab's own model code (taken
from the notebook), trained small, saved as the lab saves it (with a serving card) or as a student
would (``model.save``, no card), served over real HTTP on a loopback port and sent what a student
sends: a drawn digit, a pony picture. Every one answers 200 with the right classes, and answers
well enough that a wrong preparation (0-255 where 0-1 is expected, a digit taken for a photo)
would show."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from deploy_models import require_deploy
from PIL import Image
from recipes import lab04_head_definitions, run_lab_cell  # the labs' cells, as the benchmarks read them

pytestmark = pytest.mark.training

httpx = pytest.importorskip("httpx")
DIGITS = tuple("0123456789")


@pytest.fixture(scope="module")
def digits():
    from dlkit.datasets import load_embedded_mnist

    (x_train, y_train), (x_test, y_test) = load_embedded_mnist()
    return (x_train[:6000].astype("float32") / 255.0, y_train[:6000],
            x_test[:40].astype("float32") / 255.0, y_test[:40])


@pytest.fixture(scope="module")
def ponies(tmp_path_factory):
    from dlkit.course.ponies import PONY_CLASSES, pony_splits
    from dlkit.datasets import load_image_folder

    folders = pony_splits(12, 1, 3, size=150, root=tmp_path_factory.mktemp("ponies"))

    def training_set(size: int):
        return load_image_folder(folders["train"], image_size=(size, size), batch_size=16)

    names = tuple(training_set(64).class_names)
    assert set(names) == {pony.name for pony in PONY_CLASSES}
    return training_set, folders["test"], names


def compile_and_fit(model, x, y, epochs):
    import keras

    model.compile(optimizer=keras.optimizers.Adam(0.003), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=128, verbose=0)
    return model


def png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def served_answers(path: Path, pictures: list[bytes], **options) -> tuple[dict, list[dict]]:
    """(GET /info, the first answer to each picture) from ``path`` served on a loopback port."""
    from dlkit.deploy import load_predictor, start_service

    with start_service(load_predictor(path, **options)) as service, httpx.Client(
        base_url=service.url, timeout=60
    ) as http:
        info = http.get("/info").json()
        answers = []
        for picture in pictures:
            answer = http.post("/predict", files={"file": ("drawn.png", picture, "image/png")})
            assert answer.status_code == 200, answer.text
            answers.append(answer.json()["predictions"])
    return info, answers


def assert_reads_digits(path: Path, model, digits, classes=DIGITS, **options) -> dict:
    """Served, 40 test digits drawn as PNGs get the answers the model gives the same digits in the
    notebook (0-1, MNIST's layout), but for a few the service's re-centring tips over. A wrong
    preparation (0-255, a photo's resize) agrees on far fewer."""
    *_, x_test, _ = digits
    drawn = [png((255 * digit).astype("uint8")) for digit in x_test]
    info, answers = served_answers(path, drawn, **options)
    assert info["input_kind"] == "digit" and tuple(info["classes"]) == classes
    in_notebook = model.predict(x_test.reshape(-1, *model.input_shape[1:]), verbose=0).argmax(axis=1)
    agree = np.mean([answer[0]["label"] == classes[i]
                     for answer, i in zip(answers, in_notebook, strict=True)])
    assert agree >= 0.9, f"{path.name}: {agree:.0%} of 40 drawn test digits answered as in the notebook"
    return info


DIGIT_MODELS = {  # lab: (its notebook, a marker of the cell that builds its model, the name it defines)
    "01": ("01_mnist_dense.ipynb", 'name="hello_mnist"', "model"),
    "02": ("02_mnist_cnn.ipynb", 'name="mnist_convnet"', "model"),
    "06": ("06_sequences.ipynb", "def lstm_reader", "lstm_reader"),
}


@pytest.mark.parametrize(("lab", "shape"), [("01", (28, 28)), ("02", (28, 28, 1)), ("06", (28, 28))])
def test_the_labs_digit_models_are_served_as_digits_with_a_card_and_without(lab, shape, digits, tmp_path):
    require_deploy()
    import keras

    from dlkit.deploy import save_with_card

    keras.utils.set_random_seed(1)
    notebook, marker, name = DIGIT_MODELS[lab]
    built = run_lab_cell(notebook, marker)[name]
    model = built if isinstance(built, keras.Model) else built()
    assert tuple(model.input_shape[1:]) == shape
    x_train, y_train, *_ = digits
    compile_and_fit(model, x_train.reshape(-1, *shape), y_train, epochs=3)

    student = tmp_path / "digits.keras"
    model.save(student)  # what every MNIST tutorial does: no card
    info = assert_reads_digits(student, model, digits)
    assert "no serving card" in info["notes"][0] and info["pixel_scale"] == 1.0
    carded = save_with_card(model, tmp_path / "carded.keras", DIGITS)
    assert assert_reads_digits(carded, model, digits)["notes"] == []


def test_a_flattened_784_input_is_a_digit_too(digits, tmp_path):
    require_deploy()
    import keras

    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(64, activation="relu"),
                              keras.layers.Dense(10, activation="softmax")])
    x_train, y_train, *_ = digits
    compile_and_fit(model, x_train.reshape(-1, 784), y_train, epochs=3)
    model.save(tmp_path / "flat.keras")
    assert_reads_digits(tmp_path / "flat.keras", model, digits)


def pony_model(lab: str, names: tuple[str, ...]):
    import keras

    from dlkit.pretrained import load_base

    if lab == "03":
        build_convnet = run_lab_cell("03_pony_classifier.ipynb", "def build_convnet", class_names=names)
        return build_convnet["build_convnet"](dropout=0.5)
    if lab == "07":
        blocks = run_lab_cell("07_modern_blocks.ipynb", "def residual_stage", size=64, class_names=names)
        return blocks["build"]("residual")
    build_head = lab04_head_definitions()["build_head"]  # as lab 04's model: its base, frozen, a head
    base = "vgg16" if lab == "04-vgg16" else "efficientnet_lite0"
    weights = None if base == "vgg16" else "imagenet"  # no VGG16 weights here; EfficientNet's come with dlkit
    conv_base = load_base(base, include_top=False, input_shape=(64, 64, 3), weights=weights, verbose=False)
    conv_base.trainable = False
    inputs = keras.Input(shape=(64, 64, 3))
    return keras.Model(inputs, build_head(conv_base.output_shape[1:])(conv_base(inputs, training=False)))


@pytest.mark.parametrize(("lab", "scale", "preprocessing"), [
    ("03", 255.0, ""), ("04", 255.0, "efficientnet_lite0"), ("04-vgg16", 255.0, "vgg16"), ("07", 255.0, ""),
])
def test_the_labs_pony_models_are_served_as_photos_named_by_their_card(lab, scale, preprocessing, ponies,
                                                                       tmp_path):
    require_deploy()
    import keras

    from dlkit.deploy import save_with_card
    from dlkit.pretrained import preprocess_input

    training_set, test_folder, names = ponies
    keras.utils.set_random_seed(3)
    model = pony_model(lab, names)
    size = model.input_shape[1]
    train = training_set(size)
    def prepare(x, y):
        return (preprocess_input(preprocessing, x) if preprocessing else x), y

    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    model.fit(train.map(prepare), epochs=1, verbose=0, shuffle=False)
    pictures = sorted(Path(test_folder).glob("*/*.png"))[:6]
    sent = [path.read_bytes() for path in pictures]

    carded = save_with_card(model, tmp_path / "ponies.keras", names)  # as lab 03 saves its model
    info, answers = served_answers(carded, sent)
    assert (info["input_kind"], info["pixel_scale"], info["preprocessing"]) == ("photo", scale, preprocessing)
    assert all({row["label"] for row in answer} <= set(names) for answer in answers)
    in_notebook = model.predict(prepare(np.stack([_pixels(p, size) for p in pictures]), None)[0], verbose=0)
    served = [[row["label"] for row in answer][0] for answer in answers]
    assert served == [names[i] for i in in_notebook.argmax(axis=1)]  # the same preparation as in the lab

    model.save(tmp_path / "student.keras")  # no card: classes are numbers, the preparation the same
    info, answers = served_answers(tmp_path / "student.keras", sent)
    assert (info["input_kind"], info["pixel_scale"], info["preprocessing"]) == ("photo", scale, preprocessing)
    assert [answer[0]["label"] for answer in answers] == [str(i) for i in in_notebook.argmax(axis=1)]


def _pixels(path: Path, size: int) -> np.ndarray:
    with Image.open(path) as picture:
        return np.asarray(picture.convert("RGB").resize((size, size), Image.Resampling.BILINEAR), "float32")


def test_the_guess_is_said_at_start_and_the_input_flag_overrides_it(digits, tmp_path, capsys):
    require_deploy()
    import keras

    from dlkit.deploy import load_predictor
    from dlkit.deploy.server import startup_line
    from dlkit.instructor.cli import main

    model = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(10)])
    model.save(tmp_path / "grey.keras")
    line = startup_line(load_predictor(tmp_path / "grey.keras"), "127.0.0.1", 8000)
    assert "guessed a digit model because its input (28, 28, 1) is MNIST's shape" in line
    assert "--input digit|photo|values" in line and "save_with_card" in line
    from dlkit.classroom.server import startup_lines
    from dlkit.classroom.session import open_session

    session = open_session(tmp_path / "session", model="grey")  # the classroom says it too
    try:
        lines = startup_lines(session, "http://127.0.0.1:8001/", "127.0.0.1",
                              load_predictor(tmp_path / "grey.keras")).splitlines()
    finally:
        session.close()
    assert "guessed a digit model because its input (28, 28, 1)" in lines[-1]
    assert "--input digit|photo," in lines[-1]

    as_photo = load_predictor(tmp_path / "grey.keras", input_kind="photo")
    assert as_photo.card.input_kind == "photo" and as_photo.guess is None
    assert "guessed" not in startup_line(as_photo, "127.0.0.1", 8000)
    x_test = digits[2]
    info, answers = served_answers(tmp_path / "grey.keras", [png((255 * x_test[0]).astype("uint8"))],
                                   input_kind="photo")
    assert info["input_kind"] == "photo" and len(answers[0]) == 5

    from dlkit.deploy import start_service

    with start_service(load_predictor(tmp_path / "grey.keras", input_kind="values")) as service:
        refused = httpx.post(service.url + "predict", content=png((255 * x_test[0]).astype("uint8")),
                             headers={"Content-Type": "image/png"})
    assert refused.status_code == 415 and "send a JSON array" in refused.json()["error"]

    photo_model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Flatten(), keras.layers.Dense(2)])
    photo_model.save(tmp_path / "colour.keras")
    assert main(["serve", str(tmp_path / "colour.keras"), "--input", "digit"]) == 1
    error = capsys.readouterr().err
    assert "--input digit needs an input of 28x28 or 784 values, this model takes (32, 32, 3)" in error
    assert "Traceback" not in error
