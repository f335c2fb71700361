"""Sentence splitters for scripts Punkt cannot split: no space after a full stop, or no full stop.

Punkt only breaks where white space follows an end mark. Chinese and Japanese put none after
。！？, so they are split there whatever follows; Thai has no sentence punctuation at all, and
PyThaiNLP's sentence segmenter (CRFCut, trained on Thai news) finds its sentences.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .analysis import _THAI_CHARS

# After 。！？ (and closing quotes or brackets) whatever follows; after . ! ? before a space.
_MARK_END = re.compile(
    r"[\u3002\uff01\uff1f\uff0e]+[\u201d\u2019\u300d\u300f\uff09\u3011)\"']*|[.!?](?=\s)"
)
_THAI = re.compile(rf"[{_THAI_CHARS}]")


def _spans_from_cuts(text: str, cuts: Iterable[int]) -> list[tuple[int, int]]:
    """Sentences between the cuts, without the white space around them."""
    spans = []
    start = 0
    for cut in [*sorted(set(cuts)), len(text)]:
        s, e = start, cut
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            spans.append((s, e))
        start = cut
    return spans


class MarksSplitter:
    """Sentences end after 。！？ whatever follows, and after . ! ? before white space."""

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Return (start, end) offsets of the sentences of one paragraph."""
        return _spans_from_cuts(text, (m.end() for m in _MARK_END.finditer(text)))

    def fingerprint(self) -> str:
        """Nothing is learnt: every one splits alike."""
        return "marks"


class ThaiSplitter:
    """PyThaiNLP's CRFCut sentence segmenter for Thai; other text as `MarksSplitter` has it."""

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Return (start, end) offsets of the sentences of one paragraph."""
        if not _THAI.search(text):
            return MarksSplitter().spans(text)
        from pythainlp.tokenize import sent_tokenize

        cuts, at = [], 0
        for sentence in sent_tokenize(text, engine="crfcut"):
            found = text.find(sentence, at)
            if found < 0:  # the segmenter changed the text: keep what was found so far
                break
            at = found + len(sentence)
            cuts.append(at)
        return _spans_from_cuts(text, cuts)

    def fingerprint(self) -> str:
        """Nothing is learnt: every one splits alike."""
        return "thai"
