"""The demo's API step: start a real server, ask for referrals and a pathway, stop it.

``python -m serving.demo_api --caseload FILE --ids ID [ID ...]`` starts ``pathmatch
serve`` on a free loopback port with a one-time API key, waits for ``/v1/health``, posts
each participant to ``/v1/referrals`` and the first to ``/v1/pathways``, prints the
answers the way a case manager reads them, and stops the server whatever happens.
Participants come from an intake file read by the same loader as batch scoring.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.panel import Panel

from matching.schemas import Participant

console = Console(width=110)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, key: str) -> subprocess.Popen[bytes]:
    """``pathmatch serve`` as a user runs it, with a key that lives only for this run."""
    exe = shutil.which("pathmatch") or str(Path(sys.executable).with_name("pathmatch"))
    env = {**os.environ, "PATHMATCH_API_KEYS": key}
    return subprocess.Popen([exe, "serve", "--host", "127.0.0.1", "--port", str(port)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_healthy(base: str, process: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with code {process.returncode} while starting")
        try:
            if httpx.get(f"{base}/v1/health", timeout=2).json().get("status") == "ok":
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise SystemExit(f"server not healthy after {timeout:.0f} s")


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
    sources = ", ".join(f"{s['title']} -> {s['occupation_title']}"
                        for s in body["source_occupations"]) or "none"
    console.rule(f"[bold]referrals for {body['participant_id']}[/] (region {body['region']})")
    console.print(f"past jobs: {sources}; {len(body['skills'])} skills read; "
                  f"bundle {meta['bundle']}; models "
                  + (", ".join(f"{k}/{v}" for k, v in meta["models"].items()) or "none"))
    for r in body["referrals"]:
        lines = "\n".join(f"- {line}" for line in r["explanation"] + r["caveats"])
        title = (f"#{r['rank']} {r['program_name']} ({r['provider_name']}) score "
                 f"{r['score']:.1f}: ${r['cost'] or 0:,.0f}, {r['weeks'] or 0:.0f} weeks, "
                 f"{r['schedule'] or 'schedule n/a'}")
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
        console.print(Panel("\n".join(f"- {line}" for line in p["explanation"]),
                            title=f"route {p['rank']}: net five-year gain "
                                  f"${p['net_gain_5y'] or 0:,.0f}", title_align="left"))
    for note in body["notes"]:
        console.print(f"  note: {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--caseload", type=Path, required=True)
    parser.add_argument("--ids", nargs="+", required=True)
    parser.add_argument("--top-k", type=int, default=3)
    args = parser.parse_args(argv)
    people = participants(args.caseload, args.ids)
    key, port = secrets.token_urlsafe(24), free_port()
    base = f"http://127.0.0.1:{port}"
    console.print(f"starting the API on {base} ...")
    server = start_server(port, key)
    try:
        wait_healthy(base, server)
        headers = {"X-API-Key": key}
        for person in people:
            body = {"participant": person.model_dump(mode="json"), "top_k": args.top_k}
            reply = httpx.post(f"{base}/v1/referrals", json=body, headers=headers, timeout=120)
            reply.raise_for_status()
            show_referrals(reply.json())
        body = {"participant": people[0].model_dump(mode="json"), "top_k": 2}
        reply = httpx.post(f"{base}/v1/pathways", json=body, headers=headers, timeout=120)
        reply.raise_for_status()
        show_pathways(reply.json())
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        console.print("API stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
