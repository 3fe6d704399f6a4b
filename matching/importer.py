"""``pathmatch import``: official files in, a reproducible data bundle out."""

from __future__ import annotations

from pathlib import Path

from matching.bundle import ProgressHook, load_sources, normalize_codes, write_bundle
from matching.normalize import NORMALIZERS


def import_bundle(data_dir: Path, out_dir: Path, progress: ProgressHook | None = None) -> dict:
    """Load every source under ``data_dir``, normalize codes across tables, write the bundle."""
    result = load_sources(Path(data_dir), progress=progress)
    normalize_report = normalize_codes(result, NORMALIZERS)
    extra = [("normalize", r) for r in normalize_report.rejects]
    return write_bundle(result, Path(data_dir), Path(out_dir), extra_rejects=extra)
