"""The demo-data API server the tests and ``experiments/bench_api.py`` start.

Without registered models in ``PATHMATCH_HOME`` the engine falls back (titles fitted from
the bundle, no outcome or transition model), which keeps start-up to seconds. Starting and
stopping the server is ``serving.local_server``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from serving.local_server import ApiServer
from serving.local_server import running_server as _running_server

REPO = Path(__file__).resolve().parents[1]
DEMO_DATA = REPO / "demo" / "data"
TEST_KEY = "test-key-6f1c2b"  # not a secret: only ever accepted by servers tests start
OTHER_KEY = "other-key-91d3a7"  # a second user of the session server (results are per key)


def demo_home(home: Path) -> Path:
    """``home`` with the demo data imported into ``home/bundle`` (done once)."""
    from matching.ingest.importer import import_bundle

    if not (home / "bundle" / "manifest.json").is_file():
        import_bundle(DEMO_DATA, home / "bundle")
    return home


@contextmanager
def running_server(home: Path, *, key: str = TEST_KEY, **options: object) -> Iterator[ApiServer]:
    """``serving.local_server.running_server`` with the test key."""
    with _running_server(home, key=key, **options) as server:  # type: ignore[arg-type]
        yield server
