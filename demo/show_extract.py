"""Print an `extract` output file as a short readable list (used by `make demo`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(path: str) -> None:
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        skills = ", ".join(
            f'{s["label"]} ({s["score"]:.2f}: "{s["evidence"]["text"]}")'
            for s in record.get("skills", [])
        )
        spans = ", ".join(sorted({s["text"] for s in record.get("spans", [])}))
        print(f"{record['id']}: evidence [{spans}] -> {skills or record.get('error', '-')}")


if __name__ == "__main__":
    main(sys.argv[1])
