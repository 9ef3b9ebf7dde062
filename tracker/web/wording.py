"""Plain words: putting a label inside a sentence without breaking its acronyms, and counts with
the right plural. Pure; the templates have them as filters."""

from __future__ import annotations

import re

# Words that are acronyms (or start with one) when written in lower case by mistake.
ACRONYMS = ("nhs", "ccg", "ccgs", "gp", "gps", "ig", "eps", "scr", "ods", "gp2gp", "nhsmail", "icb", "api", "csv")
_MISCASED = re.compile(r"\b[a-z][A-Z]{2,}")  # "nHS", "iG Toolkit" has "iG": see below
_MISCASED_PAIR = re.compile(r"\b[a-z][A-Z]\b")
_LOWER_ACRONYM = re.compile(r"\b(" + "|".join(ACRONYMS) + r")\b")


def _keeps_case(word: str) -> bool:
    """A word whose capitals are not just its first letter (NHS, IG, NHSmail, GP2GP, e-RS)."""
    return any(c.isupper() for c in word[1:])


def lower_first(text: str) -> str:
    """A label as it reads inside a sentence: 'Practice staff' -> 'practice staff', but
    'NHS Wi-Fi for patients' and 'CCG GP IT lead' keep their capitals."""
    if not text:
        return text
    first = text.split(" ", 1)[0]
    if _keeps_case(first):
        return text
    return text[0].lower() + text[1:]


def upper_first(text: str) -> str:
    """The start of a sentence: only the first letter changes ('eRS use' -> 'ERS use' is never
    needed: str.capitalize would lower every other letter, 'NHS Wi-Fi' -> 'Nhs wi-fi')."""
    return text[:1].upper() + text[1:] if text else text


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """'1 practice', '2,809 practices'."""
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count:,} {word}"


def capitalisation_problems(sentence: str) -> list[str]:
    """What is wrong with a generated sentence's capitals: it must start with a capital (or a
    digit), and no acronym may be lower-cased or half lower-cased ('nHS', 'iG', 'ccg gp')."""
    problems = []
    stripped = sentence.strip()
    if stripped and stripped[0].isalpha() and not stripped[0].isupper():
        problems.append(f"starts in lower case: {sentence!r}")
    for pattern in (_MISCASED, _MISCASED_PAIR, _LOWER_ACRONYM):
        for m in pattern.finditer(sentence):
            problems.append(f"{m.group(0)!r} in {sentence!r}")
    return problems
