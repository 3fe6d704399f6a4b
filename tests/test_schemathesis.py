"""The OpenAPI contract, property-tested: schemathesis against the real server on loopback.

Every operation gets its OpenAPI examples, the coverage phase's boundary cases and up to
``EXAMPLES`` fuzzed cases (positive and negative data), each answer judged by every check
schemathesis has (``--checks all``: no 5xx,
responses match their documented schema, status codes are documented, schema-valid data
accepted, schema-invalid data rejected, ...). The run must find nothing, and the server's own
access log must show no 5xx among the requests it answered.

One configured exception: ``POST /v1/gaps`` may answer 422 to schema-valid courses when no
target occupation can be inferred from their text (random text teaches no skill). That is a
rule about meaning, which no schema can state; the route says so in its 422 message. The same
holds for a participant's ``constraints.schedule`` on ``/v1/referrals`` and ``/v1/pathways``:
any string is schema-valid, but words outside the schedule vocabulary (``matching.schedules``)
are a 422 naming the field and the accepted words.

``GET /v1/programs`` may answer 422 to ``max_miles`` without ``zip`` (a distance needs a
point to measure from; OpenAPI cannot say that one parameter needs another).

Figures (issue 12; ``--checks all``, 300 examples per operation, seed 12, one worker):
before the fixes 3,408 cases (4,212 requests answered), 1 5xx (ZeroDivisionError on
/v1/pathways), 1 schema-violating response (the /v1/gaps 422), 11 undocumented-status
failures, 3 schema-valid requests rejected; after, 3,460 cases (3,409 requests) and no
failure of any check, nor with seed 99. ``EXAMPLES`` = 50 here (the suite's
time budget: 100 took about 70 s of a loaded 2-core run, 50 takes about 25 s); the seed is
fixed, and the 300-example runs above are the deeper check to repeat after API changes.
"""

from __future__ import annotations

import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from api_server import ApiServer

EXAMPLES = 50
SEED = 12
ALLOWED_SEMANTIC_422 = """\
[[operations]]
include-path = "/v1/gaps"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "422"]

[[operations]]
include-path-regex = "^/v1/(referrals|pathways)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "422"]

[[operations]]
include-path = "/v1/programs"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "404", "422"]
"""
ACCESS_LINE = re.compile(
    r"pathmatch\.api (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (\S+) "
    r"(\d{3}) "
)


def failures_by_code(junit: Path) -> Counter[str]:
    """``ST101`` (server error), ``ST108`` (schema violation), ... -> unique failures."""
    found: Counter[str] = Counter()
    for failure in ET.parse(junit).getroot().iter("failure"):
        found.update(re.findall(r"^- (ST\d+) ", failure.text or "", flags=re.MULTILINE))
    return found


def run_schemathesis(server: ApiServer, tmp: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    config = tmp / "schemathesis.toml"
    config.write_text(ALLOWED_SEMANTIC_422, encoding="utf-8")
    junit = tmp / "junit.xml"
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(config),
        "run",
        f"{server.base_url}/openapi.json",
        "-H",
        f"X-API-Key: {server.key}",
        "--checks",
        "all",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--continue-on-failure",
        "--generation-database",
        "none",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(junit),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp)
    return result, junit


@pytest.mark.slow
def test_schemathesis_finds_no_5xx_no_schema_violation_no_undocumented_status(
    api_server: ApiServer, tmp_path: Path
) -> None:
    log_before = len(api_server.log())
    result, junit = run_schemathesis(api_server, tmp_path)
    assert junit.is_file(), result.stdout[-3000:] + result.stderr[-3000:]
    answered = [m.groups() for m in ACCESS_LINE.finditer(api_server.log()[log_before:])]
    statuses = Counter(status for _, _, status in answered)
    server_errors = [
        f"{method} {route} {status}" for method, route, status in answered if status.startswith("5")
    ]
    found = failures_by_code(junit)
    summary = result.stdout[result.stdout.find("SUMMARY") :][-3000:]
    assert len(answered) >= 9 * EXAMPLES, f"too few requests reached the server: {statuses}"
    assert not server_errors, server_errors
    assert found["ST101"] == 0, summary  # server error
    assert found["ST108"] == 0, summary  # response violates its documented schema
    assert found["ST103"] == 0, summary  # status code not documented
    assert not found, summary  # every other check passes too
    assert result.returncode == 0, summary
