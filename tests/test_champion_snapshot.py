"""Reading models without importing MLflow when the local store has not changed.

``import mlflow`` alone takes about 6 s, most of a short CLI call. A lookup against an
unchanged SQLite store is answered from the snapshot the previous lookup left; any write
to the store (a new registered version here) must retire it, or a process would keep
serving yesterday's champion. Each lookup runs in a fresh interpreter, as CLI calls do.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from demo_homes import HomeTemplate
from test_demo_homes import register_title_model

LOOKUP = """
import json, sys
from matching.settings import Settings
from training.registry import resolve_champions
refs = resolve_champions(["pathmatch-titles", "pathmatch-linker"], Settings(home=sys.argv[1]))
print(json.dumps({"versions": {n: r.version for n, r in refs.items()},
                  "mlflow_imported": "mlflow" in sys.modules}))
"""


def lookup(home: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", LOOKUP, str(home)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_an_unchanged_store_is_read_without_mlflow_and_a_new_version_is_seen(
    demo_home_template: HomeTemplate, tmp_path: Path
) -> None:
    home = demo_home_template.copy(tmp_path / "home")
    register_title_model(home)

    first = lookup(home)
    assert first == {"versions": {"pathmatch-titles": "1"}, "mlflow_imported": True}
    second = lookup(home)
    assert second == {"versions": {"pathmatch-titles": "1"}, "mlflow_imported": False}

    register_title_model(home)  # writes the store: the snapshot no longer describes it
    third = lookup(home)
    assert third == {"versions": {"pathmatch-titles": "2"}, "mlflow_imported": True}


def test_a_snapshot_whose_copy_is_gone_is_not_trusted(
    demo_home_template: HomeTemplate, tmp_path: Path
) -> None:
    home = demo_home_template.copy(tmp_path / "home")
    register_title_model(home)
    lookup(home)
    (home / "models" / "pathmatch-titles" / "1" / ".complete").unlink()
    again = lookup(home)
    assert again == {"versions": {"pathmatch-titles": "1"}, "mlflow_imported": True}
