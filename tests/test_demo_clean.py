"""Issue 14 item 8: the demo shows clean skill links.

Every demo referral, pathway and gap report, run with the demo models (``nlp_home_template``:
``pathmatch train nlp --demo`` on a fresh machine) through the code the API, batch and
``pathmatch gaps`` run, explains no (program family, skill) pair from the hand-written list of
wrong-field pairs in ``tests/fixtures/wrong_field_pairs.csv``. The collecting code is
``experiments/demo_wrong_links.py``, which prints the same list to measure progress. One
engine over one copy of the session's demo NLP home serves every check.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]


def load_script() -> ModuleType:
    path = REPO / "experiments" / "demo_wrong_links.py"
    spec = importlib.util.spec_from_file_location("demo_wrong_links", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script()


@pytest.fixture(scope="module")
def explained(tmp_path_factory, nlp_home_template, script):  # -> list[Explained]
    from matching.settings import Settings
    from serving.engine import Engine

    home = nlp_home_template.copy(tmp_path_factory.mktemp("demo_clean_home"))
    engine = Engine.load(Settings(home=home))
    return script.collect(engine, script.read_wrong_pairs())


def test_the_wrong_pair_list_is_hand_written_and_reasoned(script) -> None:
    pairs = script.read_wrong_pairs()
    assert len(pairs) >= 30
    assert all(p.family and p.skill and len(p.why) > 10 for p in pairs)
    assert len({(p.family, p.skill.casefold()) for p in pairs}) == len(pairs)


def test_every_demo_answer_was_read(explained, script) -> None:
    """The check means something only if the answers explain skills at all."""
    sources = {i.source for i in explained}
    for source in ("referral: taught", "referral: carried over", "gap: gap list"):
        assert source in sources
    programs = {i.program.split(" (for ")[0] for i in explained if i.source.startswith("ref")}
    assert len(programs) >= 10


def test_no_demo_answer_explains_a_wrong_field_skill(explained, script) -> None:
    found = script.wrong_found(explained, script.read_wrong_pairs())
    lines = sorted({script.describe(p, i) for p, i in found})
    assert not lines, f"{len(lines)} wrong-field explained skills:\n" + "\n".join(lines)
