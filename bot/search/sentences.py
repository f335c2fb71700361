"""Sentences: Punkt trained on the corpus, and whether a sentence leans on the one before it."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable

from nltk.tokenize.punkt import PunktLanguageVars, PunktSentenceTokenizer, PunktTrainer

from .text import ABBREVIATIONS, straight_quotes

# Training Punkt is linear in text size; a megabyte of news teaches it what it can learn.
MAX_TRAINING_CHARS = 1_000_000
# Where Punkt considers a sentence break: an end mark followed by punctuation or by a token.
_POSSIBLE_BREAK = re.compile(r"[.?!](?:[)\";}\]*:@'({\[!?]|\s+\S)")
# Opening words that lean on the sentence before ("He says…", "This…", "But…").
DEPENDENT_OPENERS = frozenset(
    "he she they it its his her their him them this that these those such but however and yet "
    "still also so then meanwhile instead moreover furthermore nevertheless nonetheless "
    "otherwise besides likewise".split()
)
_EXCLAMATION_END = re.compile(r"[!?][\"')\]]*$")
_FIRST_WORD = re.compile(r"[^\W_][\w.'\u2019]*")


def leans_on_previous(text: str, continues_quote: bool) -> bool:
    """Whether a sentence continues a quotation or opens with a word that points back."""
    if continues_quote:
        return True
    first = _FIRST_WORD.search(text)
    return bool(first) and first.group().lower().rstrip(".") in DEPENDENT_OPENERS


class SentenceSplitter:
    """NLTK Punkt, trained on the corpus itself plus a shipped list of news abbreviations.

    No downloaded NLTK data is needed. Curly quotes are mapped to straight ones before Punkt sees
    the text (one character for one), so Punkt's quote rules apply and offsets are unchanged.
    """

    def __init__(
        self, tokenizer: PunktSentenceTokenizer, possible_break: re.Pattern = _POSSIBLE_BREAK
    ) -> None:
        self._tokenizer = tokenizer
        self._possible_break = possible_break

    @classmethod
    def train(
        cls,
        texts: Iterable[str],
        max_chars: int = MAX_TRAINING_CHARS,
        end_marks: str = "",
        abbreviations: Iterable[str] = ABBREVIATIONS,
        collocations: Iterable[tuple[str, str]] = (),
    ) -> SentenceSplitter:
        """Learn abbreviations, collocations and sentence starters from up to `max_chars`.

        Args:
            texts: paragraphs to learn from.
            max_chars: how much of them to read at most.
            end_marks: characters that end sentences besides . ? ! (the Arabic question mark,
                the Devanagari danda).
            abbreviations: known abbreviations, besides those learnt (lower case, no dot).
            collocations: pairs of word types a dot between does not split ("##number##",
                "mai": "am 7. Mai"), besides those learnt.
        """
        lang_vars = None
        possible_break = _POSSIBLE_BREAK
        if end_marks:
            ends = (".", "?", "!", *end_marks)
            lang_vars = type("LanguageVars", (PunktLanguageVars,), {"sent_end_chars": ends})()
            marks = re.escape("".join(ends))
            possible_break = re.compile(rf"[{marks}](?:[)\";}}\]*:@'({{\[!?]|\s+\S)")
        trainer = PunktTrainer(lang_vars=lang_vars)  # None: Punkt's own
        sample, size = [], 0
        for text in texts:
            if size >= max_chars:
                break
            sample.append(straight_quotes(text[: max_chars - size]))
            size += len(sample[-1])
        trainer.train("\n\n".join(sample), finalize=True)
        params = trainer.get_params()
        params.abbrev_types.update(abbreviations)
        params.collocations.update(collocations)
        return cls(PunktSentenceTokenizer(params, lang_vars=lang_vars), possible_break)

    def fingerprint(self) -> str:
        """A hash of what Punkt learned: two splitters with one fingerprint split alike."""
        params = self._tokenizer._params
        learned = [
            sorted(params.abbrev_types),
            sorted(map(list, params.collocations)),
            sorted(params.sent_starters),
            sorted(params.ortho_context.items()),
            sorted(self._tokenizer._lang_vars.sent_end_chars),
        ]
        return hashlib.sha256(json.dumps(learned).encode()).hexdigest()[:16]

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Return (start, end) offsets of the sentences of one paragraph."""
        text = straight_quotes(text)
        if not self._possible_break.search(text):  # no place Punkt could break: one sentence
            start, end = len(text) - len(text.lstrip()), len(text.rstrip())
            return [(start, end)] if start < end else []
        return _rejoin(text, self._tokenizer.span_tokenize(text))


def _rejoin(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Punkt ends a sentence at every ! and ?; a next word in lower case carries it on.

    "Brett Lock of gay group OutRage! said…", "OutRage!'s Mr Lock said…" and '"Why?" he
    asked.' are one sentence each.
    """
    joined: list[tuple[int, int]] = []
    for start, end in spans:
        lower = text[start].islower() or (
            text[start] in "'\u2019" and text[start + 1 : start + 2] == "s"
        )
        if joined and lower and _EXCLAMATION_END.search(text, *joined[-1]):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined
