"""Small helpers the loader tests share: fixture files and views of a load report."""

from __future__ import annotations

from pathlib import Path

from matching.ingest.loaders.base import LoadReport


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    """A fixture file with exactly these bytes (encodings and line ends included)."""
    path = tmp_path / name
    path.write_bytes(content)
    return path


def problems(report: LoadReport, severity: str) -> set[tuple[int | None, str | None]]:
    """(line, field) of each reported problem of one severity."""
    return {(r.line, r.field) for r in report.rejects if r.severity == severity}


def balanced(report: LoadReport) -> bool:
    """Every row read was either kept or rejected: nothing silently dropped."""
    return report.rows_kept + report.rows_rejected == report.rows_read
