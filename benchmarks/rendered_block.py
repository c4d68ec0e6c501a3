"""The block of a docs page that a benchmark renders from its data file: the text between two
marker comments. One place writes it and reads it back, for the benchmarks and the docs test."""

from __future__ import annotations

from pathlib import Path


def read_block(page: Path, begin: str, end: str) -> str:
    """What ``page`` holds between its ``begin`` and ``end`` markers, without the edge newlines."""
    text = page.read_text(encoding="utf-8")
    return text[text.index(begin) + len(begin):text.index(end)].strip("\n")


def write_block(page: Path, begin: str, end: str, block: str) -> None:
    """Put ``block`` between ``page``'s ``begin`` and ``end`` markers, the rest of the page as it is."""
    text = page.read_text(encoding="utf-8")
    start, stop = text.index(begin) + len(begin), text.index(end)
    page.write_text(text[:start] + "\n" + block + "\n" + text[stop:], encoding="utf-8")
