"""One schedule and format vocabulary for participants and programs.

A participant says when they can attend the way people say it ("evenings", "nights",
"weekends only", "evening/weekend", "any", "mornings while kids in school"); a listing says
when it meets ("day", "evening", "Evening and Weekend" in its name). Both are read here into
the same set of slots, so the API, the CLI and batch scoring agree on every value:

=========  ==============================================================================
day        daytime classes ("day", "days", "daytime", "mornings", "afternoons", "while kids
           in school", "weekdays", "M-F", "9-5")
evening    evening classes ("evening(s)", "night(s)": for classes, nights are evenings)
weekend    Saturday/Sunday classes ("weekend(s)", "saturdays", "sundays", "sat", "sun")
overnight  overnight or graveyard hours ("overnight(s)", "graveyard", "3rd shift")
online     online or self-paced study ("online", "remote", "distance", "self-paced",
           "at my own pace", "virtual")
=========  ==============================================================================

"any", "flexible", "anytime", "whenever", "open" and "all" mean every slot. Combinations are
joined by "and", "or", "/", "&", "+" or commas and are a set of slots (a participant who says
"evening/weekend" can attend either; a listing "Evening and Weekend" offers either), and a
program fits a participant when the slots meet. "only" adds nothing ("weekends only" is
weekend). The canonical spelling is the slots in the table's order joined by "+"
("evening+weekend"), or "any" for all of them.

Words that are not in the vocabulary are an error (``ScheduleError``) whose message lists the
accepted words and never repeats the value (it may be personal).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

SLOTS: tuple[str, ...] = ("day", "evening", "weekend", "overnight", "online")
ANY = "any"
ALL_SLOTS = frozenset(SLOTS)

_WORDS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        r"any|anytime|any ?time|flexible|flex|whenever|open|all|no preference|either|"
        r"whatever works|doesn'?t matter",
        ALL_SLOTS,
    ),
    (r"over ?nights?|graveyard|3rd shift|third shift", frozenset({"overnight"})),
    (
        r"online|on-line|remote|remotely|distance|virtual|self[- ]?paced|"
        r"at (?:my|their|your) own pace|from home",
        frozenset({"online"}),
    ),
    (r"evenings?|nights?|after work|after 5|after five|pm", frozenset({"evening"})),
    (
        r"weekends?|saturdays?|sundays?|sat|sun|sat ?- ?sun",
        frozenset({"weekend"}),
    ),
    (
        r"days?|daytime|day ?time|mornings?|afternoons?|weekdays?|m ?- ?f|mon ?- ?fri|"
        r"monday ?- ?friday|9 ?- ?5|am|while (?:the )?kids? (?:are )?(?:in|at) school|"
        r"during (?:the )?(?:day|school hours)|school hours",
        frozenset({"day"}),
    ),
)
_MATCHERS = tuple((re.compile(rf"^(?:{words})$"), slots) for words, slots in _WORDS)
# words that carry no slot of their own: "weekends only", "evening classes are best"
_FILLER = re.compile(
    r"\b(?:only|just|classes?|courses?|sessions?|schedule|shifts?|hours|time|times|are|is|"
    r"best|better|preferred|prefer|ok|okay|fine|works?|good|can|do|attend|i|the|in|at|on|"
    r"a|an|please|program|programs|format|study|learning|both|possible|available)\b"
)
_SPLIT = re.compile(r"\s*(?:,|/|&|\+|;|\band\b|\bor\b|\bn\b)\s*")
ACCEPTED = (
    "day, evening, weekend, overnight, online (or self-paced), any (or flexible), and "
    "combinations such as 'evening/weekend' or 'evenings or weekends'; everyday words are "
    "read too ('evenings', 'nights', 'weekends only', 'mornings while kids in school')"
)


class ScheduleError(ValueError):
    """A schedule the vocabulary cannot read; the message lists the accepted words."""

    def __init__(self) -> None:
        super().__init__(f"schedule not understood; accepted: {ACCEPTED}")


def parse_schedule(text: str | None) -> frozenset[str] | None:
    """The slots ``text`` names; None for a blank value; raises ``ScheduleError``.

    A phrase splits at "and", "or", "/", "&", "+" and commas; each piece, with filler words
    ("only", "classes") dropped, must be in the vocabulary (module docstring). A piece such
    as "mornings while kids in school" is matched whole before any word is dropped.
    """
    if text is None or not text.strip():
        return None
    slots: set[str] = set()
    for piece in _SPLIT.split(text.strip().lower()):
        piece = piece.strip(" .!-")
        if not piece:
            continue
        found = _match(piece)
        if found is None:
            raise ScheduleError()
        slots |= found
    if not slots:
        raise ScheduleError()
    return frozenset(slots)


def _match(piece: str) -> frozenset[str] | None:
    """The slots one piece names: the whole piece, else each remaining word after filler."""
    whole = re.sub(r"\s+", " ", piece)
    for matcher, slots in _MATCHERS:
        if matcher.match(whole):
            return slots
    school = re.search(r"while (?:the )?kids? (?:are )?(?:in|at) school|school hours", whole)
    rest = _FILLER.sub(" ", whole)
    found: set[str] = {"day"} if school else set()
    if school:
        rest = _FILLER.sub(" ", whole.replace(school.group(0), " "))
    for word in rest.split():
        hit = next((s for m, s in _MATCHERS if m.match(word)), None)
        if hit is None:
            return None
        found |= hit
    return frozenset(found) if found else None


def canonical(slots: Iterable[str]) -> str:
    """``evening+weekend``; ``any`` when every slot is named."""
    named = set(slots)
    if named >= ALL_SLOTS:
        return ANY
    return "+".join(s for s in SLOTS if s in named)


def canonical_schedule(text: str | None) -> str | None:
    """``text`` in its canonical spelling (None for blank); raises ``ScheduleError``."""
    slots = parse_schedule(text)
    return None if slots is None else canonical(slots)


def program_slots(
    schedule: str | None, fmt: str | None = None, name: str | None = None
) -> frozenset[str] | None:
    """When a listing meets: its schedule field, plus schedule words in its name (a listing
    called "Certified Nurse Aide - Evening and Weekend" offers weekends even when the state's
    field only says 'evening'), plus ``online`` when it is taught online. None: not listed.

    An unreadable schedule field counts as not listed (the check becomes a caveat).
    """
    slots: set[str] = set()
    try:
        slots |= parse_schedule(schedule) or set()
    except ScheduleError:
        pass
    for word in re.findall(
        r"\b(evenings?|weekends?|day|days|nights?|online|self-paced)\b", (name or "").lower()
    ):
        slots |= parse_schedule(word) or set()
    if (fmt or "").lower() in {"online", "distance", "remote"}:
        slots.add("online")
    return frozenset(slots) if slots else None


def fits(wanted: frozenset[str] | None, offered: frozenset[str] | None) -> bool | None:
    """Can a participant who attends ``wanted`` take a program meeting ``offered``?

    True when either is unset to "any" or the slots meet; a program taught online or
    self-paced fits everyone (it is done when the participant can); None when the program's
    schedule is not listed (the check cannot be made).
    """
    if wanted is None or wanted >= ALL_SLOTS:
        return True
    if offered is None:
        return None
    return offered >= ALL_SLOTS or "online" in offered or bool(wanted & offered)


def describe(slots: Iterable[str]) -> str:
    """Plain words: 'evenings or weekends', 'any time', 'online or self-paced'."""
    named = [s for s in SLOTS if s in set(slots)]
    if set(named) >= ALL_SLOTS:
        return "any time"
    words = {
        "day": "days",
        "evening": "evenings",
        "weekend": "weekends",
        "overnight": "overnight",
        "online": "online or self-paced",
    }
    parts = [words[s] for s in named]
    return " or ".join(parts) if len(parts) <= 2 else ", ".join(parts[:-1]) + " or " + parts[-1]
