"""Languages by name, in the reader's language: "Russian", "ruso", "الروسية" (Babel's data)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache


@cache
def language_name(code: str, reader: str = "en") -> str:
    """The name of language `code` as written in language `reader`; the code if unknown."""
    try:
        from babel import Locale, UnknownLocaleError

        name = Locale.parse(reader).languages.get(code)
    except (ImportError, ValueError, UnknownLocaleError):
        name = None
    if not name and reader != "en":
        return language_name(code, "en")
    return name or code


def language_names(codes: Sequence[str], reader: str = "en", join: str = ", ") -> str:
    """Several languages by name, joined."""
    return join.join(language_name(code, reader) for code in codes)
