"""The grader's half of the kernel boundary: ask the student's kernel for an answer, read it as data.

Each request runs a short cell in the student's kernel that executes :mod:`kernel_side`'s source
(sent every time, so nothing the student's code left behind is used) and writes a reply into the
submission's exchange folder. The reply is read here with the care due to anything a student's
code could have written: JSON of bounded size, arrays with ``allow_pickle=False``, models with
Keras' ``safe_mode`` (no code in them runs). What comes back is handed to dlkit's own checker:

- a value (a number, a shape, a history's curves) as itself;
- a model as the model Keras rebuilds from its file;
- a function as a :class:`KernelFunction`, which the checker calls like the student's function:
  each call travels to the kernel as arrays and its result comes back as arrays;
- for a Keras block (``residual_block``), a :class:`KernelBlock` that builds the block in the
  kernel on the checker's input shape and hands back the model it made.
"""

from __future__ import annotations

import builtins
import importlib.resources
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

__all__ = ["AnswerMissing", "KernelBlock", "KernelFunction", "KernelExchange", "NoReply"]

MAX_REPLY_BYTES = 20 * 1024 * 1024
KERNEL_SIDE = importlib.resources.files("dlkit.instructor.grading").joinpath("kernel_side.py")


class NoReply(Exception):
    """The kernel did not answer a request (it ran past its time, or its answer was unreadable)."""


class AnswerMissing(Exception):
    """The expression the lab checks is not defined in the student's kernel."""


class KernelExchange:
    """Requests to one student's kernel: ``run_cell(code, timeout)`` executes a cell there (the
    runner's), ``folder`` is where replies land (inside the submission's writable copy)."""

    def __init__(self, run_cell: Callable[[str, float], None], folder: Path, timeout: float):
        self.run_cell, self.folder, self.timeout = run_cell, folder, timeout
        self.source = KERNEL_SIDE.read_text(encoding="utf-8")

    def _request(self, helper: str, expression: str, *extra: Any,
                 before: Callable[[], None] | None = None) -> Any:
        """Run ``kernel_side.<helper>(expression, globals(), folder, *extra)`` in the kernel and
        read its reply; ``before`` writes the request's files first."""
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        if before:
            before()
        arguments = ", ".join([repr(expression), "globals()", repr(str(self.folder)), *map(repr, extra)])
        # one expression, returning None: it leaves no name behind in the student's namespace
        calls = f"exec({self.source!r}, grader), grader[{helper!r}]({arguments})"
        code = f"(lambda grader: [{calls}] and None)({{}})"
        self.run_cell(code, self.timeout)
        return self._read_reply(expression if helper == "export" else None)

    def _read_reply(self, expression: str | None) -> Any:
        path = self.folder / "reply.json"
        if not path.is_file() or path.stat().st_size > MAX_REPLY_BYTES:
            raise NoReply("the kernel gave no answer in time")
        try:
            reply = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            raise NoReply("the kernel's answer was not readable") from None
        if not isinstance(reply, dict):
            raise NoReply("the kernel's answer was not readable")
        if "missing" in reply:
            raise AnswerMissing(str(reply["missing"]))
        if "raised" in reply:
            raise exception_named(str(reply["raised"]), str(reply.get("message", "")))
        arrays_path = self.folder / "arrays.npz"
        arrays = {}
        if arrays_path.is_file():
            try:
                with np.load(arrays_path, allow_pickle=False) as stored:
                    arrays = {key: stored[key] for key in stored.files}
            except (OSError, ValueError) as error:
                raise NoReply(f"the kernel's arrays were not readable ({error})") from None
        try:
            return self.decode(reply.get("value"), arrays, expression)
        except (KeyError, TypeError):
            raise NoReply("the kernel's answer was not readable") from None

    def decode(self, tree: Any, arrays: dict, expression: str | None = None) -> Any:
        if not isinstance(tree, dict):
            return tree
        if "array" in tree:
            return arrays[str(tree["array"])]
        if "tuple" in tree:
            return tuple(self.decode(item, arrays) for item in tree["tuple"])
        if "list" in tree:
            return [self.decode(item, arrays) for item in tree["list"]]
        if "dict" in tree:
            return {str(key): self.decode(item, arrays) for key, item in tree["dict"]}
        if "ellipsis" in tree:
            return Ellipsis
        if "history" in tree:
            return SimpleNamespace(history=self.decode(tree["history"], arrays))
        if "model" in tree:
            return load_safely(self.folder / Path(str(tree["model"])).name)
        if "function" in tree and expression is not None:
            return KernelFunction(self, expression)
        return UnreadableAnswer(str(tree.get("unsupported", tree.get("function", "value"))))

    def export(self, expression: str) -> Any:
        """The value of ``expression`` in the student's kernel, read back as data (a function
        comes back as a :class:`KernelFunction` that calls it there)."""
        return self._request("export", expression)

    def call(self, expression: str, args: tuple, kwargs: dict) -> Any:
        """The student's function ``expression`` called in the kernel on ``args`` and ``kwargs``."""

        def write_arguments() -> None:
            arrays: dict = {}
            request = {"args": encode(list(args), arrays), "kwargs": encode(dict(kwargs), arrays)}
            (self.folder / "arguments.json").write_text(json.dumps(request), encoding="utf-8")
            if arrays:
                np.savez(self.folder / "arguments.npz", **arrays)

        return self._request("call", expression, before=write_arguments)

    def block(self, expression: str, shape: tuple, filters: int) -> Any:
        """The model ``expression(keras.Input(shape), filters)`` builds in the kernel (or None)."""
        return self._request("block", expression, [int(side) for side in shape], int(filters))


class UnreadableAnswer:
    """An answer of a kind the grader cannot carry out of the kernel (the checker's hint says so)."""

    def __init__(self, kind: str):
        self.kind = kind

    def __repr__(self) -> str:
        return f"<a {self.kind} the grader could not read>"


class KernelFunction:
    """The student's function, called in the student's kernel with arrays in and arrays out."""

    def __init__(self, exchange: KernelExchange, expression: str):
        self.exchange, self.expression = exchange, expression
        self.__name__ = expression

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.exchange.call(self.expression, args, kwargs)


class KernelBlock(KernelFunction):
    """A function of Keras tensors (``block(x, filters)``): built in the kernel on ``x``'s shape,
    the model it made is applied to ``x`` here, so the checker sees the block's layers."""

    def __call__(self, inputs: Any, filters: int) -> Any:
        model = self.exchange.block(self.expression, tuple(inputs.shape[1:]), filters)
        return None if model is None else model(inputs)


def encode(value: Any, arrays: dict) -> Any:
    """A checker's argument as JSON, arrays set aside (the kernel's ``decode`` reads it)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple | list):
        return {"tuple" if isinstance(value, tuple) else "list": [encode(item, arrays) for item in value]}
    if isinstance(value, dict):
        return {"dict": [[key, encode(item, arrays)] for key, item in value.items()]}
    key = f"a{len(arrays)}"
    arrays[key] = np.asarray(value)
    return {"array": key}


def load_safely(path: Path) -> Any:
    """A Keras model from a file the student's kernel wrote: safe mode, no custom code."""
    import keras

    try:
        return keras.saving.load_model(path, safe_mode=True)
    except Exception as error:
        raise ValueError(f"the grader could not rebuild your model from its saved form "
                         f"({type(error).__name__}: {str(error).splitlines()[0][:200]}); "
                         "use Keras' own layers") from None


def exception_named(name: str, message: str) -> Exception:
    """An exception that reads like the one the student's code raised (a built-in one when it was)."""
    builtin = getattr(builtins, name, None)
    if isinstance(builtin, type) and issubclass(builtin, Exception):
        try:
            return builtin(message)
        except Exception:  # e.g. UnicodeDecodeError needs five arguments
            pass
    safe = "".join(character for character in name if character.isidentifier() or character.isdigit())[:60]
    return type(safe or "Error", (Exception,), {})(message)
