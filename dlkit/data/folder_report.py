"""What ``inspect_image_folder`` found in a folder of class subfolders, and how it is told: the
report ``dlkit check-folder`` prints (pictures per class, formats, what loading converts, what it
leaves out and why, duplicates, imbalance, the call that loads it) and whether anything stops
loading. The scan that fills it is ``image_folder``'s, which loads exactly what the report says."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from dlkit.errors import DlkitError

__all__ = ["BadImageFolder", "FolderReport", "ImageFolderWarning"]

IMBALANCE_RATIO = 3.0
SHOWN = 10


class BadImageFolder(DlkitError):
    """The folder cannot be loaded as it is; the message says which folder to pass or what to fix."""


class ImageFolderWarning(UserWarning):
    """Something in an image folder that a user should know about but that does not stop loading."""


@dataclass
class FolderReport:
    """What ``inspect_image_folder`` found: per class the pictures that load, and everything else."""

    folder: Path
    classes: dict[str, list[Path]] = field(default_factory=dict)  # class -> pictures that load
    formats: Counter = field(default_factory=Counter)  # real format -> number of pictures
    converted: list[tuple[Path, str]] = field(default_factory=list)  # (picture, what loading does)
    unreadable: list[tuple[Path, str]] = field(default_factory=list)  # (file, why and what to do)
    not_pictures: list[Path] = field(default_factory=list)  # files in class folders that are not pictures
    # Files beside the class folders that are not pictures (a README, a list of labels, a classroom
    # export's drawings.csv): about the folder, not in a class; listed, never warned about.
    beside_classes: list[Path] = field(default_factory=list)
    outside_classes: list[Path] = field(default_factory=list)  # pictures in the root itself
    system_files: int = 0  # .DS_Store, ._name.jpg, __MACOSX, ... ignored quietly
    duplicates: list[list[Path]] = field(default_factory=list)  # groups of byte-identical pictures

    @property
    def counts(self) -> dict[str, int]:
        return {name: len(files) for name, files in self.classes.items()}

    @property
    def empty_classes(self) -> list[str]:
        return [name for name, count in self.counts.items() if count == 0]

    @property
    def imbalance(self) -> tuple[str, int, str, int] | None:
        """(largest class, its count, smallest class, its count) when the ratio is over 3."""
        counts = {name: count for name, count in self.counts.items() if count}
        if len(counts) < 2:
            return None
        big, small = max(counts, key=counts.get), min(counts, key=counts.get)
        if counts[big] > IMBALANCE_RATIO * counts[small]:
            return big, counts[big], small, counts[small]
        return None

    def blocking(self, skip_bad: bool = False) -> list[str]:
        """The problems that stop loading, one line each (unreadable pictures unless ``skip_bad``)."""
        lines = []
        if self.unreadable and not skip_bad:
            lines += [f"cannot read {self._name(path)}: {why}" for path, why in self.unreadable]
        lines += [
            f"class folder {name}/ has no picture that can be read: add pictures or remove the folder"
            for name in self.empty_classes
        ]
        return lines

    def notes(self, skip_bad: bool = False) -> list[str]:
        """What loading leaves out or the user should know, one line each; none of it stops loading."""
        lines = []
        if self.unreadable and skip_bad:
            lines.append(f"left out {len(self.unreadable)} unreadable picture(s): "
                         + self._names([path for path, _ in self.unreadable]))
        if self.not_pictures:
            lines.append(f"left out {len(self.not_pictures)} file(s) that are not pictures: "
                         + self._names(self.not_pictures))
        if self.outside_classes:
            lines.append(f"left out {len(self.outside_classes)} picture(s) lying in {self.folder} itself, "
                         "in no class folder (move them into one): " + self._names(self.outside_classes))
        if self.imbalance:
            big, big_count, small, small_count = self.imbalance
            lines.append(f"strong class imbalance: {big} has {big_count} pictures, "
                         f"{small} only {small_count}")
        if self.duplicates:
            across = [group for group in self.duplicates if len({path.parent for path in group}) > 1]
            lines.append(
                f"{len(self.duplicates)} group(s) of identical pictures, {len(across)} of them in different "
                f"classes: " + "; ".join(self._names(group) for group in self.duplicates[:3])
                + ("; ..." if len(self.duplicates) > 3 else "")
            )
        return lines

    def describe(self, skip_bad: bool = False) -> str:
        """The report ``dlkit check-folder`` prints: classes, formats, conversions, what is left
        out and why, and the call that loads the folder (or what stops it)."""
        total = sum(self.counts.values())
        lines = [f"{self.folder}: {total} pictures in {len(self.classes)} classes"]
        lines += [f"  {name:<24} {count:>6}" for name, count in self.counts.items()]
        lines.append("Formats: " + ", ".join(f"{fmt} {n}" for fmt, n in self.formats.most_common()))
        if self.converted:
            lines.append(f"Converted on loading, in memory (your files stay as they are): "
                         f"{len(self.converted)}")
            reasons = Counter(reason for _, reason in self.converted)
            lines += [f"  {count} x {reason}" for reason, count in reasons.most_common()]
        if self.beside_classes:
            lines.append("Beside the class folders, not loaded: " + self._names(self.beside_classes))
        if self.system_files:
            lines.append(f"Ignored {self.system_files} system file(s) and folder(s) "
                         "(.DS_Store, ._name AppleDouble files, __MACOSX, Thumbs.db, hidden folders)")
        blocking, notes = self.blocking(skip_bad), self.notes(skip_bad)
        lines += [f"Note: {line}" for line in notes]
        lines += [f"Problem: {line}" for line in blocking]
        if blocking:
            lines.append(f"Cannot load: {len(blocking)} problem(s) above.")
        else:
            option = ", skip_bad=True" if self.unreadable else ""
            lines.append(f'Loads with: load_image_folder("{self.folder}", image_size=(150, 150){option})')
        return "\n".join(lines)

    def _name(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.folder))
        except ValueError:
            return str(path)

    def _names(self, paths: list[Path]) -> str:
        shown = [self._name(path) for path in paths[:SHOWN]]
        more = f" and {len(paths) - SHOWN} more" if len(paths) > SHOWN else ""
        return ", ".join(shown) + more
