"""Credits in other languages: a small hand-made set a language, written for these tests.

Each case is a paragraph and the credit expected for each of its sentences (None: the
article's own voice). A wrong credit is worse than none, so the cases that must credit nobody
matter as much as the others.
"""

from __future__ import annotations

import pytest

from bot.search.credits.languages import attribute
from bot.search.languages import splitter

CASES = {
    "de": [
        ("Laut der Polizei wurden zwei Menschen verletzt.", ["der Polizei"]),
        ("Laut Innenministerium ist die Lage ruhig.", ["Innenministerium"]),
        ("Der Feuerwehr zufolge brach das Feuer im Keller aus.", ["Der Feuerwehr"]),
        (
            "Bürgermeisterin Anna Weber sagte, die Brücke sei sicher.",
            ["Bürgermeisterin Anna Weber"],
        ),
        ("„Wir sind sehr zufrieden“, sagte Weber am Abend.", ["Weber"]),
        ("Am Montag sagte Weber, die Arbeiten seien beendet.", [None]),  # not "Am Montag"
        ("Es war laut und deutlich zu hören.", [None]),  # "laut" the adjective
        ("Die Brücke ist 300 Meter lang. Sie wurde 1990 gebaut.", [None, None]),
        ("Er sagte, er sei müde.", [None]),  # a pronoun credits nobody
    ],
    "es": [
        ("Según el Ministerio de Salud, hay doce heridos.", ["el Ministerio de Salud"]),
        ("Según fuentes policiales, el incendio fue intencionado.", ["fuentes policiales"]),
        ("De acuerdo con la ONU, la cifra se duplicó.", ["la ONU"]),
        ("«Estamos preparados», dijo García a los periodistas.", ["García"]),
        ("El ministro Luis García dijo que no habrá cambios.", ["Luis García"]),
        ("El puente mide trescientos metros y costó mucho dinero.", [None]),
        ("Él dijo que llegaría tarde.", [None]),
    ],
    "fr": [
        ("Selon l'AFP, le bilan s'élève à trois morts.", ["l'AFP"]),
        ("D'après la préfecture, la route est fermée.", ["la préfecture"]),
        ("« Nous ferons tout notre possible », a déclaré Marie Dupont.", ["Marie Dupont"]),
        ("Le pont a été fermé pendant deux jours.", [None]),
        ("Il a déclaré qu'il était satisfait.", [None]),
    ],
    "ru": [
        ("По словам мэра Сергея Собянина, мост откроют в мае.", ["мэра Сергея Собянина"]),
        ("По данным полиции, пострадали двое.", ["полиции"]),
        ("«Мы готовы к зиме», — сказал Собянин журналистам.", ["Собянин"]),
        (
            "Министр транспорта Иван Петров заявил, что работы завершены.",
            ["Иван Петров"],
        ),
        ("В Кремле заявили, что не видят угрозы.", [None]),  # a place, not a speaker
        ("Он сказал, что устал.", [None]),
        ("Мост длиной 300 метров соединил два парка.", [None]),
        (
            "Собянин назвал мост красивым. «Он прослужит сто лет. И даже больше», — сказал "
            "Собянин.",
            [None, "Собянин", "Собянин"],
        ),
    ],
    "ar": [
        ("وفقا لوزارة الصحة، أصيب عشرة أشخاص.", ["وزارة الصحة"]),
        ("بحسب المرصد السوري، قتل خمسة مدنيين.", ["المرصد السوري"]),
        ("وقال المتحدث باسم الوزارة إن الجسر آمن.", ["المتحدث باسم الوزارة"]),
        ("وقال إن الوضع هادئ.", [None]),  # "he said": nobody named
        ("افتتح الجسر الجديد يوم الاثنين.", [None]),
    ],
    "tr": [
        ("Reuters'a göre iki kişi yaralandı.", ["Reuters"]),
        ("İçişleri Bakanlığı'na göre yol kapalı.", ["İçişleri Bakanlığı"]),
        ("Bakan Ahmet Kaya, köprünün mayısta açılacağını söyledi.", ["Bakan Ahmet Kaya"]),
        ("Dün, köprünün açıldığını söyledi.", [None]),  # "Dün" (yesterday) is nobody
        ("Köprü 300 metre uzunluğunda.", [None]),
        ("Bence bu doğru değil.", [None]),
    ],
}


def credits_of(code: str, paragraph: str, extra: str = "") -> list[str | None]:
    body = paragraph if not extra else f"{paragraph}\n\n{extra}"
    spans = splitter(code, [body]).spans(paragraph)
    return attribute(body, [(1, s, e) for s, e in spans], code)


@pytest.mark.parametrize(
    ("code", "paragraph", "expected"),
    [(code, text, expected) for code, cases in CASES.items() for text, expected in cases],
    ids=[f"{code}-{n}" for code, cases in CASES.items() for n in range(len(cases))],
)
def test_credits_in_each_language(code: str, paragraph: str, expected: list[str | None]) -> None:
    # The article also names its speakers in mid-sentence, as news does.
    context = "Gestern trafen sich Weber und Kaya mit Собянин und García."
    assert credits_of(code, paragraph, context) == expected


def test_a_name_opening_a_sentence_needs_to_be_one() -> None:
    text = "Heute sagte sie nichts."
    assert credits_of("de", text) == [None]  # "Heute" is capitalised by position only


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("de", "„Das ist gut so.“ Dann ging er."),
        ("zh", "「我们准备好了。」他说。"),
        ("fr", "« C'est fini. » Le silence revint."),
    ],
)
def test_quotation_marks_of_each_language_never_invent_a_speaker(code: str, text: str) -> None:
    assert all(credit is None for credit in credits_of(code, text))
