"""Languages by name, in the reader's language: "Russian", "ruso", "الروسية" (Babel's data)."""

from __future__ import annotations

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
