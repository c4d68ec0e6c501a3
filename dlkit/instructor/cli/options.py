"""What the ``dlkit`` commands share: the types that validate every number, and the options several
commands take, each defined once with its default read from the API it feeds (so ``--help`` and
the function say the same thing)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dlkit.deploy.card import INPUT_KINDS as _KINDS
from dlkit.web.server import DEFAULT_HOST
from dlkit.web.uploads import DEFAULT_MAX_UPLOAD_BYTES

__all__ = [
    "INPUT_KINDS",
    "LAB_GRAMMAR",
    "MEBIBYTE",
    "add_labs",
    "add_profile",
    "add_server_options",
    "port_number",
    "positive_float",
    "positive_int",
]

MEBIBYTE = 1024 * 1024
INPUT_KINDS = tuple(_KINDS)  # what a serving card can say: digit, photo, values
LAB_GRAMMAR = "a lab: 04, 4, 04_transfer, a range 00-03, or a notebook's path"


def positive_float(text: str) -> float:
    """An argparse type: a number above 0."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text!r}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def port_number(text: str) -> int:
    """An argparse type: a TCP port, 0 (any free one) to 65535."""
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 (any free one) to 65535, got {text!r}")
    return int(text)


def add_labs(parser: argparse.ArgumentParser, many: bool) -> None:
    """The labs a command works on (``LAB``, one or several) and where they are (``--labs``)."""
    if many:
        parser.add_argument("lab", nargs="*", metavar="LAB", help=f"{LAB_GRAMMAR}; default: every lab")
    else:
        parser.add_argument("lab", metavar="LAB", help=LAB_GRAMMAR)
    parser.add_argument("--labs", type=Path, metavar="DIR",
                        help="folder of lab notebooks (default: $DLKIT_LABS_DIR, else the checkout's labs/)")


def add_profile(parser: argparse.ArgumentParser, default: str) -> None:
    """``--profile``, with the command's own default (a lab on its own defaults to full; the commands
    that run many labs headless to quick)."""
    from dlkit.settings import PROFILES

    parser.add_argument("--profile", choices=PROFILES, default=default, help=f"default: {default}")


def add_server_options(parser: argparse.ArgumentParser, port: int, what: str) -> None:
    """Where a server listens and what it accepts: ``--host``, ``--port``, ``--max-upload-mb``,
    ``--input``."""
    parser.add_argument(
        "--host", default=DEFAULT_HOST,
        help=f"address to listen on (default {DEFAULT_HOST}, this computer only; 0.0.0.0 for {what})",
    )
    parser.add_argument("--port", type=port_number, default=port,
                        help=f"0 for any free one (default: {port})")
    megabytes = DEFAULT_MAX_UPLOAD_BYTES / MEBIBYTE
    parser.add_argument("--max-upload-mb", type=positive_float, default=megabytes, metavar="MB",
                        help=f"largest upload in MB (default {megabytes:g})")
    parser.add_argument(
        "--input", choices=INPUT_KINDS, default=None,
        help="how a picture becomes the model's input, where the serving card (or, without one, the "
        "guess from the input's shape) is wrong: a digit drawn as MNIST's, a photo resized, or numbers only",
    )
