"""``pathmatch import``: official files in, a reproducible data bundle out."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from matching.bundle import ProgressHook, load_sources, normalize_codes, write_bundle
from matching.loaders.base import Reject
from matching.normalize import NORMALIZERS


def import_bundle(data_dir: Path, out_dir: Path, progress: ProgressHook | None = None) -> dict:
    """Load every source under ``data_dir``, normalize codes across tables, write the bundle."""
    result = load_sources(Path(data_dir), progress=progress)
    normalize_report = normalize_codes(result, NORMALIZERS)
    extra = [(r.file, _with_source_file(r, result.files.get(r.file))) for r in
             normalize_report.rejects]
    return write_bundle(result, Path(data_dir), Path(out_dir), extra_rejects=extra)


def _with_source_file(reject: Reject, files: list[Path] | None) -> Reject:
    """Normalizers name the table; the rejects file names the file a person would open."""
    if not files:
        return reject
    return replace(reject, file=files[-1].name)
