"""The bot's own words in the reader's language: gettext catalogs, compiled when first needed.

The catalogs are `bot/locale/<language>/LC_MESSAGES/bot.po`, one a language; their message ids
are the English texts, marked with `N_` where they are defined (here, in the Telegram edge, and
`bot.search.answer` for the core's notices). A catalog is compiled with Babel the first time a
reader needs it, in memory: nothing to build, nothing stale. English is the source language and
the fallback for a reader whose language has no catalog. `make messages` extracts the ids again
into `bot/locale/bot.pot` and merges them into every catalog; `tests/test_i18n.py` fails while a
catalog misses one.

Right-to-left languages (Arabic, Persian, Hebrew, Urdu): each line the bot writes opens with a
right-to-left mark, so that a line starting with a number, a command or a bullet still reads
right to left, and every value set into a sentence (a title, a name, a command) is isolated
(U+2068 … U+2069), so that a Latin title does not reorder the Arabic words around it.
"""

from __future__ import annotations

import gettext
import html
import io
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from .search.answer import LANGUAGE_VALUES, Notice
from .search.answer import N_ as N_  # one marker of message ids, the core's
from .search.languages import code_of
from .search.languages.names import language_name

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "bot"
SOURCE = "en"
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur"})
RLM, FSI, PDI = "\u200f", "\u2068", "\u2069"
# How each language quotes a name it mentions; English curly quotes for the others.
QUOTES = {
    "ar": ("\u00ab", "\u00bb"),
    "de": ("\u201e", "\u201c"),
    "es": ("\u00ab", "\u00bb"),
    "fr": ("\u00ab\u00a0", "\u00a0\u00bb"),
    "ru": ("\u00ab", "\u00bb"),
}
# Words joining the last two items of a list ("X and Y"), per language.
AND = {"ar": " \u0648", "de": " und ", "es": " y ", "fr": " et ", "ru": " и ", "tr": " ve "}


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a message with a plural form; `Translator.plural` picks the form a count takes."""
    return singular, plural


@cache
def available() -> tuple[str, ...]:
    """The languages the bot speaks: English and every language with a catalog."""
    found = sorted(
        p.name for p in LOCALE_DIR.iterdir() if (p / "LC_MESSAGES" / "bot.po").is_file()
    )
    return (SOURCE, *(code for code in found if code != SOURCE))


def choose(*candidates: str | None) -> str:
    """The first of the candidates (language tags like "pt-br") the bot speaks, else English."""
    for candidate in candidates:
        code = code_of(candidate)
        if code in available():
            return code
    return SOURCE


@cache
def translator(code: str | None = SOURCE) -> Translator:
    """The translator for a language (English when the bot does not speak it)."""
    code = choose(code)
    if code == SOURCE:
        return Translator(SOURCE, gettext.NullTranslations())
    return Translator(code, _compiled(LOCALE_DIR / code / "LC_MESSAGES" / "bot.po", code))


def _compiled(path: Path, code: str) -> gettext.GNUTranslations:
    """A `.po` catalog compiled in memory (Babel), fuzzy entries left out."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with path.open("rb") as handle:
        catalog = read_po(handle, locale=code, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


class Translator:
    """The bot's words in one language: messages, plurals, notices, names of languages."""

    def __init__(self, language: str, translations: gettext.NullTranslations) -> None:
        self.language = language
        self.rtl = language in RIGHT_TO_LEFT
        self._translations = translations

    def __call__(self, message: str, /, **values: object) -> str:
        """The message in this language, its values set in (plain text)."""
        return self._translations.gettext(message).format(**values)

    def html(self, message: str, /, **values: object) -> str:
        """As calling it, for Telegram HTML: the message escaped, the values already HTML."""
        text = html.escape(self._translations.gettext(message))
        return text.format(**{k: self.isolate(str(v)) for k, v in values.items()})

    def plural(self, singular: str, plural: str, count: int, /, **values: object) -> str:
        """The singular or plural form that `count` takes in this language; `{count}` set in."""
        text = self._translations.ngettext(singular, plural, count)
        return text.format(count=count, **values)

    def notice(self, notice: Notice, markup: bool = False) -> str:
        """A notice of the core, with names quoted and languages named in this language.

        With `markup`, as Telegram HTML (escaped, values isolated in right-to-left text).
        """
        values: dict[str, object] = dict(notice.values)
        if "names" in values:
            opening, closing = QUOTES.get(self.language, ("\u201c", "\u201d"))
            names = values["names"]
            values["names"] = ", ".join(f"{opening}{n}{closing}" for n in names)
        for key in LANGUAGE_VALUES:
            if key in values:
                codes = values[key]
                codes = codes if isinstance(codes, tuple) else (codes,)
                values[key] = self.listed(self.language_name(c) for c in codes)
        if markup:
            return self.html(notice.text, **{k: html.escape(str(v)) for k, v in values.items()})
        return self(notice.text, **values)

    def language_name(self, code: str) -> str:
        """The name of a language in this language ("ruso" for "ru" in Spanish)."""
        return language_name(code, self.language)

    def listed(self, items: Iterable[str]) -> str:
        """Items as a list: "X", "X and Y", "X, Y and Z" (in this language)."""
        items = list(items)
        if len(items) < 2:
            return "".join(items)
        return ", ".join(items[:-1]) + AND.get(self.language, " and ") + items[-1]

    def isolate(self, text: str) -> str:
        """A value set into a right-to-left sentence, isolated from its direction."""
        return f"{FSI}{text}{PDI}" if self.rtl and text else text

    def lines(self, text: str) -> str:
        """The bot's own lines, each opening with a right-to-left mark in such languages."""
        if not self.rtl:
            return text
        return "\n".join(RLM + line if line else line for line in text.split("\n"))


ENGLISH = translator(SOURCE)
