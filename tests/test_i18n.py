"""The bot's words in every language it speaks: catalogs complete, plurals, right-to-left text."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import FSI, LOCALE_DIR, PDI, RLM, available, choose, translator
from bot.render import render_html
from bot.search.answer import ELSEWHERE, NEVER_MENTIONS, Notice, answer
from bot.search.corpus import Corpus, article_from_text
from bot.search.index import SentenceIndex
from bot.telegram_edge import texts

PACKAGE = Path(__file__).resolve().parent.parent / "bot"
SPOKEN = ("en", "ru", "ar", "de", "es", "fr", "tr")


def message_ids() -> set[str | tuple[str, str]]:
    """Every message id marked in the code (`N_`, `NP_`), as `make messages` extracts them."""
    found = set()
    keywords = {"N_": None, "NP_": (1, 2)}
    for _file, _line, message, _comments, _context in extract_from_dir(
        PACKAGE, keywords=keywords, comment_tags=()
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_the_bot_speaks_the_languages_asked_for() -> None:
    assert set(SPOKEN) <= set(available())


@pytest.mark.parametrize("code", [c for c in SPOKEN if c != "en"])
def test_no_catalog_misses_a_message(code: str) -> None:
    with (LOCALE_DIR / code / "LC_MESSAGES" / "bot.po").open("rb") as handle:
        catalog = read_po(handle, locale=code)
    translated = {m.id: m for m in catalog if m.id and not m.fuzzy}
    wanted = message_ids()
    assert wanted, "no message ids found in the code"
    missing = [m for m in wanted if m not in translated]
    assert not missing, missing
    for message_id in wanted:
        entry = translated[message_id]
        forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(forms), message_id
        assert len(forms) == (catalog.num_plurals if isinstance(message_id, tuple) else 1)
        source = message_id if isinstance(message_id, str) else message_id[1]
        for form in forms:  # the same values; a plural form may leave {count} out ("مقالان")
            assert fields(form) <= fields(source) and fields(source) - fields(form) <= {"count"}
            assert fields(form) == fields(source) or isinstance(message_id, tuple), (code, form)
    unused = [m for m in translated if m not in wanted]
    assert not unused, unused


def test_a_catalog_translates_and_english_is_the_source() -> None:
    assert translator("en")(texts.NOT_TEXT) == texts.NOT_TEXT
    assert translator("de")("More \u25b8") == "Mehr \u25b8"
    assert translator("ru")(texts.JUST_ASK) == "Просто пришлите мне вопрос."


@pytest.mark.parametrize(
    ("candidates", "chosen"),
    [
        (("ru",), "ru"),
        (("pt-BR", "es"), "es"),
        (("pt-BR",), "en"),
        ((None, "ar"), "ar"),
        ((), "en"),
    ],
)
def test_the_readers_language_is_the_first_the_bot_speaks(
    candidates: tuple[str | None, ...], chosen: str
) -> None:
    assert choose(*candidates) == chosen


@pytest.mark.parametrize(
    ("count", "form"), [(1, "статья"), (3, "статьи"), (5, "статей"), (21, "статья")]
)
def test_plurals_follow_the_language(count: int, form: str) -> None:
    assert translator("ru").plural(*texts.ARTICLES, count) == f"{count} {form}"


def test_arabic_has_its_dual() -> None:
    assert translator("ar").plural(*texts.ARTICLES, 2) == "مقالان"


def test_language_names_are_in_the_readers_language() -> None:
    notice = Notice(ELSEWHERE, {"language": "es", "languages": ("en", "ru")})
    assert translator("es").notice(notice) == (
        "El informe no tiene artículos en español. De sus artículos en inglés y ruso:"
    )
    assert notice.english() == (
        "The briefing has no articles in Spanish. From its articles in English and Russian:"
    )


def test_names_are_quoted_the_languages_way() -> None:
    notice = Notice(NEVER_MENTIONS, {"names": ("Tokyo",)})
    assert "\u00abTokyo\u00bb" in translator("ru").notice(notice)
    assert "\u201eTokyo\u201c" in translator("de").notice(notice)
    assert "\u201cTokyo\u201d" in notice.english()


# --- Right to left ---


def arabic_reader_answer() -> list[str]:
    english = (
        "The harbour bridge reopened on Monday, according to the city council.\n\n"
        "Ferries ran a reduced timetable during the works on the harbour bridge.\n\n"
        "The mayor thanked the engineers who worked at night.\n\n"
        "Traffic on the bridge was heavy in the morning.\n\n"
        "Tolls will return next month, officials said."
    )
    index = SentenceIndex.build(
        Corpus((article_from_text("harbour", english, title="Harbour bridge reopens"),))
    )
    result = answer("متى أعيد فتح جسر Harbour bridge؟", index)
    assert result.language == "ar" and result.passages
    return render_html(result, tr=translator("ar"))


def test_arabic_lines_read_right_to_left_and_english_values_are_isolated() -> None:
    (message,) = arabic_reader_answer()
    lines = message.split("\n")
    # The notice and every citation line are the bot's own words: each opens right to left.
    own = [line for line in lines if line and not line.startswith("<blockquote>")]
    assert own and all(line.startswith(RLM) for line in own), own
    # An English title inside an Arabic line is isolated, so it does not reorder the line.
    assert f"{FSI}<i>Harbour bridge reopens</i>{PDI}" in message
    assert "الفقرة" in message and "بحسب" in message
    # Quoted English passages keep their own direction: no mark inside the quotation.
    quotes = re.findall(r"<blockquote>(.*?)</blockquote>", message)
    assert quotes and not any(RLM in q or FSI in q for q in quotes)


def test_highlighting_never_splits_an_arabic_word() -> None:
    from bot.render import highlight

    text = "عَبَرَ الجِسْرَ عشرون ألف شخص"
    pieces = highlight(text, frozenset({"جسر"}), lambda w: f"<b>{w}</b>", "ar")
    assert "<b>الجِسْرَ</b>" in pieces
