"""load_mnist: the search order, verification, the cache's safety rules and the embedded subset."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import SHARED_MNIST, TinyMnist, tiny_entry
from dlkit.data.mnist import load_embedded_mnist, load_mnist
from dlkit.errors import CacheNotWritable, DatasetUnavailable, VerificationError


def cache_file(tmp_path: Path) -> Path:
    return tmp_path / "dlkit-cache" / "datasets" / "mnist.npz"


def keras_file(tmp_path: Path) -> Path:
    return tmp_path / "keras-home" / "datasets" / "mnist.npz"


def serve(tiny: TinyMnist, server) -> None:
    shutil.copyfile(tiny.original, server.folder / "mnist.npz")
    tiny.entry = tiny_entry(tiny.original, url=f"{server.url}/mnist.npz")


def test_returns_keras_layout_from_an_explicit_file(tiny_mnist, capsys):
    (x_train, y_train), (x_test, y_test) = load_mnist(path=tiny_mnist.original)
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.shape) == (
        (30, 28, 28),
        (30,),
        (10, 28, 28),
        (10,),
    )
    assert {a.dtype for a in (x_train, y_train, x_test, y_test)} == {np.dtype(np.uint8)}
    assert f"{tiny_mnist.original} (explicit path; verified: tiny test file)" in capsys.readouterr().out


def test_explicit_folder_is_searched_for_the_file(tiny_mnist):
    (x_train, _), _ = load_mnist(path=tiny_mnist.original.parent, verbose=False)
    assert len(x_train) == 30


def test_wrong_hash_in_the_users_folder_is_refused_and_left_unchanged(tiny_mnist, tmp_path, monkeypatch):
    folder = tmp_path / "user-data"
    folder.mkdir()
    tampered = bytearray(tiny_mnist.bytes)
    tampered[-100] ^= 0xFF  # same size, other content
    (folder / "mnist.npz").write_bytes(bytes(tampered))
    monkeypatch.setenv("DLKIT_DATA_DIR", str(folder))
    with pytest.raises(VerificationError, match=r"hash.*DLKIT_DATA_DIR; left unchanged"):
        load_mnist()
    assert (folder / "mnist.npz").read_bytes() == bytes(tampered)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"PK\x03\x04 half a file", "truncated")],
    ids=["zero-byte", "truncated"],
)
def test_empty_or_truncated_explicit_file_gets_a_clear_error(tiny_mnist, tmp_path, content, message):
    bad = tmp_path / "bad" / "mnist.npz"
    bad.parent.mkdir()
    bad.write_bytes(content)
    with pytest.raises(VerificationError, match=message):
        load_mnist(path=bad)
    assert bad.read_bytes() == content


def test_a_folder_where_the_file_should_be_is_refused(tiny_mnist, tmp_path):
    folder = tmp_path / "odd" / "mnist.npz"
    folder.mkdir(parents=True)
    with pytest.raises(VerificationError, match="is a folder"):
        load_mnist(path=folder.parent)
    assert folder.is_dir()


def test_offline_with_nothing_cached_names_the_file_its_size_and_three_ways_out(tiny_mnist):
    with pytest.raises(DatasetUnavailable) as caught:
        load_mnist()
    message = str(caught.value)
    for expected in (
        "mnist.npz",
        "MB",
        "download failed",
        "dlkit fetch mnist`",
        "dlkit fetch mnist --from DIR",
        "DLKIT_DATA_DIR",
    ):
        assert expected in message


def test_dlkit_offline_never_touches_the_network(tiny_mnist, file_server, monkeypatch):
    serve(tiny_mnist, file_server)
    monkeypatch.setenv("DLKIT_OFFLINE", "1")
    with pytest.raises(DatasetUnavailable, match="DLKIT_OFFLINE"):
        load_mnist()
    assert file_server.requests == 0


def test_download_is_verified_cached_and_not_repeated(tiny_mnist, file_server, tmp_path, capsys):
    serve(tiny_mnist, file_server)
    load_mnist()
    assert "(download; verified" in capsys.readouterr().out
    assert cache_file(tmp_path).read_bytes() == tiny_mnist.bytes
    load_mnist()
    assert "(dlkit cache; verified" in capsys.readouterr().out
    assert file_server.requests == 1


def test_a_download_with_the_wrong_content_is_never_returned_or_cached(tiny_mnist, file_server, tmp_path):
    serve(tiny_mnist, file_server)
    (file_server.folder / "mnist.npz").write_bytes(b"x" * len(tiny_mnist.bytes))
    with pytest.raises(DatasetUnavailable, match="download failed"):
        load_mnist()
    cache = cache_file(tmp_path).parent
    assert not (cache / "mnist.npz").exists()
    assert [p.name for p in cache.iterdir() if not p.name.endswith(".lock")] == []  # no temp left


def test_truncated_file_in_the_cache_is_moved_aside_and_fetched_again(tiny_mnist, file_server, tmp_path):
    serve(tiny_mnist, file_server)
    cached = cache_file(tmp_path)
    cached.parent.mkdir(parents=True)
    cached.write_bytes(tiny_mnist.bytes[:1000])
    with pytest.warns(UserWarning, match="moved it aside"):
        load_mnist(verbose=False)
    assert cached.read_bytes() == tiny_mnist.bytes
    aside = list(cached.parent.glob("mnist.npz.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == tiny_mnist.bytes[:1000]


def test_keras_cache_is_used_but_never_changed(tiny_mnist, tmp_path, capsys):
    keras_copy = keras_file(tmp_path)
    keras_copy.parent.mkdir(parents=True)
    shutil.copyfile(tiny_mnist.original, keras_copy)
    load_mnist()
    assert "(Keras cache; verified" in capsys.readouterr().out
    assert not cache_file(tmp_path).exists()


def test_a_bad_file_in_the_keras_cache_is_skipped_and_left_alone(tiny_mnist, tmp_path):
    keras_copy = keras_file(tmp_path)
    keras_copy.parent.mkdir(parents=True)
    keras_copy.write_bytes(b"not mnist")
    with pytest.warns(UserWarning, match="ignoring Keras' cached copy"):
        with pytest.raises(DatasetUnavailable):
            load_mnist()
    assert keras_copy.read_bytes() == b"not mnist"


def test_search_order_is_user_folder_then_dlkit_cache_then_keras_cache(
    tiny_mnist, tmp_path, monkeypatch, capsys
):
    for target in (cache_file(tmp_path), keras_file(tmp_path), tmp_path / "user" / "mnist.npz"):
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tiny_mnist.original, target)
    monkeypatch.setenv("DLKIT_DATA_DIR", str(tmp_path / "user"))
    load_mnist()
    assert "($DLKIT_DATA_DIR;" in capsys.readouterr().out
    monkeypatch.delenv("DLKIT_DATA_DIR")
    load_mnist()
    assert "(dlkit cache;" in capsys.readouterr().out


def test_unwritable_cache_folder_says_how_to_move_it(tiny_mnist, file_server, tmp_path, monkeypatch):
    serve(tiny_mnist, file_server)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("DLKIT_CACHE_DIR", str(blocker / "cache"))
    with pytest.raises(CacheNotWritable, match="DLKIT_CACHE_DIR"):
        load_mnist()
    assert blocker.read_text() == "not a folder"


def test_embedded_fallback_is_used_only_when_the_full_set_is_unavailable(tiny_mnist, capsys):
    (x_train, y_train), (x_test, y_test) = load_mnist(fallback="embedded")
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and "embedded subset (10,000 train / 2,000 test" in lines[0]
    assert "dlkit fetch mnist" in lines[0]
    assert x_train.shape == (10_000, 28, 28) and x_test.shape == (2_000, 28, 28)
    (x_train, _), _ = load_mnist(path=tiny_mnist.original, fallback="embedded", verbose=False)
    assert len(x_train) == 30


def test_embedded_subset_is_class_balanced_real_mnist():
    (x_train, y_train), (x_test, y_test) = load_embedded_mnist()
    assert x_train.dtype == np.uint8 and y_train.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [1000] * 10
    assert np.bincount(y_test).tolist() == [200] * 10
    assert 25 < x_train.mean() < 40  # MNIST's mean pixel is about 33: digits, not noise


def test_unknown_fallback_is_rejected():
    with pytest.raises(ValueError, match="fallback"):
        load_mnist(fallback="random")


@pytest.mark.skipif(not SHARED_MNIST.exists(), reason="../shared/data/mnist.npz is not beside the checkout")
def test_the_course_copy_in_shared_data_loads_as_full_mnist(monkeypatch, capsys):
    monkeypatch.setenv("DLKIT_DATA_DIR", str(SHARED_MNIST.parent))
    (x_train, y_train), (x_test, y_test) = load_mnist()
    assert "verified: course copy from shared/data" in capsys.readouterr().out
    assert x_train.shape == (60_000, 28, 28) and x_test.shape == (10_000, 28, 28)
    assert np.bincount(y_test).sum() == 10_000 and 33.0 < x_train.mean() < 33.7
