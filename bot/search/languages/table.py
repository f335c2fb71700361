"""The languages the analysis knows: how each is split, folded, cut into words and stemmed.

Adding a language is adding one `Language` here (README "Languages"). Figures behind the choices
(XQuAD, `bench/quality.py --xquad`): stemming helps every language that has a Snowball stemmer;
removing stop words lowered P@1 in nearly every language, so no list is used outside English;
Chinese, Japanese and Korean are cut into overlapping character pairs, Thai into words by
PyThaiNLP's dictionary segmenter.
"""

from __future__ import annotations

from dataclasses import dataclass

# How words are found: runs of letters (`words`), overlapping character pairs over Han, Kana
# and Hangul runs (`bigrams`), or PyThaiNLP's word segmenter over Thai runs (`thai`).
WORDS, BIGRAMS, THAI = "words", "bigrams", "thai"
# How sentences are found: Punkt trained on the language's articles, or after 。！？ whatever
# follows (`marks`, for scripts that put no space after a full stop), or PyThaiNLP (`thai`).
PUNKT, MARKS = "punkt", "marks"
# How words are folded after stemming, so that a question typed without accents still matches:
# accents dropped (`accents`), or only what the script treats as spelling variants (`script`).
ACCENTS, SCRIPT = "accents", "script"


@dataclass(frozen=True)
class Language:
    """Everything the analysis needs to know about one language."""

    code: str  # ISO 639-1 where there is one
    stemmer: str | None = None  # "nltk:<name>" or "snowball:<name>" (the snowballstemmer package)
    words: str = WORDS
    sentences: str = PUNKT
    fold: str = ACCENTS
    # Sentence ends besides . ? ! (Punkt) for this language.
    end_marks: str = ""
    # Question phrases that ask "when" and "how many" (lower case, folded as questions are).
    when: tuple[str, ...] = ()
    how_many: tuple[str, ...] = ()
    # Opening words that make a sentence lean on the one before ("Er sagte…", "Pero…").
    openers: frozenset[str] = frozenset()
    # Whether capitals mark names (German capitalises every noun).
    capitals_are_names: bool = True
    # Whether a dot after a number makes it an ordinal ("am 7. Mai", "3. yüzyıl").
    ordinal_dots: bool = False


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


LANGUAGES: dict[str, Language] = {
    language.code: language
    for language in (
        Language(
            "ar",
            "nltk:arabic",
            fold=SCRIPT,
            end_marks="\u061f\u06d4",
            when=("متى", "في اي عام", "في اي سنه", "في اي سنة"),
            how_many=("كم",),
        ),
        Language(
            "de",
            "nltk:german",
            when=("wann", "in welchem jahr", "welches jahr", "seit wann"),
            how_many=("wie viele", "wie viel", "wieviel", "wie lange", "wie alt", "wie hoch"),
            openers=_words("er sie es"),
            capitals_are_names=False,
            ordinal_dots=True,
        ),
        Language(
            "el",
            "snowball:greek",
            end_marks=";",
            when=("ποτε", "ποιο ετος", "ποια χρονια", "ποια χρονολογια"),
            how_many=("ποσοι", "ποσες", "ποσα", "ποσο", "ποση", "ποσους", "ποσων"),
        ),
        Language(
            "es",
            "nltk:spanish",
            when=("cuando", "en que ano", "que ano", "en que fecha", "en que siglo"),
            how_many=("cuantos", "cuantas", "cuanto", "cuanta"),
        ),
        Language(
            "fr",
            "nltk:french",
            when=("quand", "en quelle annee", "quelle annee", "a quelle date", "en quel siecle"),
            how_many=("combien",),
            openers=_words("il elle ils elles cela ceci"),
        ),
        Language(
            "hi",
            "snowball:hindi",
            fold=SCRIPT,
            end_marks="\u0964\u0965",
            when=("कब", "किस वर्ष", "किस साल", "किस सन"),
            how_many=("कितने", "कितना", "कितनी"),
        ),
        Language(
            "it",
            "nltk:italian",
            when=("quando", "in che anno", "quale anno", "in quale anno"),
            how_many=("quanti", "quante", "quanto", "quanta"),
            openers=_words("lui lei loro ciò"),
        ),
        Language(
            "pt",
            "nltk:portuguese",
            when=("quando", "em que ano", "qual ano", "em qual ano"),
            how_many=("quantos", "quantas", "quanto", "quanta"),
            openers=_words("ele ela eles elas isso isto"),
        ),
        Language(
            "ro",
            "nltk:romanian",
            when=("cand", "in ce an", "ce an", "in ce secol"),
            how_many=("cati", "cate", "cat"),
        ),
        Language(
            "ru",
            "nltk:russian",
            fold=SCRIPT,
            when=("когда", "в каком году", "какого числа", "в каком веке", "какой год"),
            how_many=("сколько",),
            openers=_words(
                "он она оно они его ее их это этот эта эти этого но однако также кроме того "
                "тем при этом поэтому"
            ),
        ),
        Language(
            "th",
            words=THAI,
            sentences=THAI,
            fold=SCRIPT,
            when=("เมื่อไร", "เมื่อไหร่", "ปีไหน", "ปีอะไร", "ปีใด"),
            how_many=("เท่าไร", "เท่าไหร่", "กี่"),
        ),
        Language(
            "tr",
            "snowball:turkish",
            ordinal_dots=True,
            when=("ne zaman", "hangi yıl", "hangi yılda", "hangi tarihte", "kaç yılında"),
            how_many=("kaç", "ne kadar"),
        ),
        Language(
            "vi",
            fold=SCRIPT,  # tones tell syllables apart: they stay
            when=("khi nào", "bao giờ", "năm nào", "năm bao nhiêu", "lúc nào"),
            how_many=("bao nhiêu", "mấy"),
        ),
        Language(
            "zh",
            words=BIGRAMS,
            sentences=MARKS,
            fold=SCRIPT,
            when=("什么时候", "何时", "哪一年", "哪年", "几时", "何年"),
            how_many=("多少", "几", "多久", "多长", "多大"),
        ),
        Language(
            "ja",
            words=BIGRAMS,
            sentences=MARKS,
            fold=SCRIPT,
            when=("いつ", "何年"),
            how_many=("いくつ", "何人", "いくら", "どのくらい", "何個"),
        ),
        Language("ko", words=BIGRAMS, fold=SCRIPT, when=("언제",), how_many=("몇", "얼마")),
        Language("nl", "nltk:dutch", when=("wanneer", "in welk jaar"), how_many=("hoeveel",)),
        Language(
            "da", "nltk:danish", ordinal_dots=True, when=("hvornår",), how_many=("hvor mange",)
        ),
        Language("sv", "nltk:swedish", when=("när", "vilket år"), how_many=("hur många",)),
        Language(
            "no",
            "nltk:norwegian",
            ordinal_dots=True,
            when=("når", "hvilket år"),
            how_many=("hvor mange",),
        ),
        Language(
            "fi", "nltk:finnish", ordinal_dots=True, when=("milloin",), how_many=("kuinka monta",)
        ),
        Language("hu", "nltk:hungarian", ordinal_dots=True, when=("mikor",), how_many=("hány",)),
        Language("id", "snowball:indonesian", when=("kapan",), how_many=("berapa",)),
        Language("ms", "snowball:indonesian", when=("bila",), how_many=("berapa",)),
        Language("ca", "snowball:catalan", when=("quan",), how_many=("quants", "quantes")),
        Language("cs", "snowball:czech", ordinal_dots=True, when=("kdy",), how_many=("kolik",)),
        Language("pl", "snowball:polish", ordinal_dots=True, when=("kiedy",), how_many=("ile",)),
        Language(
            "lt", "snowball:lithuanian", ordinal_dots=True, when=("kada",), how_many=("kiek",)
        ),
        Language("fa", "snowball:persian", fold=SCRIPT, end_marks="\u061f", how_many=("چند",)),
        Language("uk", fold=SCRIPT, when=("коли",), how_many=("скільки",)),
        Language("bg", fold=SCRIPT, when=("кога",), how_many=("колко",)),
        Language(
            "sr",
            "snowball:serbian",
            ordinal_dots=True,
            fold=SCRIPT,
            when=("када",),
            how_many=("колико",),
        ),
        Language("he", fold=SCRIPT, when=("מתי",), how_many=("כמה",)),
        Language("ur", fold=SCRIPT, end_marks="\u061f\u06d4"),
        Language("ne", "snowball:nepali", fold=SCRIPT, end_marks="\u0964\u0965"),
        Language("ta", "snowball:tamil", fold=SCRIPT),
        Language("hy", "snowball:armenian", fold=SCRIPT),
        Language("eu", "snowball:basque"),
        Language("et", "snowball:estonian"),
        Language("ga", "snowball:irish"),
    )
}
