"""Build the demo bundle and demo homes once per test session; hand each test a copy.

Importing the demo data, building its skill pipeline and training the demo NLP models
cost seconds to minutes each, and a dozen test files need the same result. The
``conftest.py`` fixtures build each template once per session (:func:`built_once`, shared
by the pytest-xdist workers through a file lock) and tests that change a home get a
private copy (:meth:`HomeTemplate.copy`).

A copy must not lean on its template: the MLflow SQLite store records absolute artifact
locations (``file:///.../mlartifacts/...``), so :func:`copy_home` rewrites them (and any
other record of the template's folder) to the copy's folder. A test that deletes its
copy's artifacts then sees them missing, as a user's home would, instead of silently
reading the template's.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock

DONE = ".built"  # written last: a folder without it is a half-built leftover


def session_root(basetemp: Path) -> Path:
    """The folder every worker of this session shares.

    Under xdist each worker's basetemp is ``pytest-N/popen-gwK``, so the parent is this
    session's own; without xdist the parent is shared by every past session, so the
    basetemp itself is used (an old session's template must never be reused).
    """
    return basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp


def built_once(root: Path, name: str, build: Callable[[Path], object]) -> Path:
    """``root/name``, made by ``build(folder)`` in whichever worker asks first.

    The others wait on the lock and reuse it. The build goes into a staging folder that is
    renamed when complete, so a failed build leaves nothing a later caller would trust.
    """
    target = root / name
    with FileLock(str(root / f"{name}.lock")):
        if (target / DONE).is_file():
            return target
        staging = root / f".{name}.staging"
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(target, ignore_errors=True)
        staging.mkdir(parents=True)
        build(staging)
        (staging / DONE).write_text("ok\n")
        staging.rename(target)
        _rewrite_store(target, staging, target)
    return target


def copy_home(template: Path, dest: Path) -> Path:
    """A private copy of the home ``template`` at ``dest`` whose store points at ``dest``."""
    shutil.copytree(template, dest, symlinks=True, dirs_exist_ok=True)
    (dest / DONE).unlink(missing_ok=True)
    _rewrite_store(dest, template, dest)
    return dest


def _rewrite_store(home: Path, old: Path, new: Path) -> None:
    """Replace the folder ``old`` by ``new`` wherever ``home`` records it.

    MLflow keeps absolute paths and ``file://`` URIs in ``mlflow.db`` (experiment artifact
    locations, run artifact URIs, model version sources and storage locations), and a
    saved spaCy pipeline's ``config.cfg`` names the bundle it was initialized from; a plain
    prefix swap fixes them all, since pytest's temp paths need no URI escaping.
    """
    before, after = str(old.resolve()), str(new.resolve())
    db = home / "mlflow.db"
    if db.is_file():
        _rewrite_sqlite(db, before, after)
    for path in home.rglob("*"):
        if path.suffix in TEXT_SUFFIXES and path.is_file() and not path.is_symlink():
            text = path.read_bytes()
            if before.encode() in text:
                path.write_bytes(text.replace(before.encode(), after.encode()))


TEXT_SUFFIXES = (".cfg", ".json", ".yaml", ".yml", ".md")


def _rewrite_sqlite(db: Path, before: str, after: str) -> None:
    with sqlite3.connect(db) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for column in conn.execute(f'PRAGMA table_info("{table}")').fetchall():
                name, kind = column[1], str(column[2]).upper()
                if "CHAR" in kind or "TEXT" in kind or kind == "":
                    conn.execute(
                        f'UPDATE "{table}" SET "{name}" = replace("{name}", ?, ?) '
                        f'WHERE instr("{name}", ?) > 0',
                        (before, after, before),
                    )


@dataclass(frozen=True)
class HomeTemplate:
    """A built ``PATHMATCH_HOME`` (bundle, store, saved pipelines) that tests copy."""

    path: Path

    @property
    def bundle(self) -> Path:
        return self.path / "bundle"

    def copy(self, dest: Path) -> Path:
        """A home of the test's own at ``dest`` (an empty or missing folder)."""
        return copy_home(self.path, dest)
