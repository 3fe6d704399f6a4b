"""Benchmark: `pathmatch import` wall time and peak memory, on the real data and the demo data.

Prints one line per data set. The real data is ../shared/data (O*NET 27.0, ESCO v1.1.1,
crosswalks, CIP, Scorecard, NJ ETPL, BLS, postings, courses); it is skipped with a note when
absent. Run: `make bench` or `.venv/bin/python experiments/bench_import.py`.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from matching.ingest.importer import import_bundle  # noqa: E402


def measure(label: str, data_dir: Path) -> None:
    if not data_dir.is_dir():
        print(f"{label}: skipped ({data_dir} not found)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        manifest = import_bundle(data_dir, Path(tmp) / "bundle")
        seconds = time.perf_counter() - start
    rows = sum(t["rows"] for t in manifest["tables"].values())
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{label}: {len(manifest['tables'])} tables, {rows:,} rows, "
        f"{manifest['rejects']['count']:,} rejects, {seconds:.1f} s, "
        f"{rows / seconds:,.0f} rows/s, peak RSS so far {peak_mb:,.0f} MB"
    )


if __name__ == "__main__":
    measure("demo data (demo/data)", REPO / "demo" / "data")
    measure("real data (../shared/data)", REPO.parent / "shared" / "data")
