"""Every string a page shows has its Spanish translation.

The es catalog can only be complete for the strings it lists; this test extracts the strings
from the templates and the Python that builds pages (the same extraction as the pybabel
command in ``serving/web/i18n/babel.cfg``), so a string added to a page without its es entry
fails here instead of showing in English on the Spanish page.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[1] / "serving" / "web"
METHODS = [("templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {"_": None, "gettext": (2,), "N_": None, "ngettext": (1, 2)}


def page_strings() -> dict[str, str]:
    """msgid -> the file it is first found in."""
    found: dict[str, str] = {}
    for filename, _, message, _, _ in extract_from_dir(
        str(WEB), method_map=METHODS, options_map=OPTIONS, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault(msgid, filename)
    return found


def spanish() -> dict[str, object]:
    with open(WEB / "i18n" / "es" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale="es")
    return {(m.id[0] if isinstance(m.id, tuple) else m.id): m.string for m in catalog if m.id}


def test_every_page_string_has_a_spanish_translation() -> None:
    strings, es = page_strings(), spanish()
    assert len(strings) > 200, "the extraction found the pages' strings"
    missing = sorted(f"{where}: {msgid!r}" for msgid, where in strings.items() if not es.get(msgid))
    assert not missing, "no Spanish for:\n" + "\n".join(missing)
