"""A model's service as a container image, as deck 002's Docker slide ships its app:
``write_container(model, folder)`` writes a build folder (a ``Containerfile``, the model and its
serving card, what to install) that ``podman build`` or ``docker build`` turns into an image of
``dlkit serve`` — and, with another command, of ``dlkit classroom`` — for that model.

The image serves LiteRT (``.tflite``) and ONNX files: LiteRT and ONNX Runtime run them, so it holds
no TensorFlow (a few hundred megabytes, not two gigabytes). dlkit is installed without its
dependencies; what serving needs is listed with the floors dlkit itself declares
(``serving_requirements``), so the image's versions are the ones dlkit is tested with.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

from dlkit.deploy.card import card_path
from dlkit.errors import DlkitError
from dlkit.web.server import CLASSROOM_PORT, SERVE_PORT

__all__ = ["ContainerRecipe", "DEFAULT_BASE", "SERVING_PACKAGES", "serving_requirements", "write_container"]

DEFAULT_BASE = "python:3.12-slim"
IMAGE = "dlkit-serve"
SERVED_SUFFIXES = (".tflite", ".onnx")  # what LiteRT and ONNX Runtime run: no TensorFlow in the image
# What `dlkit serve` and `dlkit classroom` import for a LiteRT or ONNX file (dlkit's own package
# needs, the web layer, the QR code, the two runtimes), by name; their floors come from dlkit's metadata.
SERVING_PACKAGES = (
    "numpy", "pillow", "pillow-heif", "pooch", "filelock", "platformdirs", "tqdm",
    "fastapi", "uvicorn", "python-multipart", "segno", "ai-edge-litert", "onnxruntime",
)


@dataclass(frozen=True)
class ContainerRecipe:
    """A written build folder and the commands that build and run its image."""

    folder: Path
    model: str  # the model file's name inside the image (/srv/model/<model>)
    image: str = IMAGE

    def build_command(self, runtime: str = "podman") -> str:
        return f"{runtime} build -t {self.image} {self.folder}"

    def run_command(self, runtime: str = "podman") -> str:
        return f"{runtime} run --rm -p {SERVE_PORT}:{SERVE_PORT} {self.image}"

    def classroom_command(self, runtime: str = "podman") -> str:
        return (f"{runtime} run --rm -p {CLASSROOM_PORT}:{CLASSROOM_PORT} -v dlkit-classroom:/srv/session "
                f"{self.image} dlkit classroom /srv/model/{self.model} --host 0.0.0.0 "
                f"--port {CLASSROOM_PORT} --session /srv/session/class")


def serving_requirements() -> list[str]:
    """``SERVING_PACKAGES`` with the floors this dlkit declares (its base requirements and its
    deploy extra), one requirement a line as pip reads them."""
    declared = {}
    for requirement in metadata.requires("dlkit") or []:
        specifier, _, marker = requirement.partition(";")
        if marker and "deploy" not in marker:
            continue
        name = re.match(r"[A-Za-z0-9_.\-]+", specifier.strip())
        if name:
            declared[_normal(name.group(0))] = specifier.strip().replace(" ", "")
    missing = [name for name in SERVING_PACKAGES if _normal(name) not in declared]
    if missing:
        raise DlkitError(f"dlkit's metadata names no floor for {', '.join(missing)}: reinstall dlkit")
    return [declared[_normal(name)] for name in SERVING_PACKAGES]


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def write_container(model: str | Path, folder: str | Path, wheel: str | Path | None = None,
                    base: str = DEFAULT_BASE) -> ContainerRecipe:
    """Write the build folder of an image serving ``model`` (a ``.tflite`` or ``.onnx`` file, its
    serving card beside it) into ``folder`` (new, or empty).

    ``wheel``: a dlkit wheel to install (``python -m build`` makes one); without it the image
    installs dlkit from its repository. ``base``: the image to start from.

    Raises:
        DlkitError: the model is not a file the image can serve, or ``folder`` holds files.
    """
    model, folder = Path(model), Path(folder)
    if not model.is_file():
        raise DlkitError(f"{model}: no such model file")
    if model.suffix.lower() not in SERVED_SUFFIXES:
        raise DlkitError(f"{model}: the image serves LiteRT (.tflite) and ONNX (.onnx) files, without "
                         "TensorFlow; export the model first (lab 05: dlkit.deploy.export_model)")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise DlkitError(f"{folder} exists and is not empty: write the build folder into a new one")
    (folder / "model").mkdir(parents=True)
    (folder / "install").mkdir()
    shutil.copyfile(model, folder / "model" / model.name)
    card = card_path(model)
    if card.is_file():
        shutil.copyfile(card, folder / "model" / card.name)
    (folder / "install" / "requirements.txt").write_text("\n".join(serving_requirements()) + "\n",
                                                          encoding="utf-8")
    if wheel is not None:
        wheel = Path(wheel)
        if not (wheel.is_file() and wheel.name.startswith("dlkit-") and wheel.suffix == ".whl"):
            raise DlkitError(f"{wheel}: not a dlkit wheel (dist/dlkit-*.whl, from python -m build)")
        shutil.copyfile(wheel, folder / "install" / wheel.name)
        dlkit = f"/srv/install/{wheel.name}"
    else:
        dlkit = f'"dlkit @ {_repository_archive()}"'
    recipe = ContainerRecipe(folder, model.name)
    template = resources.files("dlkit.deploy").joinpath("Containerfile.in").read_text(encoding="utf-8")
    (folder / "Containerfile").write_text(template.format(
        model=model.name, base=base, dlkit=dlkit, serve_port=SERVE_PORT, classroom_port=CLASSROOM_PORT,
        build=recipe.build_command().replace(str(folder), "."), run=recipe.run_command(),
        classroom=recipe.classroom_command()), encoding="utf-8")
    return recipe


def _repository_archive() -> str:
    """dlkit's source as an archive URL pip installs from (no git needed in the image)."""
    urls = metadata.metadata("dlkit").get_all("Project-URL") or []
    repository = next((url.split(",", 1)[1].strip() for url in urls if url.lower().startswith("repository")),
                      "https://github.com/your-org/dlkit")
    return f"{repository.rstrip('/')}/archive/refs/heads/main.zip"
