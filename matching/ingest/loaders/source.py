"""The contract between a loader module and ``pathmatch import``.

Each loader module exports ``SOURCES: list[Source]``. A ``Source`` says which bundle table it
fills, where its files live under a data directory (with the file-name variants official
releases use), how to load them, and how to read the taxonomy version off them. The import
command walks every module's ``SOURCES``; adding a state's ETPL or a new taxonomy release is
one more ``Source``, never a change to the importer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from matching.ingest.loaders.base import Loaded


@dataclass(frozen=True)
class Source:
    """One bundle table and how to build it from files under a data directory.

    ``patterns`` are glob patterns relative to ``data_dir / folder``. Without ``many``, the
    first pattern that matches wins (so list the newest official file name first, then the
    older variants), and among its matches the last in sorted order, i.e. the newest date
    stamp. With ``many``, every file matching any pattern is loaded, in sorted order.
    """

    table: str
    folder: str
    patterns: tuple[str, ...]
    load: Callable[[list[Path]], Loaded]
    many: bool = False
    version: Callable[[Path], str | None] | None = None
    description: str = ""

    def discover(self, data_dir: Path) -> list[Path]:
        """The files this source would load from ``data_dir`` (empty when absent)."""
        base = Path(data_dir) / self.folder
        if not base.is_dir():
            return []
        found: list[Path] = []
        for pattern in self.patterns:
            matches = sorted(p for p in base.glob(pattern) if p.is_file())
            if matches and not self.many:
                return matches[-1:]  # names sort by their date stamp: the newest is last
            found.extend(m for m in matches if m not in found)
        return found

    def taxonomy_version(self, data_dir: Path) -> str | None:
        return self.version(Path(data_dir) / self.folder) if self.version else None


def all_sources() -> Sequence[Source]:
    """Every source ``pathmatch import`` bundles, in the order tables are built.

    Participant files are deliberately absent: they are personal data, read only by the
    commands that score them, and never written into a shared reference bundle.
    """
    from matching.ingest.loaders import (
        clusters,
        courses,
        crosswalks,
        esco,
        geo,
        labor,
        onet,
        postings,
        programs,
        transitions,
    )

    modules = (
        onet,
        esco,
        crosswalks,
        programs,
        labor,
        postings,
        courses,
        transitions,
        geo,
        clusters,
    )
    return [source for module in modules for source in module.SOURCES]
