"""Whom an article in another language credits: "laut X", "según X", "по словам X", "X'e göre".

English articles are credited by `credits.resolve`; the articles of other languages here, with
each language's common forms, read conservatively (a wrong credit is worse than none):

1. "according to" forms before the source ("laut der Polizei", "según el ministerio",
   "selon l'AFP", "по словам мэра", "по данным полиции", "وفقا لـ الوزارة", "بحسب …") or after
   it ("der Polizei zufolge", "Reuters'a göre");
2. a reporting verb with its speaker: a name before it ("Sobjanin sagte", "Собянин заявил"), a
   speaker after it once a quotation or a comma ends ("…, dijo García", "«…», — сказал
   Собянин", "…, a déclaré le maire"), the Arabic speaker after its verb ("وقال الوزير إن"),
   the Turkish one opening the sentence before a comma ("Bakan Kaya, … söyledi");
3. a sentence wholly inside a quotation (« », „ “, “ ”, 「」) takes the speaker named where
   the quotation closes, else that of the sentence that opened it with a colon.

Only names count where the language capitalises them (a capital, or an article before a noun:
"la policía", "der Sprecher"); after the unambiguous "по словам", "según", "selon", "وفقا" the
phrase itself is the source. Pronouns credit nobody.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_WORD = re.compile(r"[^\W\d_][\w'\u2019\u0640-]*|\d[\d.,]*")
_SPACE_OR_MARKS = re.compile(r"[\s\u2014\u2013-]+")
MAX_SOURCE_WORDS = 6


@dataclass(frozen=True)
class Forms:
    """One language's forms of attribution."""

    before: tuple[str, ...] = ()  # "according to" before the source, lower case
    after: tuple[str, ...] = ()  # the same after it ("zufolge", "göre")
    verbs: frozenset[str] = frozenset()  # reporting verbs, lower case
    connectors: frozenset[str] = frozenset()  # lower-case words inside a name ("de", "der")
    articles: frozenset[str] = frozenset()  # words a described source may open with
    stops: frozenset[str] = frozenset()  # words that end a source phrase ("que", "что")
    pronouns: frozenset[str] = frozenset()
    cased: bool = True  # the script capitalises names
    strong: tuple[str, ...] = ()  # of `before`: forms whose phrase is always a source
    verb_first: bool = False  # the speaker follows the verb (Arabic)
    speaker_opens: bool = False  # "Bakan Kaya, … söyledi" (Turkish)
    auxiliaries: frozenset[str] = frozenset()  # "…, a déclaré X": skipped before the verb
    prepositions: frozenset[str] = frozenset()  # a phrase holding one is a place, not a speaker


def _set(text: str) -> frozenset[str]:
    return frozenset(text.split())


FORMS: dict[str, Forms] = {
    "de": Forms(
        before=("laut", "nach angaben von", "nach angaben des", "nach angaben der"),
        after=("zufolge",),
        verbs=_set(
            "sagte sagten sagt erklärte erklärten erklärt betonte betonten betont berichtete "
            "berichteten teilte teilten warnte warnten"
        ),
        prepositions=_set("am im in an auf nach vor bei mit seit aus zu zum zur über unter"),
        connectors=_set("der die das des dem den von vom für und"),
        articles=_set("der die das des dem den ein eine einer eines einem"),
        stops=_set("dass ob weil wenn und aber sei seien ist sind war waren wurde wurden habe"),
        pronouns=_set("er sie es man wir ich"),
    ),
    "es": Forms(
        before=("según", "de acuerdo con", "de acuerdo a"),
        verbs=_set(
            "dijo dijeron afirmó afirmaron declaró declararon explicó explicaron aseguró "
            "aseguraron señaló señalaron añadió añadieron indicó indicaron agregó informó "
            "advirtió"
        ),
        connectors=_set("de del la las el los y"),
        articles=_set("el la los las un una unos unas"),
        stops=_set("que es son fue han ha"),
        pronouns=_set("él ella ellos ellas yo nosotros"),
        strong=("según",),
        prepositions=_set("en a con desde por para sobre tras"),
    ),
    "fr": Forms(
        before=("selon", "d'après", "d\u2019après"),
        verbs=_set(
            "déclare déclaré affirme affirmé explique expliqué ajoute ajouté indique indiqué "
            "souligne souligné estime estimé précise précisé"
        ),
        connectors=_set("de du des la le les l' d' et"),
        articles=_set("le la les l' l\u2019 un une"),
        stops=_set("que qui est sont a ont"),
        pronouns=_set("il elle ils elles on je nous"),
        strong=("selon", "d'après", "d\u2019après"),
        auxiliaries=_set("a ont avait avaient"),
        prepositions=_set("à au aux en dans avec depuis pour sur chez"),
    ),
    "ru": Forms(
        before=(
            "по словам",
            "по данным",
            "по сообщению",
            "по информации",
            "как сообщил",
            "как сообщила",
            "как сообщили",
            "как заявил",
            "как заявила",
        ),
        verbs=_set(
            "сказал сказала сказали заявил заявила заявили сообщил сообщила сообщили отметил "
            "отметила отметили подчеркнул подчеркнула добавил добавила пояснил пояснила "
            "рассказал рассказала признал признала"
        ),
        connectors=frozenset(),
        stops=_set("что в на и а но это который которая которые"),
        pronouns=_set("он она они оно я мы"),
        strong=("по словам", "по данным", "по сообщению", "по информации"),
        prepositions=_set("в во на из с со к ко по о об у за от до при после через"),
    ),
    "ar": Forms(
        before=("وفقا لـ", "وفقاً لـ", "وفقا ل", "وفقاً ل", "وفقا", "وفقاً", "بحسب", "حسب"),
        verbs=_set(
            "قال قالت وقال وقالت أعلن أعلنت وأعلن وأعلنت صرح صرحت وصرح وصرحت أكد أكدت وأكد "
            "وأكدت أضاف أضافت وأضاف وأضافت أوضح أوضحت وأوضح وأوضحت"
        ),
        stops=_set("إن ان أن إنه انه أنه إنها أنها في من على إلى الى عن بعد قبل لأن"),
        pronouns=_set("هو هي هم"),
        cased=False,
        strong=("وفقا لـ", "وفقاً لـ", "وفقا ل", "وفقاً ل", "وفقا", "وفقاً", "بحسب", "حسب"),
        verb_first=True,
    ),
    "tr": Forms(
        after=("göre",),
        verbs=_set("dedi söyledi açıkladı belirtti bildirdi kaydetti vurguladı"),
        connectors=_set("ve"),
        pronouns=_set("o onlar ben biz"),
        speaker_opens=True,
    ),
    "it": Forms(
        before=("secondo",),
        verbs=_set("ha detto dichiarato affermato spiegato aggiunto"),
        connectors=_set("di del della dei la il lo e"),
        articles=_set("il lo la i gli le un una"),
        auxiliaries=_set("ha hanno aveva"),
        stops=_set("che è sono"),
        pronouns=_set("lui lei loro"),
    ),
    "pt": Forms(
        before=("segundo", "de acordo com"),
        verbs=_set("disse disseram afirmou afirmaram declarou explicou acrescentou"),
        connectors=_set("de do da dos das e"),
        articles=_set("o a os as um uma"),
        stops=_set("que é são foi"),
        pronouns=_set("ele ela eles elas"),
    ),
}
# Opening and closing quotation marks each language writes (German closes with “).
QUOTES: dict[str, tuple[str, str]] = {
    "de": ("\u201e\u00bb\u201a", "\u201c\u00ab\u2018"),
    "zh": ("\u300c\u300e\u201c", "\u300d\u300f\u201d"),
    "ja": ("\u300c\u300e", "\u300d\u300f"),
}
DEFAULT_QUOTES = ("\u00ab\u201c\u201e\u2039", "\u00bb\u201d\u203a")


def attribute(body: str, sentences: Sequence[tuple[int, int, int]], code: str) -> list[str | None]:
    """Whom the article credits for each sentence (paragraph, start, end); None: nobody."""
    forms = FORMS.get(code, Forms())
    opening, closing = QUOTES.get(code, DEFAULT_QUOTES)
    depth_at, narrations = [], []
    depth, paragraph = 0, None
    for number, start, end in sentences:
        if number != paragraph:
            depth, paragraph = 0, number
        depth_at.append(depth)
        outside, depth = _narration(body[start:end], depth, opening, closing)
        narrations.append(outside)
    credits = [_explicit(text, forms, body) for text in narrations]
    result = list(credits)
    for i, (number, start, end) in enumerate(sentences):
        if result[i] or not _quoted(body[start:end], narrations[i]):
            continue
        # Wholly quoted: the speaker where the quotation closes, in this paragraph…
        j = i
        while j < len(sentences) and sentences[j][0] == number and not credits[j]:
            if j > i and depth_at[j] == 0:
                break
            j += 1
        if j < len(sentences) and sentences[j][0] == number and credits[j]:
            result[i] = credits[j]
            continue
        # … else the sentence that opened it with a colon.
        k = i - 1
        while k >= 0 and sentences[k][0] == number and depth_at[k + 1] > 0 and not credits[k]:
            k -= 1
        if k >= 0 and sentences[k][0] == number and narrations[k].rstrip().endswith(":"):
            result[i] = credits[k]
    return result


def _narration(text: str, depth: int, opening: str, closing: str) -> tuple[str, int]:
    """The sentence without what it quotes, and the quotation depth after it."""
    kept = []
    for ch in text:
        if ch in opening and not (ch in closing and depth > 0):
            depth += 1
            kept.append(" ")
        elif ch in closing and depth > 0:
            depth -= 1
            kept.append(" ")
        elif ch == '"':
            depth = depth - 1 if depth > 0 else depth + 1
            kept.append(" ")
        else:
            kept.append(ch if depth == 0 else " ")
    return "".join(kept), depth


def _quoted(text: str, narration: str) -> bool:
    """Whether most of a sentence's words are inside a quotation."""
    return len(_WORD.findall(narration)) * 3 < len(_WORD.findall(text))


def _explicit(text: str, forms: Forms, body: str) -> str | None:
    """The source a sentence's own words name, if any."""
    lower = text.lower()
    for form in forms.before:
        for found in re.finditer(rf"(?<!\w){re.escape(form)}(?!\w)", lower):
            source = _phrase_after(text, found.end(), forms, form in forms.strong)
            if source and not forms.cased and source.startswith("\u0644"):
                # Arabic: "وفقا لوزارة الصحة", the preposition joined to the source.
                source = source.removeprefix("\u0644\u0640").removeprefix("\u0644").strip()
            if source:
                return source
    for form in forms.after:
        for found in re.finditer(rf"(?<=\w)\s+{re.escape(form)}(?!\w)", text):
            source = _phrase_before(text, found.start(), forms, form)
            if source:
                return source
    words = list(_WORD.finditer(text))
    for n, word in enumerate(words):
        if word.group().lower() not in forms.verbs:
            continue
        source = _speaker(text, words, n, forms, body)
        if source:
            return source
    return None


def _phrase_after(text: str, at: int, forms: Forms, strong: bool) -> str | None:
    """The source phrase that starts at `at`: a name, or (after a strong form) any phrase."""
    rest = text[at:]
    cut = re.search(r"[,;:.!?()\u060c\u061b\u00ab\u00bb\u201c\u201d\u201e\"]", rest)
    words = _WORD.findall(rest[: cut.start()] if cut else rest)
    taken = []
    for word in words:
        lower = word.lower()
        if taken and (lower in forms.stops or len(taken) >= MAX_SOURCE_WORDS):
            break
        if not taken and lower in forms.stops | forms.pronouns:
            return None
        if forms.cased and not strong and not _name_word(word, forms, first=not taken):
            break
        taken.append(word)
    while taken and taken[-1].lower() in forms.connectors | forms.articles:
        taken.pop()
    if not taken or (forms.cased and not strong and not any(w[0].isupper() for w in taken)):
        return None
    return " ".join(taken)


def _phrase_before(text: str, end: int, forms: Forms, form: str) -> str | None:
    """The source phrase that ends just before a postposition ("der Polizei zufolge")."""
    words = _WORD.findall(text[:end])
    taken: list[str] = []
    for word in reversed(words):
        if len(taken) >= MAX_SOURCE_WORDS or not _name_word(word, forms, first=False):
            break
        taken.insert(0, word)
    while taken and taken[0].lower() in forms.connectors - forms.articles:
        taken.pop(0)
    if form == "göre" and taken:  # Turkish: "Reuters'a göre", "Bakanlığı'na göre"
        last = re.split(r"['\u2019]", taken[-1])[0]
        if last == taken[-1] and not last[0].isupper():
            return None
        taken[-1] = last
    if not taken or not any(w[0].isupper() for w in taken):
        return None
    return " ".join(taken)


def _name_word(word: str, forms: Forms, first: bool) -> bool:
    lower = word.lower()
    if word[0].isupper():
        return True
    if first:
        return lower in forms.articles
    return lower in forms.connectors or lower in forms.articles


def _speaker(text: str, words: list[re.Match], n: int, forms: Forms, body: str) -> str | None:
    """The speaker of the reporting verb `words[n]`."""
    verb = words[n]
    if forms.verb_first:  # Arabic: "وقال المتحدث باسم الوزارة إن …"
        taken = []
        for word in words[n + 1 :]:
            gap = text[word.start() - 1] if word.start() else " "
            if word.group() in forms.stops or len(taken) >= 5 or gap in "،,:.":
                break
            taken.append(word.group())
        if not taken or taken[0] in forms.pronouns:
            return None
        return " ".join(taken)
    before = text[: verb.start()].rstrip()
    if n and words[n - 1].group().lower() in forms.auxiliaries:  # "a déclaré"
        before = text[: words[n - 1].start()].rstrip()
    # "…, dijo García", "«…», — сказал Собянин": the speaker follows, after a comma or a dash.
    if before.endswith((",", "\u2014", "\u2013", "-", "\u00bb", "\u201c", "\u201d")):
        taken = []
        for word in words[n + 1 :]:
            if len(taken) >= MAX_SOURCE_WORDS or not _name_word(word.group(), forms, not taken):
                break
            taken.append(word.group())
        while taken and taken[-1].lower() in forms.connectors | forms.articles:
            taken.pop()
        if taken and _credible(taken, forms, body, opens=False):
            return " ".join(taken)
    # "Собянин заявил", "Der Sprecher sagte": a name (or an article and a noun) before it.
    taken, first = [], n
    for m in range(n - 1, -1, -1):
        word = words[m].group()
        if len(taken) >= MAX_SOURCE_WORDS or not _name_word(word, forms, first=False):
            break
        if text[words[m].end() : words[m + 1].start()].strip():  # a comma or a mark between
            break
        taken.insert(0, word)
        first = m
    if taken and _credible(taken, forms, body, opens=first == 0):
        return " ".join(taken)
    if forms.speaker_opens and verb.end() >= len(text.rstrip(" .!?\n")) - 1:
        # Turkish: "Bakan Kaya, köprünün açılacağını söyledi." The speaker opens the sentence.
        opening = re.match(r"\s*((?:[^\W\d_][\w'\u2019]*\s*){1,4}),", text)
        if opening:
            phrase = opening.group(1).split()
            if all(w[0].isupper() for w in phrase) and _credible(phrase, forms, body, True):
                return " ".join(phrase)
    return None


def _credible(taken: list[str], forms: Forms, body: str, opens: bool) -> bool:
    """Whether a phrase can be a speaker: a name, never a place or a pronoun.

    A phrase that opens its sentence is capitalised by position: it must hold an article
    ("Der Sprecher") or a word the article also capitalises in mid-sentence (a name).
    """
    lower = [w.lower() for w in taken]
    if any(w in forms.pronouns or w in forms.prepositions for w in lower):
        return False
    if not any(w[0].isupper() for w in taken):
        return False
    if opens and lower[0] not in forms.articles:
        return any(_named_elsewhere(w, body) for w in taken if w[0].isupper())
    return True


def _named_elsewhere(word: str, body: str) -> bool:
    """Whether the article writes `word` capitalised after another word of a sentence."""
    return re.search(rf"[\w,;]\s+{re.escape(word)}(?!\w)", body) is not None
