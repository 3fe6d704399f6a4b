"""``pathmatch export``: the bundle's programs in formats other systems read.

``pathmatch export ctdl --region ST --out FILE|DIR`` writes the region's ETPL programs and
their stackable pathways as Credential Engine CTDL JSON-LD (``matching.market.ctdl_export``):
one graph document when ``--out`` ends in .json/.jsonld, else a folder with one document per
program. ``pathmatch import`` reads such files back from ``programs/ctdl/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

export_app = typer.Typer(
    help="Write the bundle's programs out in a published format (CTDL JSON-LD).",
    no_args_is_help=True,
)


@export_app.command("ctdl")
def ctdl(
    region: Annotated[str, typer.Option("--region", help="state code, e.g. NJ")],
    out: Annotated[
        Path, typer.Option("--out", help="a .json/.jsonld file, or a folder (one file each)")
    ],
    bundle: Annotated[
        Path | None,
        typer.Option(
            "--bundle", help="bundle folder [default: $PATHMATCH_BUNDLE or $PATHMATCH_HOME/bundle]"
        ),
    ] = None,
) -> None:
    """Programs and pathways of a region as CTDL JSON-LD, valid against the Registry's terms."""
    import polars as pl

    from matching.market.ctdl_export import export_programs, write_ctdl
    from matching.market.programs import catalog_from_bundle
    from serving.cli import console, fail, open_bundle

    opened = open_bundle(bundle)
    programs = opened.table("etpl_programs")
    state = region.strip().upper()
    chosen = programs.filter(pl.col("state") == state)
    if chosen.is_empty():
        states = sorted(programs["state"].drop_nulls().unique().to_list())
        raise fail(f"no programs for region {region!r}; states in the bundle: {states}")
    catalog = catalog_from_bundle(opened)
    titles = catalog.programs.select("program_id", "cip_title")
    nodes = export_programs(
        chosen.join(titles, on="program_id", how="left"),
        catalog.program_occupations,
        catalog.stackability,
    )
    try:
        written = write_ctdl(nodes, out)
    except OSError as exc:
        raise fail(f"cannot write {out}: {exc.strerror or exc}") from None
    links = sum(len(n.get("ceterms:isPreparationFor", [])) for n in nodes)
    where = written[0] if len(written) == 1 else f"{len(written)} files in {out}"
    console().print(
        f"wrote {len(nodes)} {state} programs as CTDL ({links} stackable-pathway profiles) "
        f"to {where}",
        soft_wrap=True,
        highlight=False,
    )
