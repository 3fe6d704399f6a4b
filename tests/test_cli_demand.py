"""`pathmatch demand` and `pathmatch programs` on the demo bundle, as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from demo_homes import HomeTemplate

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory, demo_home_template: HomeTemplate) -> Path:
    return demo_home_template.copy(tmp_path_factory.mktemp("home"))


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATHMATCH_HOME": str(home)}
    env.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.run(
        [sys.executable, "-m", "serving.cli", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=300,
    )


def test_demand_table_for_a_state_and_an_occupation(home: Path) -> None:
    result = run(home, "demand", "--region", "nj")
    assert result.returncode == 0, result.stderr
    assert "demand in NJ" in result.stdout
    assert "31-1131.00" in result.stdout, "nursing assistants are the demo's top demand"
    assert "near-duplicates counted once" in result.stderr
    assert "no usable location: 3" in result.stderr
    one = run(home, "demand", "--region", "NJ", "--occupation", "53-3032")
    assert one.returncode == 0, one.stderr
    assert "53-3032.00" in one.stdout and "31-1131.00" not in one.stdout
    skills = run(home, "demand", "--region", "NJ", "--occupation", "43-4051.00")
    assert "skills requested" in skills.stdout and "customer service" in skills.stdout


def test_demand_unknown_codes_list_the_valid_ones(home: Path) -> None:
    region = run(home, "demand", "--region", "ZZ")
    assert region.returncode == 2
    assert "not a US state" in region.stderr and "NJ" in region.stderr
    occupation = run(home, "demand", "--region", "NJ", "--occupation", "99-9999")
    assert occupation.returncode == 2 and "31-1131.00" in occupation.stderr


def test_programs_lead_to_an_occupation(home: Path) -> None:
    result = run(home, "programs", "--region", "NJ", "--occupation", "29-2061.00")
    assert result.returncode == 0, result.stderr
    assert "Practical Nursing" in result.stdout
    assert "Certified Nurse Aide" not in result.stdout
    assert "no outcome model registered" in result.stderr
    unknown = run(home, "programs", "--region", "TX")
    assert unknown.returncode == 2 and "['NJ']" in unknown.stderr
