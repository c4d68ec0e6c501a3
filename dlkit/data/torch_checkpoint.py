"""Read a PyTorch state dict (a ``.pth`` file) into numpy arrays, without PyTorch and without
running anything the file says.

A ``.pth`` file is a Python pickle, and unpickling an untrusted pickle can run any code. This
reader accepts only what a state dict of tensors is made of: an ``OrderedDict`` (or dict) of names
to tensors, each tensor a view of a typed storage of numbers. Every other global the pickle names,
every other persistent id, and any storage whose bytes do not lie inside the file is refused with
``UnsafeCheckpoint`` before anything is built from it.

It reads torch's legacy serialisation (``torch.save(..., _use_new_zipfile_serialization=False)``,
the only format before torch 1.6): a magic number, a protocol version, system information, the
pickled object, the list of storage keys, then each storage's raw bytes (an int64 element count
followed by the elements), in that order. The zip format of later torch versions is refused by
name. The file's hash is checked by the caller (``dlkit.data.verify``) before it is read here:
this reader is the second wall, not the first.

Example:
    >>> arrays = read_state_dict("efficientnet-lite0-57934424.pth")
    >>> arrays["_conv_stem.weight"].shape
    (32, 3, 3, 3)
"""

from __future__ import annotations

import collections
import io
import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dlkit.errors import DlkitError

__all__ = ["UnsafeCheckpoint", "read_state_dict"]

LEGACY_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL_VERSION = 1001
STORAGE_DTYPES = {  # torch's typed storages and the little-endian numpy type of their elements
    "FloatStorage": "<f4",
    "DoubleStorage": "<f8",
    "HalfStorage": "<f2",
    "LongStorage": "<i8",
    "IntStorage": "<i4",
    "ShortStorage": "<i2",
    "CharStorage": "i1",
    "ByteStorage": "u1",
    "BoolStorage": "?",
}


class UnsafeCheckpoint(DlkitError):
    """A checkpoint holds something other than named tensors, or is not laid out as torch writes
    one: it is refused, and nothing from it is used."""


@dataclass(frozen=True)
class _Storage:
    key: str
    dtype: str
    count: int


@dataclass(frozen=True)
class _TensorView:
    storage: _Storage
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]


def _rebuild_tensor(storage, offset, shape, stride, *_ignored) -> _TensorView:
    """Stands in for ``torch._utils._rebuild_tensor_v2``: records the view, builds nothing yet."""
    if not isinstance(storage, _Storage):
        raise UnsafeCheckpoint("a tensor refers to something that is not a storage")
    numbers = (offset, *shape, *stride)
    if not all(isinstance(n, int) and n >= 0 for n in numbers) or len(shape) != len(stride):
        raise UnsafeCheckpoint("a tensor's offset, shape or strides are not non-negative integers")
    return _TensorView(storage, offset, tuple(shape), tuple(stride))


class _StateDictUnpickler(pickle.Unpickler):
    """Unpickles only dicts of tensors; every other global is refused by name."""

    ALLOWED = {
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
        ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    }

    def __init__(self, file, storages: dict[str, _Storage]):
        super().__init__(file)
        self.storages = storages

    def find_class(self, module: str, name: str):
        if (module, name) in self.ALLOWED:
            return self.ALLOWED[(module, name)]
        if module == "torch" and name in STORAGE_DTYPES:
            return name  # a marker: only ever used inside a persistent id below
        raise UnsafeCheckpoint(
            f"the checkpoint asks for {module}.{name}, which a state dict of tensors never needs"
        )

    def persistent_load(self, saved_id):
        if not (isinstance(saved_id, tuple) and len(saved_id) == 6 and saved_id[0] == "storage"):
            raise UnsafeCheckpoint(f"unexpected persistent id {str(saved_id)[:80]!r}")
        _, storage_type, key, _location, count, view = saved_id
        if storage_type not in STORAGE_DTYPES or not isinstance(key, str) or not isinstance(count, int):
            raise UnsafeCheckpoint(f"unexpected storage {str(saved_id)[:80]!r}")
        if view is not None:
            raise UnsafeCheckpoint("storage views (torch < 0.4) are not supported")
        storage = self.storages.setdefault(key, _Storage(key, STORAGE_DTYPES[storage_type], count))
        if storage.dtype != STORAGE_DTYPES[storage_type] or storage.count != count:
            raise UnsafeCheckpoint(f"storage {key} is described two different ways")
        return storage


def _load_plain(file) -> object:
    """A pickle that may hold only plain data (numbers, strings, tuples, lists, dicts)."""

    class Plain(pickle.Unpickler):
        def find_class(self, module, name):
            raise UnsafeCheckpoint(f"the checkpoint's header asks for {module}.{name}")

    return Plain(file).load()


def read_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """Every tensor of the state dict in ``path``, by name, as numpy arrays in PyTorch's layout
    (a convolution's kernel is (out, in, height, width)), in the file's order.

    Raises:
        UnsafeCheckpoint: the file is not a legacy torch state dict of tensors, names anything
            else, or its storages do not fit the file. Nothing is returned from such a file.
    """
    path = Path(path)
    data = path.read_bytes()
    if zipfile.is_zipfile(io.BytesIO(data)):
        raise UnsafeCheckpoint(f"{path}: torch's zip format (torch >= 1.6) is not read here, "
                               "only the legacy one")
    file = io.BytesIO(data)
    try:
        if _load_plain(file) != LEGACY_MAGIC_NUMBER:
            raise UnsafeCheckpoint(f"{path}: not a torch checkpoint (wrong magic number)")
        if _load_plain(file) != LEGACY_PROTOCOL_VERSION:
            raise UnsafeCheckpoint(f"{path}: an unknown torch serialisation protocol")
        system = _load_plain(file)
        if not (isinstance(system, dict) and system.get("little_endian") is True):
            raise UnsafeCheckpoint(f"{path}: written on a big-endian machine, which this reader "
                                   "does not read")
        storages: dict[str, _Storage] = {}
        state = _StateDictUnpickler(file, storages).load()
        keys = _load_plain(file)
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as error:
        raise UnsafeCheckpoint(f"{path}: unreadable checkpoint ({error})") from error
    if not isinstance(state, dict) or not all(
        isinstance(name, str) and isinstance(view, _TensorView) for name, view in state.items()
    ):
        raise UnsafeCheckpoint(f"{path}: holds something other than a dict of named tensors")
    if not isinstance(keys, list) or sorted(keys) != sorted(storages):
        raise UnsafeCheckpoint(f"{path}: its list of storages does not match its tensors")

    buffers = {}
    position = file.tell()
    for key in keys:
        storage = storages[key]
        width = np.dtype(storage.dtype).itemsize
        if position + 8 > len(data):
            raise UnsafeCheckpoint(f"{path}: ends before storage {key}")
        count = int.from_bytes(data[position : position + 8], "little", signed=True)
        end = position + 8 + count * width
        if count != storage.count or end > len(data):
            raise UnsafeCheckpoint(f"{path}: storage {key} does not fit the file (truncated?)")
        buffers[key] = np.frombuffer(data, dtype=storage.dtype, count=count, offset=position + 8)
        position = end
    if position != len(data):
        raise UnsafeCheckpoint(f"{path}: {len(data) - position} bytes follow the last storage")
    return {name: _materialise(name, view, buffers[view.storage.key]) for name, view in state.items()}


def _materialise(name: str, view: _TensorView, buffer: np.ndarray) -> np.ndarray:
    """The tensor's own copy of its elements, after checking its view stays inside its storage."""
    pairs = zip(view.shape, view.stride, strict=True)
    last = view.offset + sum((size - 1) * step for size, step in pairs if size > 0)
    if any(size == 0 for size in view.shape):
        return np.zeros(view.shape, dtype=buffer.dtype)
    if last >= len(buffer):
        raise UnsafeCheckpoint(f"tensor {name} reaches past the end of its storage")
    width = buffer.itemsize
    strided = np.lib.stride_tricks.as_strided(
        buffer[view.offset :],
        shape=view.shape,
        strides=[step * width for step in view.stride],
        writeable=False,
    )
    return np.array(strided, dtype=buffer.dtype.newbyteorder("="), copy=True)
