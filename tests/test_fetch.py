"""dlkit fetch: import from a folder, concurrent fetches, and the registry's own contents."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FileServer, sha256_of, tiny_entry
from dlkit.data.fetch import fetch
from dlkit.data.registry import get_entry, registry
from dlkit.errors import DatasetUnavailable, UnknownName, VerificationError


def test_import_from_a_folder_verifies_and_copies_into_the_cache(tiny_mnist, tmp_path):
    [located] = fetch("mnist", source_folder=tiny_mnist.original.parent)
    assert located.path == tmp_path / "dlkit-cache" / "datasets" / "mnist.npz"
    assert located.path.read_bytes() == tiny_mnist.bytes
    assert tiny_mnist.original.read_bytes() == tiny_mnist.bytes  # the source is untouched


def test_import_from_a_folder_without_the_file_says_what_is_missing(tiny_mnist, tmp_path):
    empty = tmp_path / "usb-stick"
    empty.mkdir()
    with pytest.raises(DatasetUnavailable, match=r"has no mnist\.npz"):
        fetch("mnist", source_folder=empty)


def test_import_of_a_bad_file_keeps_the_good_cached_copy(tiny_mnist, tmp_path):
    fetch("mnist", source_folder=tiny_mnist.original.parent)
    stick = tmp_path / "usb-stick"
    stick.mkdir()
    (stick / "mnist.npz").write_bytes(tiny_mnist.bytes[:-10])
    with pytest.raises(VerificationError, match="truncated"):
        fetch("mnist", source_folder=stick)
    cached = tmp_path / "dlkit-cache" / "datasets" / "mnist.npz"
    assert cached.read_bytes() == tiny_mnist.bytes


def test_unknown_names_list_the_known_ones():
    with pytest.raises(UnknownName, match="dlkit knows: mnist"):
        get_entry("cifar")


CHILD = """
import json, sys
from pathlib import Path
from dlkit.data import registry as r
from dlkit.data.registry import AcceptedVersion, RegistryEntry, RegistryFile
spec = json.loads(sys.argv[1])
file = RegistryFile("mnist.npz", spec["url"], "datasets", (AcceptedVersion(**spec["version"]),))
entry = RegistryEntry("mnist", "dataset", "-", "-", "-", "-", (file,))
r.registry = lambda: {"mnist": entry}
from dlkit.data.fetch import fetch
print(fetch("mnist")[0].path)
"""


def test_two_processes_fetching_at_once_download_once_and_agree(tiny_mnist, tmp_path):
    served = tmp_path / "slow"
    served.mkdir()
    shutil.copyfile(tiny_mnist.original, served / "mnist.npz")
    with FileServer(served, seconds_per_chunk=0.05) as server:  # a download of about 2 s
        version = tiny_entry(tiny_mnist.original).files[0].accepted[0]
        spec = json.dumps({"url": f"{server.url}/mnist.npz", "version": version.__dict__})
        children = [
            subprocess.Popen([sys.executable, "-c", CHILD, spec], stdout=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        outputs = [child.communicate(timeout=120)[0].strip() for child in children]
    assert [child.returncode for child in children] == [0, 0]
    assert outputs[0] == outputs[1]
    assert server.requests == 1
    assert sha256_of(Path(outputs[0])) == sha256_of(tiny_mnist.original)


def test_registry_entries_are_complete_and_their_hashes_well_formed():
    for entry in registry().values():
        assert entry.kind in {"dataset", "weights"} and entry.licence and entry.citation
        for file in entry.files:
            # a file comes from a download, or ships in a package dlkit requires (then nothing to download)
            assert (file.url or "").startswith("https://") != (file.package is not None), file.filename
            for version in file.accepted:
                algorithm, digest = version.hash.split(":")
                assert len(digest) == {"sha256": 64, "md5": 32}[algorithm]
                assert version.size is None or version.size > 0


@pytest.mark.parametrize(
    ("name", "keras_module"),
    [
        ("vgg16", "vgg16"),
        ("vgg19", "vgg19"),
        ("resnet50", "resnet"),
        ("inceptionv3", "inception_v3"),
        ("xception", "xception"),
    ],
)
def test_weights_hashes_are_the_ones_keras_itself_carries(name, keras_module):
    import importlib

    source = Path(importlib.import_module(f"keras.src.applications.{keras_module}").__file__).read_text()
    module = importlib.import_module(f"keras.src.applications.{keras_module}")
    constants = {value for value in vars(module).values() if isinstance(value, str)}
    for file in get_entry(name).files:
        assert file.download_version.hash.split(":")[1] in source
        assert file.url.endswith("/" + file.filename)
        if file.url in constants:  # Keras names the whole URL (VGG, Inception, Xception)
            continue
        # ResNet: a base URL constant, plus the model's name and a suffix written in the source
        folder, model = file.url[: -len(file.filename)], file.filename.split("_weights")[0]
        assert folder in constants and f'"{model}"' in source, file.url
        assert f'{file.filename.removeprefix(model)}"' in source, file.filename


def test_mnist_canonical_hash_is_the_one_keras_itself_carries():
    import keras.src.datasets.mnist as keras_mnist

    source = Path(keras_mnist.__file__).read_text()
    canonical = get_entry("mnist").files[0].download_version.hash.split(":")[1]
    assert canonical in source
