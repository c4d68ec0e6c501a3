"""The result lines a lab prints, and the patterns that read them back.

Labs print their results as plain sentences, which a student reads and nbval can check:

- ``Test accuracy: 0.9761`` or ``Test accuracy (<approach>): 0.7944``;
- ``Test mean squared error (<forecaster>): 0.0216`` (a regression's result);
- ``Train-validation gap (<run>): 58 points``;
- ``Deck numbers reproduced: 14/14``;
- ``Training time: 5.9 s for 15 epochs`` or ``Training time (<run>): ...``.

``dlkit demo`` (its summary table and report) and ``benchmarks/labs.py`` read them with the
patterns below, so the wording is defined here once.
"""

from __future__ import annotations

import re

__all__ = ["HEADLINE", "TRAINING_TIME", "headlines", "training_times"]

HEADLINE = re.compile(
    r"^(Test accuracy[^:\n]*|Test mean squared error[^:\n]*|Train-validation gap[^:\n]*"
    r"|Deck numbers reproduced): (.+)$",
    re.MULTILINE,
)
TRAINING_TIME = re.compile(r"^Training time(?: \([^)]*\))?: ([\d.]+) s for (\d+) epochs", re.MULTILINE)


def headlines(text: str) -> dict[str, str]:
    """``{"Test accuracy": "0.9761", ...}`` from everything a lab printed, in order."""
    return dict(HEADLINE.findall(text))


def training_times(text: str) -> list[tuple[float, int]]:
    """``[(seconds, epochs), ...]``, one per training run the lab printed."""
    return [(float(seconds), int(epochs)) for seconds, epochs in TRAINING_TIME.findall(text)]
