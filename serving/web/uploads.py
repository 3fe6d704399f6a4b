"""Checks every uploaded file gets before a page reads it (caseloads, course catalogs).

The analyst and college pages take a file from the user's machine; both refuse the same
three things the same way, in the page's language and at the form: nothing chosen, a file
over the page's size limit, and a file type its reader does not know. The size is checked
on at most ``limit + 1`` bytes read, so an oversized upload is never held in full.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request, UploadFile

from serving.web.render import gettext


def read_limited(upload: UploadFile, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the upload: enough to tell that it is too large."""
    return upload.file.read(limit + 1)


def upload_problem(
    request: Request,
    data: bytes,
    name: str,
    *,
    limit: int,
    suffixes: frozenset[str] | set[str] | tuple[str, ...],
    empty: str,
    wrong_type: str,
) -> str | None:
    """The one line shown at the file field, or None when the file can be read.

    ``empty`` and ``wrong_type`` are the page's own (translated) messages: what to upload,
    and which file types it takes."""
    if not data:
        return empty
    if len(data) > limit:
        return gettext(request, "The file is larger than %(mb)s MB.", mb=limit >> 20)
    if Path(name).suffix.lower() not in suffixes:
        return wrong_type
    return None
