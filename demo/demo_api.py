"""The demo's API step: start a real server, ask for referrals and a pathway, stop it.

``python demo/demo_api.py --caseload FILE --ids ID [ID ...]`` starts ``pathmatch
serve`` over ``PATHMATCH_HOME`` with a one-time API key (``serving.local_server``), posts
each participant to ``/v1/referrals`` and the first to ``/v1/pathways``, prints the
answers the way a case manager reads them, and stops the server whatever happens.
Participants come from an intake file read by the same loader as batch scoring.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.panel import Panel

from matching.schemas import Participant
from matching.settings import get_settings
from serving.local_server import ApiServer, running_server

console = Console(width=110)


def participants(caseload: Path, ids: list[str]) -> list[Participant]:
    from serving.batch import participant_from_row, read_caseload

    table = read_caseload(caseload).table
    rows = {r["participant_id"]: r for r in table.to_dicts()}
    missing = [i for i in ids if i not in rows]
    if missing:
        raise SystemExit(f"not in {caseload.name}: {', '.join(missing)}")
    return [participant_from_row(rows[i]) for i in ids]


def show_referrals(body: dict[str, Any]) -> None:
    meta = body["meta"]
    sources = (
        ", ".join(f"{s['title']} -> {s['occupation_title']}" for s in body["source_occupations"])
        or "none"
    )
    console.rule(f"[bold]referrals for {body['participant_id']}[/] (region {body['region']})")
    console.print(
        f"past jobs: {sources}; {len(body['skills'])} skills read; "
        f"bundle {meta['bundle']}; models "
        + (", ".join(f"{k}/{v}" for k, v in meta["models"].items()) or "none")
    )
    for r in body["referrals"]:
        lines = "\n".join(f"- {line}" for line in r["explanation"] + r["caveats"])
        title = (
            f"#{r['rank']} {r['program_name']} ({r['provider_name']}) score "
            f"{r['score']:.1f}: ${r['cost'] or 0:,.0f}, {r['weeks'] or 0:.0f} weeks, "
            f"{r['schedule'] or 'schedule n/a'}"
        )
        console.print(Panel(lines, title=title, title_align="left"))
    for e in body["excluded"][:4]:
        why = "; ".join(x["text"] for x in e["reasons"])
        step = f" -> {e['next_step']}" if e.get("next_step") else ""
        console.print(f"  not referred: {e['program_name']}: {why}{step}")
    if len(body["excluded"]) > 4:
        console.print(f"  ... and {len(body['excluded']) - 4} more excluded, each with reasons")


def show_pathways(body: dict[str, Any]) -> None:
    console.rule(f"[bold]pathways for {body['participant_id']}[/]")
    for p in body["pathways"][:2]:
        console.print(
            Panel(
                "\n".join(f"- {line}" for line in p["explanation"]),
                title=f"route {p['rank']}: net five-year gain ${p['net_gain_5y'] or 0:,.0f}",
                title_align="left",
            )
        )
    for note in body["notes"]:
        console.print(f"  note: {note}")


def ask(server: ApiServer, path: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = httpx.post(f"{server.base_url}{path}", json=body, headers=server.headers, timeout=120)
    reply.raise_for_status()
    return reply.json()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--caseload", type=Path, required=True)
    parser.add_argument("--ids", nargs="+", required=True)
    parser.add_argument("--top-k", type=int, default=3)
    args = parser.parse_args(argv)
    people = participants(args.caseload, args.ids)
    keep = {
        k: os.environ[k] for k in ("PATHMATCH_BUNDLE", "MLFLOW_TRACKING_URI") if k in os.environ
    }  # the caller's data and model store, as they set them
    console.print("starting the API ...")
    with running_server(
        get_settings().home, key=secrets.token_urlsafe(24), extra_env=keep, timeout=600
    ) as server:
        console.print(f"API up on {server.base_url} (log {server.log_path})")
        for person in people:
            body = {"participant": person.model_dump(mode="json"), "top_k": args.top_k}
            show_referrals(ask(server, "/v1/referrals", body))
        body = {"participant": people[0].model_dump(mode="json"), "top_k": 2}
        show_pathways(ask(server, "/v1/pathways", body))
    console.print("API stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
