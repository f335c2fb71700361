"""Languages: detection, each language's analysis (sentences, words, stems, numbers), the index."""

from __future__ import annotations

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from bot.search.bm25 import Bm25, Bm25Params
from bot.search.corpus import Corpus, article_from_text
from bot.search.index import SentenceIndex
from bot.search.languages import analyser, code_of, splitter
from bot.search.languages.articles import article_languages
from bot.search.languages.detect import article_language, plainly_english, question_language
from tests.conftest import SHARED_MODEL

# --- Telling languages apart ---

ARTICLES = {
    "en": "The council said on Monday that the new bridge over the river would open in May, "
    "and that the old one would be closed for repairs to its piers and to the road.",
    "ru": "В понедельник городской совет сообщил, что новый мост через реку откроют в мае, "
    "а старый закроют на ремонт опор и дорожного полотна.",
    "de": "Der Stadtrat teilte am Montag mit, dass die neue Brücke über den Fluss im Mai "
    "eröffnet werde und die alte Brücke für Reparaturen an den Pfeilern gesperrt bleibe.",
    "ar": "قال مجلس المدينة يوم الاثنين إن الجسر الجديد فوق النهر سيفتح في مايو، وإن الجسر "
    "القديم سيغلق لإصلاح دعاماته والطريق.",
    "zh": "市议会周一表示，河上的新桥将于五月开通，旧桥将关闭，以维修桥墩和路面。",
    "tr": "Belediye meclisi pazartesi günü nehir üzerindeki yeni köprünün mayısta açılacağını, "
    "eski köprünün ise ayaklarının ve yolunun onarımı için kapatılacağını söyledi.",
}


@pytest.mark.parametrize("code", list(ARTICLES), ids=list(ARTICLES))
def test_an_article_is_told_by_its_text(code: str) -> None:
    assert article_language(ARTICLES[code]) == code


def test_the_header_says_an_articles_language_before_its_text() -> None:
    english = ARTICLES["en"]
    articles = [
        article_from_text("a", english),
        article_from_text("b", english, language="ru-RU"),  # the header wins, tag shortened
        article_from_text("c", ARTICLES["ar"]),
    ]
    codes, language_of = article_languages(articles)
    assert [codes[n] for n in language_of] == ["en", "ru", "ar"]


def test_english_is_known_by_its_commonest_words_without_the_model() -> None:
    assert plainly_english(ARTICLES["en"] * 3)
    assert not any(plainly_english(ARTICLES[c] * 3) for c in ARTICLES if c != "en")
    # A German text naming English institutions is not English.
    assert not plainly_english(
        "Die Gebäude der University of Chicago und der University of "
        "Oxford wurden nach dem Plan von Henry Cobb and Partners gebaut. " * 4
    )


@pytest.mark.parametrize(
    ("question", "briefing", "expected"),
    [
        ("How many people crossed the bridge?", ("en",), "en"),
        ("Сколько людей прошло по мосту?", ("en",), "ru"),
        ("¿Cuántas personas cruzaron el puente?", ("en", "ru"), "es"),
        ("Wie viele Menschen gingen über die Brücke?", ("en",), "de"),
        ("كم عدد الأشخاص الذين عبروا الجسر؟", ("en",), "ar"),
        ("有多少人走过了这座桥？", ("en",), "zh"),
        # Too short to tell: read in the briefing's language.
        ("Aleppo?", ("en",), "en"),
        ("Sobyanin", ("ru", "en"), "en"),
        ("Собянин", ("ru", "en"), "ru"),
    ],
)
def test_a_question_is_told_by_its_text_and_the_briefings_languages(
    question: str, briefing: tuple[str, ...], expected: str
) -> None:
    assert question_language(question, briefing) == expected


def test_a_question_without_letters_has_no_language() -> None:
    assert question_language("2016?", ("en",)) is None
    assert question_language("\U0001f525\U0001f525", ("en",)) is None


@pytest.mark.parametrize(
    ("tag", "code"),
    [("en-GB", "en"), ("pt_BR", "pt"), ("ary", "ar"), ("ZH-Hant", "zh"), ("", None), (3, None)],
)
def test_language_tags_become_codes(tag: object, code: str | None) -> None:
    assert code_of(tag) == code


# --- Sentences ---


def test_punkt_learns_each_languages_ends_arabic_question_marks_and_the_danda() -> None:
    arabic = "هل سيفتح الجسر في مايو؟ قال المجلس إنه سيفتح. وسيغلق القديم للإصلاح."
    split = splitter("ar", [arabic])
    assert len(split.spans(arabic)) == 3
    hindi = "नया पुल मई में खुलेगा। पुराना पुल मरम्मत के लिए बंद रहेगा। काम दो साल चलेगा।"
    spans = splitter("hi", [hindi]).spans(hindi)
    assert [hindi[s:e] for s, e in spans][1] == "पुराना पुल मरम्मत के लिए बंद रहेगा।"


def test_german_ordinals_and_dates_do_not_end_sentences() -> None:
    text = (
        "Die Brücke wird am 7. Mai eröffnet. Der Bau begann am 3. Januar 2022 und dauerte "
        "zwei Jahre. Die alte Brücke bleibt bis zum 1. Juni gesperrt."
    )
    training = [text, *ARTICLES.values(), "Am 12. März begann der Bau. Am 5. April ruhte er."]
    ends = [text[:e] for _, e in splitter("de", training).spans(text)]
    assert not any(end.endswith(("am 7.", "am 3.", "zum 1.")) for end in ends), ends


def test_chinese_sentences_end_at_full_width_marks_without_a_space() -> None:
    text = "新桥将于五月开通。旧桥将关闭！为什么？因为要维修。"
    spans = splitter("zh", [text]).spans(text)
    assert [text[s:e] for s, e in spans] == [
        "新桥将于五月开通。",
        "旧桥将关闭！",
        "为什么？",
        "因为要维修。",
    ]


def test_thai_sentences_come_from_the_segmenter() -> None:
    text = (
        "สะพานใหม่จะเปิดใช้งานในเดือนพฤษภาคมนี้ ตามที่สภาเมืองประกาศเมื่อวันจันทร์ "
        "ส่วนสะพานเก่าจะปิดเพื่อซ่อมแซมเสาและถนนเป็นเวลาสองปี "
        "นายกเทศมนตรีกล่าวว่าการจราจรจะติดขัดในช่วงแรก"
    )
    spans = splitter("th", [text]).spans(text)
    assert len(spans) >= 2
    assert all(text[s:e].strip() == text[s:e] and s < e for s, e in spans)
    assert text[spans[0][0] : spans[-1][1]] == text.strip()


# --- Words, folding, stems ---


def stems(code: str, text: str) -> list[str]:
    return analyser(code).analyse(text).stems


def test_words_keep_their_combining_marks() -> None:
    assert stems("hi", "कितने") == [analyser("hi").tokenize("कितने")[0]]
    assert len(stems("hi", "कितने लोग")) == 2  # \w+ would cut कितने into क, तन
    assert analyser("hi").word_spans("कितने लोग") == [(0, 5), (6, 9)]


def test_arabic_folding_drops_vowel_marks_tatweel_and_alef_forms() -> None:
    assert stems("ar", "الكِتَابُ") == stems("ar", "الكتاب") == stems("ar", "الكتـــاب")
    assert stems("ar", "أحمد") == stems("ar", "احمد") == stems("ar", "إحمد")


def test_russian_yo_is_e() -> None:
    assert stems("ru", "ёлка") == stems("ru", "елка") == stems("ru", "Ёлка")


def test_turkish_dotted_and_dotless_i() -> None:
    assert stems("tr", "İSTANBUL") == stems("tr", "istanbul")
    assert stems("tr", "ISPARTA") == stems("tr", "ısparta")  # I is dotless ı in Turkish
    assert stems("tr", "kitaplar") == stems("tr", "kitap")


@pytest.mark.parametrize(
    ("code", "forms"),
    [
        ("ru", ["мост", "моста", "мостами"]),
        ("de", ["Brücke", "Brücken"]),
        ("es", ["puente", "puentes"]),
        ("fr", ["pont", "ponts"]),
        ("el", ["γέφυρα", "γέφυρες", "γεφυρα"]),
        ("hi", ["लड़के", "लड़कों"]),
        ("ar", ["مدرسة", "المدرسة", "والمدرسة"]),
    ],
)
def test_inflected_forms_share_a_stem(code: str, forms: list[str]) -> None:
    assert len({tuple(stems(code, form)) for form in forms}) == 1, [stems(code, f) for f in forms]


def test_accents_typed_or_not_match_in_latin_scripts_but_vietnamese_tones_stay() -> None:
    assert stems("es", "cuántas") == stems("es", "cuantas")
    assert stems("vi", "mà") != stems("vi", "ma")


def test_chinese_is_cut_into_character_pairs_and_thai_into_words() -> None:
    assert stems("zh", "北京大学") == ["北京", "京大", "大学"]
    assert stems("zh", "桥") == ["桥"]  # a lone character stays
    assert stems("th", "สะพานใหม่") == ["สะพาน", "ใหม่"]


@pytest.mark.parametrize(
    ("code", "text", "number"),
    [
        ("ar", "عبر ٢٠٬٠٠٠ شخص", "20000"),
        ("ar", "عبر 20,000 شخص", "20000"),
        ("de", "20.000 Menschen", "20000"),
        ("fr", "20\u202f000 personnes", "20000"),
        ("ru", "20 000 человек", "20000"),
        ("es", "20,000 personas", "20000"),
        ("hi", "१,००,००० लोग", "100000"),
        ("de", "3,5 Millionen", "3.5"),
        ("ru", "2,5 млрд", "2.5"),
        ("zh", "２０１６年", "2016"),
        ("th", "๒๕๖๐", "2560"),
    ],
)
def test_numbers_in_every_digit_system_and_grouping(code: str, text: str, number: str) -> None:
    assert number in stems(code, text)


def test_a_year_or_a_month_answers_when_and_a_number_how_many() -> None:
    ru = analyser("ru")
    assert ru.analyse("Мост открыли в марте.").kinds == [ru.when_key]
    assert ru.analyse("Мост открыли в 2016 году.").kinds == [ru.when_key, ru.number_key]
    assert ru.asked_kinds("Когда открыли мост?") == [ru.when_key]
    assert ru.asked_kinds("Сколько стоил мост?") == [ru.number_key]
    assert analyser("es").asked_kinds("¿Cuándo se abrió?") == [analyser("es").when_key]


@pytest.mark.parametrize("code", ["ar", "de", "ru", "zh", "th", "tr", "hi", "el"])
def test_analysing_texts_together_equals_one_by_one(code: str) -> None:
    texts = [*ARTICLES.values(), "", "2016", "Ёлка ٢٠٬٠٠٠ 20.000"]
    one = analyser(code)
    together = one.analyse_texts(texts)
    assert together.counts.tolist() == [len(one.analyse(t).word_keys) for t in texts]
    assert together.stem_keys.tolist() == [k for t in texts for k in one.analyse(t).word_keys]
    content = together.stem_keys[together.content].tolist()
    assert content == [k for t in texts for k in one.analyse(t).stem_keys]


def test_terms_of_two_languages_never_meet() -> None:
    assert analyser("de").analyse("Berlin").stem_keys != analyser("fr").analyse("Berlin").stem_keys
    assert analyser("en").analyse("Berlin").stem_keys != analyser("de").analyse("Berlin").stem_keys


# --- One index, many languages ---


def mixed_corpus() -> Corpus:
    english = [
        "The harbour bridge reopened on Monday after repairs.",
        "Ferries ran a reduced timetable during the works.",
        "The mayor thanked the engineers who worked at night.",
        "Traffic on the bridge was heavy in the morning.",
        "Tolls will return next month, officials said.",
    ]
    russian = [
        "Новый мост через реку открыли в понедельник.",
        "Паромы ходили реже, пока шёл ремонт.",
        "Мэр поблагодарил инженеров, работавших ночью.",
        "Утром движение по мосту было плотным.",
        "Плату за проезд вернут в следующем месяце.",
        "Строительство моста обошлось в два миллиарда рублей.",
        "Мост соединил два района города.",
    ]
    return Corpus(
        (
            article_from_text("harbour", "\n\n".join(english), language="en"),
            article_from_text("most", "\n\n".join(russian), "Мост открыли", language="ru"),
        )
    )


def test_each_language_keeps_its_own_bm25_statistics() -> None:
    index = SentenceIndex.build(mixed_corpus())
    assert index.languages == ("en", "ru")
    ru = analyser("ru")
    question = "мост ремонт"
    query = [k for k in ru.analyse(question).stem_keys]
    # The Russian sentences alone, as rank-bm25 would score them with their own idf and length.
    russian = [i for i in range(len(index)) if index.sentence(i).language == "ru"]
    documents = [ru.analyse(index.sentence(i).text).stem_keys for i in russian]
    params = Bm25Params(1.5, 0.75, 0.25)
    expected = BM25Okapi(documents, k1=1.5, b=0.75, epsilon=0.25).get_scores(query)
    model = Bm25.from_terms(
        np.array([k for d in documents for k in d], dtype=np.int64),
        np.repeat(np.arange(len(documents), dtype=np.int32), [len(d) for d in documents]),
        np.array([len(d) for d in documents]),
        params,
    )
    assert np.allclose(model.scores(query), expected)
    # Within the mixed model: the same scores for the Russian documents.
    everything = [index.sentence(i) for i in range(len(index))]
    docs = [analyser(s.language).analyse(s.text).stem_keys for s in everything]
    groups = np.array([0 if s.language == "en" else 1 for s in everything])
    mixed = Bm25.from_terms(
        np.array([k for d in docs for k in d], dtype=np.int64),
        np.repeat(np.arange(len(docs), dtype=np.int32), [len(d) for d in docs]),
        np.array([len(d) for d in docs]),
        params,
        groups,
    )
    assert np.allclose(mixed.scores(query)[russian], expected)
    assert not mixed.scores(query)[groups == 0].any()


def test_a_question_is_answered_from_the_articles_in_its_language() -> None:
    index = SentenceIndex.build(mixed_corpus())
    russian = index.search("Когда открыли мост?", 3)
    assert russian.language == "ru" and not russian.elsewhere
    assert russian.hits and {h.sentence.language for h in russian.hits} == {"ru"}
    assert "понедельник" in russian.hits[0].sentence.text
    english = index.search("When did the harbour bridge reopen?", 3)
    assert {h.sentence.language for h in english.hits} == {"en"}


@pytest.mark.skipif(not SHARED_MODEL.is_dir(), reason=f"the shared model is not at {SHARED_MODEL}")
def test_the_semantic_stage_answers_only_its_models_languages() -> None:
    from bot.search import store
    from bot.search.embed import Encoder

    index = store.with_vectors(SentenceIndex.build(mixed_corpus()), Encoder(SHARED_MODEL))
    assert index.semantic is not None and index.semantic_languages == {"en"}
    russian = index.query("Когда открыли мост?")
    assert russian.language == "ru" and russian.vector is None  # words alone
    english = index.query("When did the bridge open again?")
    assert english.vector is not None
    found = index.search(english, 10)
    assert found.hits and {h.sentence.language for h in found.hits} == {"en"}
    everyone = index.with_semantic(index.semantic, None)  # a multilingual model: all
    assert everyone.query("Когда открыли мост?").vector is not None
    hits = everyone.search("Когда открыли мост?", 10).hits
    assert hits and {h.sentence.language for h in hits} == {"ru"}


def test_example_questions_of_an_article_in_another_language_are_its_title() -> None:
    from bot.search.examples import example_questions

    examples = example_questions(SentenceIndex.build(mixed_corpus()), count=5)
    russian = [q for q in examples if any("\u0400" <= ch <= "\u04ff" for ch in q)]
    assert russian and all(not q.startswith("What") for q in russian)


@pytest.mark.parametrize("routed", [False, True], ids=["every-sentence", "routed"])
def test_nearest_sentences_keep_to_the_questions_language(routed: bool) -> None:
    from bot.search.semantic import Vectors, article_means

    rng = np.random.default_rng(3)
    matrix = rng.normal(size=(40, 8)).astype(np.float16)
    first = np.arange(0, 40, 4)  # ten articles of four sentences
    vectors = Vectors(matrix, np.arange(40), article_means(matrix, first), first)
    if routed:
        vectors._full = None  # as an index too large to compare with every sentence
    among = np.array([True, False] * 5)  # the even articles are in the question's language
    question = matrix[5].astype(np.float32)  # a sentence of an odd article
    ids, _ = vectors.nearest(question / np.linalg.norm(question), 10, among=among)
    assert len(ids) and all(among[i // 4] for i in ids.tolist())


@pytest.mark.parametrize(
    ("question", "english"),
    [
        ("Who is winning the battle for the city?", True),
        ("How many people fled Aleppo?", True),
        ("Was ist die Hauptstadt von Syrien?", False),
        ("In ce an a fost fondat orasul?", False),
        ("¿Quién controla el este de Alepo?", False),
        ("Aleppo?", False),
    ],
    ids=["en", "en-how-many", "de-was", "ro-ascii", "es", "one-word"],
)
def test_a_plainly_english_question_needs_no_language_model(question: str, english: bool) -> None:
    from bot.search.languages.detect import plainly_english_question, question_language

    assert plainly_english_question(question) is english
    if english:
        assert question_language(question, ("en", "ru")) == "en"
