"""Opening a bundle verifies it against its manifest (issue 12, defect 4).

A deleted, truncated or replaced table, or a manifest edited by hand, is one ``BundleError``
naming the table, and every CLI command that opens the bundle prints it as one line and
exits 2, never a parquet traceback later on.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from matching.ingest.bundle import Bundle, BundleError

REPO = Path(__file__).resolve().parents[1]
DEMO_DATA = REPO / "demo" / "data"
VENV_CLI = REPO / ".venv" / "bin" / "pathmatch"
PATHMATCH = [str(VENV_CLI)] if VENV_CLI.exists() else [sys.executable, "-m", "serving.cli"]
TABLE = "etpl_programs"


@pytest.fixture(scope="module")
def good_bundle(demo_bundle: Path) -> Path:
    """The session's demo bundle (read-only: the tests damage copies of it)."""
    return demo_bundle


def _copy(good: Path, tmp_path: Path) -> Path:
    target = tmp_path / "bundle"
    shutil.copytree(good, target)
    return target


def _parquet(bundle: Path, name: str = TABLE) -> Path:
    return bundle / "tables" / f"{name}.parquet"


def _edit_manifest(bundle: Path, change: Callable[[dict], None], *, rehash: bool) -> None:
    path = bundle / "manifest.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    if rehash:  # as an older pathmatch would have written it: consistent, just older
        body = {k: v for k, v in manifest.items() if k != "bundle_hash"}
        manifest["bundle_hash"] = hashlib.sha256(
            json.dumps(body, sort_keys=True).encode()
        ).hexdigest()[:16]
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True))


def _delete(bundle: Path) -> None:
    _parquet(bundle).unlink()


def _truncate(bundle: Path) -> None:
    path = _parquet(bundle)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip_byte(bundle: Path) -> None:
    path = _parquet(bundle)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _row_count(bundle: Path) -> None:
    def change(m: dict) -> None:
        m["tables"][TABLE]["rows"] += 1

    _edit_manifest(bundle, change, rehash=False)


def _old_manifest(bundle: Path) -> None:
    def change(m: dict) -> None:
        for entry in m["tables"].values():
            entry.pop("sha256")
            entry.pop("bytes")

    _edit_manifest(bundle, change, rehash=True)


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (_delete, "is missing"),
        (_truncate, "truncated or replaced"),
        (_flip_byte, "does not match its sha256"),
        (_row_count, "33 rows but manifest.json says 34"),
        (_old_manifest, "no sha256"),
    ],
)
def test_damaged_bundle_is_one_error_naming_the_table(
    good_bundle: Path, tmp_path: Path, damage: Callable[[Path], None], problem: str
) -> None:
    bundle = _copy(good_bundle, tmp_path)
    damage(bundle)
    with pytest.raises(BundleError) as caught:
        Bundle(bundle)
    message = str(caught.value)
    if damage is _old_manifest:  # every table lacks a hash: the first in order is named
        assert "table 'career_clusters_cip'" in message and "re-run `pathmatch import" in message
    else:
        assert f"table {TABLE!r}" in message
    assert problem in message
    assert "pathmatch import" in message


def test_intact_bundle_opens_and_records_size_and_hash(good_bundle: Path) -> None:
    bundle = Bundle(good_bundle)
    for name in bundle.table_names:
        entry = bundle.manifest["tables"][name]
        assert entry["bytes"] == _parquet(good_bundle, name).stat().st_size
        assert len(entry["sha256"]) == 64
    assert bundle.warnings == []


def test_hand_edited_manifest_and_rejects_are_caught(good_bundle: Path, tmp_path: Path) -> None:
    bundle = _copy(good_bundle, tmp_path)
    _edit_manifest(bundle, lambda m: m["taxonomies"].update(onet="99.9"), rehash=False)
    with pytest.raises(BundleError, match="manifest.json was edited after import"):
        Bundle(bundle)
    other = _copy(good_bundle, tmp_path / "second")
    with open(other / "rejects.csv", "a") as handle:
        handle.write("x,y,1,z,rejected,made up,\n")
    with pytest.raises(BundleError, match="rejects file rejects.csv is damaged"):
        Bundle(other)


def test_table_damaged_after_opening_is_a_bundle_error(good_bundle: Path, tmp_path: Path) -> None:
    bundle = Bundle(_copy(good_bundle, tmp_path))
    _delete(bundle.path)
    with pytest.raises(BundleError, match=f"table {TABLE!r} could not be read"):
        bundle.table(TABLE)


def _run(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*PATHMATCH, *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


@pytest.mark.parametrize("damage", [_delete, _truncate, _row_count])
def test_cli_commands_on_a_damaged_bundle_print_one_line_and_exit_2(
    good_bundle: Path, tmp_path: Path, damage: Callable[[Path], None]
) -> None:
    bundle = _copy(good_bundle, tmp_path)
    damage(bundle)
    for command in (["summary"], ["programs", "--region", "NJ"], ["demand", "--region", "NJ"]):
        result = _run(*command, "--bundle", str(bundle), env={"PATHMATCH_HOME": str(tmp_path)})
        assert result.returncode == 2, (command, result.stderr)
        assert "Traceback" not in result.stderr, command
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and f"table {TABLE!r}" in lines[0], (command, lines)


def test_serve_with_a_damaged_bundle_refuses_to_start(good_bundle: Path, tmp_path: Path) -> None:
    bundle = _copy(good_bundle, tmp_path)
    _truncate(bundle)
    # were the bundle not checked first, the server would start: the timeout ends the test
    result = _run(
        "serve",
        "--port",
        "18799",
        timeout=120,
        env={
            "PATHMATCH_HOME": str(tmp_path),
            "PATHMATCH_BUNDLE": str(bundle),
            "PATHMATCH_API_KEYS": "test-key",
        },
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"table {TABLE!r} is damaged" in result.stderr
